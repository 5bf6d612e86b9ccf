import 'reflect-metadata';
import { Container, interfaces } from 'inversify';
import Koa from 'koa';
import path from 'node:path';
import { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Authenticate } from '../application/authenticate.use-case';
import { AuthenticateWithPassword } from '../application/authenticate-with-password.use-case';
import { CheckHealth } from '../application/check-health.use-case';
import { CreateApiKey } from '../application/create-api-key.use-case';
import { CurrentInteger } from '../application/current-integer.use-case';
import { DeleteAccount } from '../application/delete-account.use-case';
import { ListApiKeys } from '../application/list-api-keys.use-case';
import { CreateSequence } from '../application/create-sequence.use-case';
import { DeleteSequence } from '../application/delete-sequence.use-case';
import { ListSequences } from '../application/list-sequences.use-case';
import { NextInteger } from '../application/next-integer.use-case';
import { RegisterUser } from '../application/register-user.use-case';
import { ResetInteger } from '../application/reset-integer.use-case';
import { RevokeApiKey } from '../application/revoke-api-key.use-case';
import { BcryptPasswordHasher } from '../adapters/crypto/bcrypt-password-hasher';
import { NodeCryptoApiKeyIssuer } from '../adapters/crypto/node-crypto-api-key-issuer';
import { RandomUuidUserIdGenerator } from '../adapters/crypto/random-uuid-user-id-generator';
import { createHttpApp } from '../adapters/http/app';
import { loadWebPage } from '../adapters/http/web-page';
import { instrumented, storageOperationHistogram } from '../adapters/metrics/instrumented-storage';
import { SystemClock } from '../adapters/system/system-clock';
import { Config } from './config';
import { bindStorage } from './storage';
import { TOKENS } from './tokens';

/**
 * The composition root: the only code that knows which adapter serves which port.
 * Classes stay free of container decorators; each binding says how to build its object.
 */
export interface Application {
  readonly container: Container;
  readonly app: Koa;
  /** Releases the store (closes the MongoDB client). */
  close(): Promise<void>;
}

export interface ApplicationOptions {
  /** Lets tests swap a binding (a failing repository, a fixed clock) before anything is built. */
  readonly customize?: (container: Container) => void;
}

/** Where `npm run build` puts the page: dist/web, next to dist/src of this compiled file. */
const WEB_PAGE_FOLDER = path.resolve(__dirname, '../../web');

export async function createApplication(config: Config, logger: Logger, options: ApplicationOptions = {}): Promise<Application> {
  // Read before storage opens: a build without its page stops here, and leaves no store open.
  const webPage = loadWebPage(WEB_PAGE_FOLDER);
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Logger).toConstantValue(logger);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  container.bind(TOKENS.Metrics).toConstantValue(metrics);
  const closeStorage = await bindStorage(container, config, logger);
  // Every repository, whichever adapter serves it, is timed into the storage latency histogram.
  const storageLatency = storageOperationHistogram(metrics);
  for (const port of [TOKENS.UserRepository, TOKENS.ApiKeyRepository, TOKENS.SequenceRepository]) {
    container.onActivation(port, (_context, adapter: object) => instrumented(adapter, config.storage, storageLatency));
  }

  container.bind(TOKENS.PasswordHasher).toDynamicValue(() => new BcryptPasswordHasher(config.bcryptRounds));
  container.bind(TOKENS.ApiKeyIssuer).toDynamicValue(() => new NodeCryptoApiKeyIssuer());
  container.bind(TOKENS.UserIdGenerator).toDynamicValue(() => new RandomUuidUserIdGenerator());
  container.bind(TOKENS.Clock).toDynamicValue(() => new SystemClock());

  const get = <T>(context: interfaces.Context, token: symbol) => context.container.get<T>(token);
  container.bind(TOKENS.RegisterUser).toDynamicValue((c) =>
    new RegisterUser(get(c, TOKENS.UserRepository), get(c, TOKENS.ApiKeyRepository), get(c, TOKENS.PasswordHasher),
      get(c, TOKENS.ApiKeyIssuer), get(c, TOKENS.UserIdGenerator), get(c, TOKENS.Clock), get(c, TOKENS.RegistrationsPerAddress)));
  container.bind(TOKENS.Authenticate).toDynamicValue((c) =>
    new Authenticate(get(c, TOKENS.ApiKeyRepository), get(c, TOKENS.ApiKeyIssuer), get(c, TOKENS.Clock)));
  container.bind(TOKENS.AuthenticateWithPassword).toDynamicValue((c) =>
    new AuthenticateWithPassword(get(c, TOKENS.UserRepository), get(c, TOKENS.PasswordHasher), {
      perAccount: get(c, TOKENS.FailedPasswordsPerAccount),
      perAddress: get(c, TOKENS.FailedPasswordsPerAddress),
    }));
  container.bind(TOKENS.CreateApiKey).toDynamicValue((c) =>
    new CreateApiKey(get(c, TOKENS.ApiKeyRepository), get(c, TOKENS.ApiKeyIssuer), get(c, TOKENS.Clock)));
  container.bind(TOKENS.ListApiKeys).toDynamicValue((c) => new ListApiKeys(get(c, TOKENS.ApiKeyRepository)));
  container.bind(TOKENS.RevokeApiKey).toDynamicValue((c) => new RevokeApiKey(get(c, TOKENS.ApiKeyRepository)));
  container.bind(TOKENS.DeleteAccount).toDynamicValue((c) =>
    new DeleteAccount(get(c, TOKENS.UserRepository), get(c, TOKENS.ApiKeyRepository), get(c, TOKENS.SequenceRepository)));
  container.bind(TOKENS.NextInteger).toDynamicValue((c) => new NextInteger(get(c, TOKENS.SequenceRepository), get(c, TOKENS.Clock)));
  container.bind(TOKENS.CurrentInteger).toDynamicValue((c) => new CurrentInteger(get(c, TOKENS.SequenceRepository)));
  container.bind(TOKENS.ResetInteger).toDynamicValue((c) => new ResetInteger(get(c, TOKENS.SequenceRepository), get(c, TOKENS.Clock)));
  container.bind(TOKENS.CreateSequence).toDynamicValue((c) =>
    new CreateSequence(get(c, TOKENS.SequenceRepository), get(c, TOKENS.Clock), config.maxSequences));
  container.bind(TOKENS.ListSequences).toDynamicValue((c) => new ListSequences(get(c, TOKENS.SequenceRepository)));
  container.bind(TOKENS.DeleteSequence).toDynamicValue((c) => new DeleteSequence(get(c, TOKENS.SequenceRepository)));
  container.bind(TOKENS.CheckHealth).toDynamicValue((c) => new CheckHealth(get(c, TOKENS.StorageHealth)));
  container.bind(TOKENS.HttpApp).toDynamicValue((c) =>
    createHttpApp({
      registerUser: get(c, TOKENS.RegisterUser),
      authenticate: get(c, TOKENS.Authenticate),
      authenticateWithPassword: get(c, TOKENS.AuthenticateWithPassword),
      createApiKey: get(c, TOKENS.CreateApiKey),
      listApiKeys: get(c, TOKENS.ListApiKeys),
      revokeApiKey: get(c, TOKENS.RevokeApiKey),
      deleteAccount: get(c, TOKENS.DeleteAccount),
      nextInteger: get(c, TOKENS.NextInteger),
      currentInteger: get(c, TOKENS.CurrentInteger),
      resetInteger: get(c, TOKENS.ResetInteger),
      createSequence: get(c, TOKENS.CreateSequence),
      listSequences: get(c, TOKENS.ListSequences),
      deleteSequence: get(c, TOKENS.DeleteSequence),
      checkHealth: get(c, TOKENS.CheckHealth),
      logger: get(c, TOKENS.Logger),
      metrics: get(c, TOKENS.Metrics),
      webPage,
    }));

  options.customize?.(container);
  const app = container.get<Koa>(TOKENS.HttpApp);
  // Behind N proxies, the client is the address the outermost one saw: the N-th entry from the
  // end of X-Forwarded-For. Entries before it are whatever the client chose to send.
  app.proxy = config.trustProxy > 0;
  app.maxIpsCount = config.trustProxy;
  return { container, app, close: closeStorage };
}
