// A stand-in for the installed backup client, for demos and tests. It talks to the running
// portal over HTTP at APP_URL, as the real client does:
//   npm run client -- activate --key-code K --computer-name N --platform windows|mac
//   npm run client -- backup --device-token T [--bytes B --files F]
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../lib/boot/startup.ts';
import { paths } from '../lib/paths.ts';

const USAGE = [
  'Usage:',
  '  npm run client -- activate --key-code ACDE-FGHJ-KMNP-QRTU --computer-name "Office PC" --platform windows|mac',
  '  npm run client -- backup --device-token <token> [--bytes 1048576 --files 120]',
].join('\n');

function fail(message: string, showUsage = true): never {
  console.error(showUsage ? `${message}\n${USAGE}` : message);
  process.exit(1);
}

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: Record<string, { type: 'string' }>): Values {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    fail((error as Error).message);
  }
}

const text = (values: Values, key: string) => (typeof values[key] === 'string' ? (values[key] as string).trim() : '');

function count(values: Values, key: string): { value: number; problem?: string } {
  const raw = text(values, key);
  if (raw === '') return { value: 0 };
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) return { value: 0, problem: `--${key} must be a whole number of 0 or more, got "${raw}"` };
  return { value: Number(raw) };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    fail(`Could not reach the portal at ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}. Is it running, and is APP_URL right?`, false);
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, json };
}

function refused(status: number, json: Record<string, unknown>): never {
  const message = typeof json.message === 'string' ? json.message : 'The portal gave no reason.';
  fail(`The portal refused (${status}${typeof json.error === 'string' ? ` ${json.error}` : ''}): ${message}`, false);
}

// A device token is base64url and may start with a dash, which parseArgs would take for an
// option of its own: the token is joined to its option first.
function joinDeviceToken(args: string[]): string[] {
  const at = args.indexOf('--device-token');
  if (at === -1 || at + 1 >= args.length) return args;
  return [...args.slice(0, at), `--device-token=${args[at + 1]}`, ...args.slice(at + 2)];
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'help' || command === '--help') {
  console.log(USAGE);
  process.exit(0);
}
if (command === undefined) fail('Say what to do: activate or backup.');
if (command !== 'activate' && command !== 'backup') fail(`Unknown command "${command}": use activate or backup.`);

const values = parse(
  joinDeviceToken(rest),
  command === 'activate'
    ? { 'key-code': { type: 'string' }, 'computer-name': { type: 'string' }, platform: { type: 'string' } }
    : { 'device-token': { type: 'string' }, bytes: { type: 'string' }, files: { type: 'string' } },
);
const { appUrl } = loadConfigOrExit();

if (command === 'activate') {
  const keyCode = text(values, 'key-code');
  const computerName = text(values, 'computer-name');
  const platform = text(values, 'platform').toLowerCase();
  const problems = [
    keyCode === '' ? 'Missing --key-code (the subscription’s key code)' : undefined,
    computerName === '' ? 'Missing --computer-name (the name of this computer)' : undefined,
    platform === '' ? 'Missing --platform (windows or mac)' : !['windows', 'mac'].includes(platform) ? `--platform must be windows or mac, got "${platform}"` : undefined,
  ].filter(Boolean);
  if (problems.length) fail(problems.join('\n'));

  const { status, json } = await post(appUrl + paths.api.installations, { keyCode, computerName, platform });
  if (status !== 201) refused(status, json);
  console.log(`Activated "${computerName}" (${platform}) at ${appUrl}.`);
  console.log(`Serial number: ${json.serialNumber}`);
  console.log(`Device token: ${json.deviceToken}`);
} else {
  const deviceToken = text(values, 'device-token');
  const bytes = count(values, 'bytes');
  const files = count(values, 'files');
  const problems = [deviceToken === '' ? 'Missing --device-token (printed by activate)' : undefined, bytes.problem, files.problem].filter(Boolean);
  if (problems.length) fail(problems.join('\n'));

  const completedAt = new Date().toISOString();
  const { status, json } = await post(
    appUrl + paths.api.backups,
    { completedAt, bytes: bytes.value, files: files.value },
    { Authorization: `Bearer ${deviceToken}` },
  );
  if (status !== 201 && status !== 200) refused(status, json);
  console.log(`Reported a backup of ${json.files} files (${json.bytes} bytes) completed at ${json.completedAt} for serial number ${json.serialNumber}.`);
}
