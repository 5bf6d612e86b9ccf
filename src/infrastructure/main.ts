import { Logger } from 'pino';
import { Config, configOrExit } from './config';
import { createApplication } from './container';
import { createLogger } from './logger';
import { listen } from './server';
import { describeStartupFailure } from './startup-failure';

async function main(): Promise<void> {
  const config = configOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const exit = (code: number) => logger.flush(() => process.exit(code));
  const application = await createApplication(config, logger).catch((error: unknown) => {
    failToStart(logger, config, error);
    return undefined;
  });
  if (!application) return;
  const running = await listen(application.app, config.port, config.host, { maxConnections: config.maxConnections }).catch((error: unknown) => {
    void application.close().finally(() => failToStart(logger, config, error));
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

/**
 * The JSON line for machines; and, for a person who started the service in a terminal, the same
 * sentence alone on standard error, where it is not lost among the JSON.
 */
function failToStart(logger: Logger, config: Config, error: unknown): void {
  const { sentence, cause, foreseen } = describeStartupFailure(error, config);
  if (foreseen) logger.fatal({ storage: config.storage, cause }, `could not start: ${sentence}`);
  else logger.fatal({ storage: config.storage, err: error }, sentence);
  logger.flush(() => {
    if (process.stderr.isTTY) process.stderr.write(`${sentence}\n`);
    process.exit(1);
  });
}

void main();
