// The pino logger every process writes its lines through, with secrets redacted.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// PostgreSQL's errors carry values of the rows they are about ("Key (email)=(…)", "Failing
// row contains (…)" with a password hash, the statement's context): a logged error keeps its
// message, code, constraint and stack, never those.
const ERROR_FIELDS_WITH_VALUES = ['detail', 'where', 'internalQuery', 'parameters', 'bindings', 'sql'];

export function serializeError(error: Error): Record<string, unknown> {
  const serialized: Record<string, unknown> = stdSerializers.err(error);
  for (const field of ERROR_FIELDS_WITH_VALUES) delete serialized[field];
  return serialized;
}

// Lines go to stdout; tests pass a destination of their own to read them.
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    serializers: { err: serializeError },
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
