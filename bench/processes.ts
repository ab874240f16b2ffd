// The processes a bench starts: the app (as production runs it, the worker apart) and the
// baseline, each awaited until it says it is listening, and stopped gently, then firmly.
import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../lib/boot/projectRoot.ts';
import { freePort } from '../test/support/hooks.ts';
import { nodeArgumentsOf } from '../test/support/startCommand.ts';

// nodeArguments: node's whole command line after `node` (options, then the script).
export function startProcess(nodeArguments: string[], env: Record<string, string>, readyLine: RegExp): Promise<ChildProcess> {
  const name = nodeArguments.find((a) => a.endsWith('.ts')) ?? nodeArguments.join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArguments, {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

export interface BenchApp {
  child: ChildProcess;
  url: string;
}

// The app in production mode on the bench database, with `npm start`'s node options (its heap
// limits among them). The email delivery worker (and the jobs it
// runs: renewals, reminders, digests, alerts) stays out of the process, as in a production set-up
// with `npm run worker` apart: its passes over a million accounts are no part of a page's figures.
export async function startBenchApp(databaseUrl: string, nodeArguments = nodeArgumentsOf('start')): Promise<BenchApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startProcess(
    nodeArguments,
    {
      NODE_ENV: 'production',
      PORT: String(port),
      APP_URL: url,
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
      TOTP_ENCRYPTION_KEY: 'benchmark-totp-encryption-key-0123456789abcdef',
      SMTP_URL: 'smtp://127.0.0.1:2',
      RUN_WORKER: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    /is running at/,
  );
  return { child, url };
}
