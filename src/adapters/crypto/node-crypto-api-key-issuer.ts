import { hash, randomBytes, randomUUID } from 'node:crypto';
import { ApiKey, IssuedApiKey } from '../../domain/api-key';
import { ApiKeyIssuer } from '../../domain/api-key-issuer.port';

const KEY_BYTES = 32;

/**
 * Keys carry 256 random bits, so a fast digest is safe to store and to look up by:
 * unlike a password, a key cannot be guessed from a dictionary.
 */
export class NodeCryptoApiKeyIssuer implements ApiKeyIssuer {
  issue(): IssuedApiKey {
    const key = ApiKey.PREFIX + randomBytes(KEY_BYTES).toString('base64url');
    return { id: randomUUID(), key, digest: this.digestOf(key) };
  }

  digestOf(key: string): string {
    // One-shot hash: no Hash object per call, which matters on the /v1/next path.
    return hash('sha256', key, 'hex');
  }
}
