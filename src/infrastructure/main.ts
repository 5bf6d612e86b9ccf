import { redactSecrets } from '../adapters/logging/redact-secrets';
import { configOrExit } from './config';
import { createApplication } from './container';
import { createLogger } from './logger';
import { listen } from './server';

async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const exit = (code: number) => logger.flush(() => process.exit(code));
  const application = await createApplication(config, logger).catch((error: unknown) => {
    // The cause goes into the message itself, so an operator reads what is wrong at a glance.
    logger.fatal({ err: error, storage: config.storage }, `could not start: ${redactSecrets((error as Error).message)}`);
    exit(1);
    return undefined;
  });
  if (!application) return;
  const running = await listen(application.app, config.port, config.host, { maxConnections: config.maxConnections }).catch((error: unknown) => {
    logger.fatal({ err: error }, `could not listen on ${config.host}:${config.port}: ${redactSecrets((error as Error).message)}`);
    void application.close().finally(() => exit(1));
    return undefined;
  });
  if (!running) return;
  logger.info({ port: running.port, host: config.host, storage: config.storage }, 'listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await running.stop();
      await application.close();
      logger.info('stopped');
      exit(0);
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
