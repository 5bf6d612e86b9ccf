import { randomUUID } from 'node:crypto';
import { UserIdGenerator } from '../../domain/user-id-generator.port';

export class RandomUuidUserIdGenerator implements UserIdGenerator {
  next(): string {
    return randomUUID();
  }
}
