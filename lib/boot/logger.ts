// The pino logger every process writes its lines through, with secrets redacted.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Lines go to stdout; tests pass a destination of their own to read them.
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
