import pino, { Logger } from 'pino';
import { redactSecretsDeep } from '../adapters/logging/redact-secrets';
import { LogLevel } from './config';

/**
 * JSON lines on stdout. Credentials are redacted wherever a request or its headers
 * get logged, so a careless log call cannot leak an API key or password; a logged error
 * loses any key or URL password its message, stack or properties quote, and the raw
 * request body a body parser may have attached to it.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'increment' },
      serializers: { err: serializeError },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.query.token',
          'headers.authorization',
          'query.token',
          '*.password',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes: lines logged while a write is in flight go out together in the next
    // one, so a busy server makes far fewer syscalls, and an idle one still logs at once.
    // main.ts flushes before the process exits. Each write holds whole lines and at most
    // PIPE_BUF (4096) bytes, which a pipe takes in one piece: with WORKERS > 1 several processes
    // share one stdout, and a longer write could be split around another process's lines.
    destination ?? pino.destination({ dest: 1, sync: false, maxWrite: 4096 }),
  );
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return redactSecretsDeep(error);
  const { body: _body, ...serialised } = pino.stdSerializers.err(error) as Record<string, unknown>;
  return redactSecretsDeep(serialised);
}
