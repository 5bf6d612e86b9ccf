import { ApiKey } from '../../domain/api-key';

/**
 * Text about to be logged may quote a secret it did not mean to: a mistyped path with an API
 * key in it ("/v1/next&token=inc_…"), or a driver error quoting a connection URL with its
 * password. These patterns take them out, wherever in the text they are.
 */
const SECRETS: ReadonlyArray<[RegExp, string]> = [
  [new RegExp(`${ApiKey.PREFIX}[A-Za-z0-9_-]{8,}`, 'g'), `${ApiKey.PREFIX}[redacted]`],
  [/\b(token=)[^&/;#\s]*/gi, '$1[redacted]'],
  // scheme://user:password@host: the credentials, up to the last @ before the host.
  [/(\/\/)[^/\s]*@/g, '$1[redacted]@'],
];

export function redactSecrets(text: string): string {
  return SECRETS.reduce((redacted, [pattern, replacement]) => redacted.replace(pattern, replacement), text);
}

/** The same, in every string of a serialised object (an error with its cause and properties). */
export function redactSecretsDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactSecretsDeep) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactSecretsDeep(inner)])) as T;
  }
  return value;
}
