/** Inversify identifiers, all in one place. */
export const TOKENS = {
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  UserRepository: Symbol.for('UserRepository'),
  CounterRepository: Symbol.for('CounterRepository'),
  StorageHealth: Symbol.for('StorageHealth'),
  PasswordHasher: Symbol.for('PasswordHasher'),
  ApiKeyIssuer: Symbol.for('ApiKeyIssuer'),
  UserIdGenerator: Symbol.for('UserIdGenerator'),
  Clock: Symbol.for('Clock'),
  RegisterUser: Symbol.for('RegisterUser'),
  Authenticate: Symbol.for('Authenticate'),
  NextInteger: Symbol.for('NextInteger'),
  CurrentInteger: Symbol.for('CurrentInteger'),
  ResetInteger: Symbol.for('ResetInteger'),
  CheckHealth: Symbol.for('CheckHealth'),
  HttpApp: Symbol.for('HttpApp'),
} as const;
