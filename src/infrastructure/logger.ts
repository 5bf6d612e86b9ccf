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
          '*.password',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
