import pino, { Logger } from 'pino';
import { LogLevel } from './config';

/**
 * JSON lines on stdout. Credentials are redacted wherever a request or its headers
 * get logged, so a careless log call cannot leak an API key or password.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'increment' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.query.token',
          'headers.authorization',
          'query.token',
        ],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes: lines logged while a write is in flight go out together in the next
    // one, so a busy server makes far fewer syscalls, and an idle one still logs at once.
    // main.ts flushes before the process exits.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
