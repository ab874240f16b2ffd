// The app process's resident memory, read from /proc/<pid>/status every 100 ms.
import fs from 'node:fs';

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// Samples the process until stopped; answers the highest RSS seen, in MB.
export function sampleRss(pid: number): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // The process has gone; the peak so far stands.
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(peak);
    },
  };
}
