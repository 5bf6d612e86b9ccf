/**
 * `node dist/src/infrastructure/wait-for-storage.js [--timeout=SECONDS]`
 *
 * Waits until the configured store answers a ping with the service's own configuration and
 * credentials, then exits 0; exits 1 if it has not answered within the timeout (default 300 s),
 * 2 on bad configuration. Kubernetes runs it as the API pods' init container, so an API pod
 * starts once MongoDB has a primary and the application user exists, instead of crash-looping
 * until then. SQLite and memory storage have nothing to wait for.
 */
import { MongoClient } from 'mongodb';
import { redactSecrets } from '../adapters/logging/redact-secrets';
import { configOrExit } from './config';
import { createLogger } from './logger';

const RETRY_MS = 2000;

async function waitForStorage(): Promise<void> {
  const config = configOrExit(process.env);
  const timeoutArg = process.argv.slice(2).find((arg) => arg.startsWith('--timeout='));
  const timeoutSeconds = timeoutArg ? Number(timeoutArg.slice('--timeout='.length)) : 300;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
    process.stderr.write('--timeout must be a whole number of seconds, at least 1\n');
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  const exit = (code: number) => logger.flush(() => process.exit(code));
  if (config.storage !== 'mongodb') {
    logger.info({ storage: config.storage }, 'storage ready: nothing to wait for');
    return exit(0);
  }

  const deadline = Date.now() + timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    let client: MongoClient | undefined;
    try {
      // Inside the try: a malformed URL throws here, and its message quotes the URL.
      client = new MongoClient(config.mongodbUrl!, { appName: 'increment-wait', serverSelectionTimeoutMS: RETRY_MS });
      // A primary must be reachable and the credentials accepted, as for the service's first request.
      await client.db(config.mongodbDb).command({ ping: 1 });
      logger.info({ storage: 'mongodb', attempt }, 'storage ready');
      return exit(0);
    } catch (error) {
      if ((error as Error).name === 'MongoParseError') {
        // No amount of waiting fixes a malformed URL. Its message quotes the URL: redacted.
        logger.fatal({ storage: 'mongodb' }, `MONGODB_URL is malformed: ${redactSecrets((error as Error).message)}`);
        return exit(2);
      }
      // The URL may carry a password: log the cause, never the URL.
      logger.warn({ storage: 'mongodb', attempt, cause: redactSecrets((error as Error).message) }, 'storage not ready yet');
    } finally {
      await client?.close().catch(() => undefined);
    }
    if (Date.now() + RETRY_MS > deadline) {
      logger.fatal({ storage: 'mongodb', timeoutSeconds }, 'storage did not become ready in time');
      return exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

void waitForStorage();
