// The node command line `npm start` and `npm run worker` run, read from package.json, so the
// fault tests and the benchmark start the app exactly as production does: with its heap
// options (see README, "Memory"), not a copy of them that could drift.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../lib/boot/projectRoot.ts';

// The arguments after `node` in the script, e.g. ['--max-old-space-size=160', '--import', 'tsx', 'bin/server.ts'].
export function nodeArgumentsOf(script: 'start' | 'worker'): string[] {
  const scripts = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const words = scripts[script].trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node === -1) throw new Error(`package.json's ${script} script does not run node: ${scripts[script]}`);
  return words.slice(node + 1);
}
