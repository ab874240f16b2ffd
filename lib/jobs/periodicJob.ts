// A job run in the worker's process: one pass at start-up, then one every interval after the
// last pass ended (never two at once in a process); stop() waits for a pass under way. What
// makes a job safe across processes (keys, SKIP LOCKED) lives in its model, not here.
import type { Logger } from '../boot/logger.ts';

export interface PeriodicJob<Run> {
  // One pass, at the given moment (tests give a clock).
  runOnce(now?: Date): Promise<Run>;
  start(): void;
  stop(): Promise<void>;
}

export function createPeriodicJob<Run>(options: { log: Logger; everyMs: number; failure: string; runOnce: (now?: Date) => Promise<Run> }): PeriodicJob<Run> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  function tick() {
    if (stopped) return;
    running = options
      .runOnce()
      .catch((error) => options.log.error({ err: error }, options.failure))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, options.everyMs);
      });
  }

  return {
    runOnce: options.runOnce,
    start() {
      if (timer || running || stopped) return;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
