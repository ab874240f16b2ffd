// Latency at a fixed rate, below saturation: wrk with bench/paced.lua, each connection
// waiting a random (exponential) time before each request, so the requests arrive as a steady
// stream at the asked rate. autocannon's overallRate was not used: it gives each connection a
// budget per second that it sends at once, so every second began with a burst at full speed
// and the "fixed rate" latencies were those of a saturated server (see the README).
import path from 'node:path';
import { projectRoot } from '../lib/boot/projectRoot.ts';
import { runWrk } from './wrk.ts';

export interface FixedRateResult {
  // The rate asked for, and the rate wrk achieved (a little lower: a connection waits for its
  // answer before its next pause begins).
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  // Socket errors, timeouts and answers of 400 or more.
  errors: number;
}

const CALIBRATION_SECONDS = 3;
const PACED_SCRIPT = path.join(projectRoot, 'bench', 'paced.lua');

const paced = (meanDelayMs: number) => ({ path: PACED_SCRIPT, args: [Math.max(0, meanDelayMs).toFixed(3)] });

// A connection sends one request per pause and answer, so a short calibration run at the
// asked rate measures the mean answer time, and the measured run's pauses are that much shorter.
export async function runFixedRate(url: string, cookie: string | undefined, rate: number, seconds: number, connections: number): Promise<FixedRateResult> {
  const intervalMs = (1000 * connections) / rate;
  const calibration = await runWrk(url, cookie, CALIBRATION_SECONDS, connections, paced(intervalMs));
  const result = await runWrk(url, cookie, seconds, connections, paced(intervalMs - calibration.mean));
  return { rate, achieved: result.requestsPerSecond, p50: result.p50, p99: result.p99, errors: calibration.errors + result.errors };
}
