import { IssuedApiKey } from './api-key';

export interface ApiKeyIssuer {
  issue(): IssuedApiKey;
  digestOf(key: string): string;
}
