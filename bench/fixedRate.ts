// Latency at a fixed rate with autocannon's overallRate: what a page answers in below saturation.
import autocannon from 'autocannon';

export interface FixedRateResult {
  rate: number;
  p50: number;
  p99: number;
  // Connection errors, timeouts and every answer outside 2xx (a redirect to sign-in included).
  errors: number;
}

export async function runFixedRate(url: string, cookie: string | undefined, rate: number, seconds: number, connections: number): Promise<FixedRateResult> {
  const result = await autocannon({
    url,
    connections,
    overallRate: rate,
    duration: seconds,
    headers: cookie ? { cookie } : undefined,
  });
  return { rate, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}
