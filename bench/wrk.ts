// Throughput with Debian's wrk: a load generator in C, so on 2 cores it is not the bottleneck.
import { spawn, spawnSync } from 'node:child_process';

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  mean: number;
  p50: number;
  p99: number;
  // Socket errors, timeouts and answers of 400 or more, as wrk counts them.
  errors: number;
}

// Stops the bench with the one line that says what to do when wrk is not installed.
export function requireWrk(): void {
  const found = spawnSync('wrk', ['-v'], { stdio: 'ignore' });
  if (found.error) {
    console.error('npm run bench needs Debian\'s wrk: apt-get install wrk');
    process.exit(1);
  }
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk printed a latency it did not explain: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

// Reads what `wrk --latency` prints.
export function parseWrk(output: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = /(\d+) requests in /.exec(output);
  const mean = /^\s+Latency\s+(\S+)/m.exec(output);
  const p50 = /^\s+50%\s+(\S+)\s*$/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)\s*$/m.exec(output);
  if (!rate || !requests || !mean || !p50 || !p99) throw new Error(`Could not read wrk's output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requestsPerSecond: Math.round(Number(rate[1])), requests: Number(requests[1]), mean: milliseconds(mean[1]), p50: milliseconds(p50[1]), p99: milliseconds(p99[1]), errors };
}

// `wrk -t2 -c16 -d<seconds> --latency`, sending the signed-in browser's cookies on every
// request; with a script (and its arguments) when given one.
export function runWrk(url: string, cookie: string | undefined, seconds: number, connections: number, script?: { path: string; args: string[] }): Promise<WrkResult> {
  const args = [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...(cookie ? ['-H', `Cookie: ${cookie}`] : []),
    ...(script ? ['-s', script.path] : []),
    url,
    ...(script ? ['--', ...script.args] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${output}`));
      try {
        resolve(parseWrk(output));
      } catch (error) {
        reject(error);
      }
    });
  });
}
