// A real SMTP server in the test process (smtp-server), whose answers a test can change:
// accept, "451 try later" for everything, or "550" for some recipients.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMessage {
  recipients: string[];
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  url: string;
  received: ReceivedMessage[];
  // Every RCPT TO the server answered, accepted or not, by address.
  recipientAttempts: Map<string, number>;
  // Answer 451 to every recipient whose address ends with this (for example a test's domain).
  tempFailFor: string | undefined;
  // Answer 550 to these addresses.
  rejected: Set<string>;
  // Wait this long before answering a message's DATA (a slow server).
  dataDelayMs: number;
  deliveredTo(address: string): ReceivedMessage[];
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: Omit<TestSmtpServer, 'url' | 'close' | 'deliveredTo'> = {
    received: [],
    recipientAttempts: new Map(),
    tempFailFor: undefined,
    rejected: new Set(),
    dataDelayMs: 0,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // A test's server goes away at once, even with a client still connected.
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      state.recipientAttempts.set(to, (state.recipientAttempts.get(to) ?? 0) + 1);
      if (state.rejected.has(to)) return callback(smtpError(550, '5.1.1 No such user here'));
      if (state.tempFailFor && to.endsWith(state.tempFailFor)) return callback(smtpError(451, '4.3.0 Mail server busy, try again later'));
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const delay = new Promise((resolve) => setTimeout(resolve, state.dataDelayMs));
        delay.then(() => simpleParser(Buffer.concat(chunks))).then(
          (parsed) => {
            state.received.push({ recipients: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), parsed });
            callback(null, 'OK: queued');
          },
          (error) => callback(error as Error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return Object.assign(state, {
    url: `smtp://127.0.0.1:${port}`,
    deliveredTo: (address: string) => state.received.filter((m) => m.recipients.includes(address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as TestSmtpServer;
}
