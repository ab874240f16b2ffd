// The app as `npm start` runs it, in processes of its own: node with the start script's own
// options (its heap limits among them, read from package.json) and production settings.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { projectRoot } from '../../../lib/boot/projectRoot.ts';
import { freePort } from '../../support/hooks.ts';
import { nodeArgumentsOf } from '../../support/startCommand.ts';

export interface ServerProcess {
  url: string;
  // The node process running the app.
  appPid: number;
  // Resident memory of the app process, in bytes, from /proc/<pid>/status.
  rss(): Promise<number>;
  // A full garbage collection in the app, through the inspector (started with { inspect: true }).
  collectGarbage(): Promise<void>;
  // The bytes V8's heap holds now, through the inspector: after collectGarbage, what the app keeps.
  heapUsed(): Promise<number>;
  // SIGTERM, then waits for the exit: answers the exit code (null when killed by a signal).
  stop(timeoutMs?: number): Promise<number | null>;
  output(): string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function rssOf(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`No VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

export const SESSION_SECRET = 'fault-test-production-session-secret-0123456789';

// The WebSocket node 20 has with --experimental-websocket (test:faults runs mocha with it);
// @types/node 20 does not declare it.
interface InspectorSocket {
  addEventListener(event: 'open' | 'error' | 'close', listener: () => void): void;
  addEventListener(event: 'message', listener: (message: { data: unknown }) => void): void;
  send(data: string): void;
  close(): void;
}
type InspectorSocketClass = new (url: string) => InspectorSocket;

// Sends one Chrome DevTools Protocol command to the app's inspector and answers its result.
async function inspectorCommand(url: string, method: string): Promise<Record<string, unknown>> {
  const Socket = (globalThis as { WebSocket?: InspectorSocketClass }).WebSocket;
  if (!Socket) throw new Error('No WebSocket in this node: run mocha with --node-option experimental-websocket');
  const socket = new Socket(url);
  try {
    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.addEventListener('error', () => reject(new Error(`The app's inspector at ${url} could not be reached`)));
      socket.addEventListener('message', (message) => {
        const answer = JSON.parse(String(message.data)) as { id?: number; error?: { message: string }; result?: Record<string, unknown> };
        if (answer.id !== 1) return;
        if (answer.error) reject(new Error(`${method}: ${answer.error.message}`));
        else resolve(answer.result ?? {});
      });
      socket.addEventListener('open', () => socket.send(JSON.stringify({ id: 1, method })));
    });
  } finally {
    socket.close();
  }
}

// options.inspect: the app also listens for the inspector on a free loopback port, so a test
// can ask it for a full garbage collection (the soak test reads memory after one).
export async function startServer(env: Record<string, string>, startTimeoutMs = 40_000, options: { inspect?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(options.inspect ? ['--inspect=127.0.0.1:0'] : []), ...nodeArgumentsOf('start')], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      SESSION_SECRET,
      TOTP_ENCRYPTION_KEY: 'fault-test-production-totp-encryption-key-0123',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (hasExited) throw new Error(`The server exited while starting:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The server did not answer /healthz within ${startTimeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }
  const appPid = child.pid!;
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (options.inspect && !inspectorUrl) throw new Error(`The app did not say where its inspector listens:\n${output}`);

  return {
    url,
    appPid,
    rss: () => rssOf(appPid),
    async collectGarbage() {
      if (!inspectorUrl) throw new Error('The app was started without { inspect: true }');
      await inspectorCommand(inspectorUrl, 'HeapProfiler.collectGarbage');
    },
    async heapUsed() {
      if (!inspectorUrl) throw new Error('The app was started without { inspect: true }');
      return Number((await inspectorCommand(inspectorUrl, 'Runtime.getHeapUsage')).usedSize);
    },
    async stop(timeoutMs = 20_000) {
      if (hasExited) return exited;
      child.kill('SIGTERM');
      const timer = sleep(timeoutMs).then(() => 'timeout' as const);
      const result = await Promise.race([exited, timer]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(`The server did not stop within ${timeoutMs} ms of SIGTERM:\n${output}`);
      }
      return result;
    },
    output: () => output,
  };
}
