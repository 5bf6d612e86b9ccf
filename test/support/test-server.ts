import { Container } from 'inversify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/infrastructure/config';
import { Application, createApplication } from '../../src/infrastructure/container';
import { listen, RunningServer } from '../../src/infrastructure/server';
import { createLogger } from '../../src/infrastructure/logger';
import { Client, client } from './http-client';
import { conformsToOpenApi } from './openapi-validator';

// Every reply any HTTP test receives is checked against the OpenAPI document, so the
// document cannot drift from what the code really answers.

export interface TestServer {
  readonly url: string;
  readonly http: Client;
  readonly application: Application;
  /** Every log line the server wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** The real application (real Koa, real HTTP on an ephemeral port) over in-memory storage. */
export async function startTestServer(
  options: { env?: Record<string, string>; customize?: (container: Container) => void } = {},
): Promise<TestServer> {
  const config = parseConfig({ STORAGE: 'memory', BCRYPT_ROUNDS: '4', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info',
    // Tests register many users from one address; the rate-limit tests set their own limits.
    RATE_LIMIT_REGISTRATIONS_PER_ADDRESS: '0', ...options.env });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink as unknown as pino.DestinationStream);
  const application = await createApplication(config, logger, { customize: options.customize });
  const running: RunningServer = await listen(application.app, config.port, config.host);
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    http: client(url, conformsToOpenApi),
    application,
    logs,
    stop: async () => {
      await running.stop(1000);
      await application.close();
    },
  };
}

/** Registers a user and returns the API key. */
export async function registerUser(server: TestServer, email = `user-${Math.random().toString(36).slice(2)}@example.com`): Promise<string> {
  const reply = await server.http.post('/v1/register', { body: { email, password: 'correct horse battery' } });
  if (reply.status !== 201) throw new Error(`registration failed: ${reply.status} ${reply.text}`);
  return reply.body.data.attributes.apiKey as string;
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
