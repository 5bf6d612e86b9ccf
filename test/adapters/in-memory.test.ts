import { InMemoryApiKeyRepository } from '../../src/adapters/persistence/in-memory/in-memory-api-key-repository';
import { InMemoryRateLimiter } from '../../src/adapters/persistence/in-memory/in-memory-rate-limiter';
import { InMemorySequenceRepository } from '../../src/adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { apiKeyRepositoryContract } from '../contracts/api-key-repository.contract';
import { rateLimiterContract } from '../contracts/rate-limiter.contract';
import { sequenceRepositoryContract } from '../contracts/sequence-repository.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';

userRepositoryContract('in-memory', async () => new InMemoryUserRepository());
apiKeyRepositoryContract('in-memory', async () => new InMemoryApiKeyRepository());
sequenceRepositoryContract('in-memory', async () => new InMemorySequenceRepository());
rateLimiterContract('in-memory', async (limit) => new InMemoryRateLimiter(limit));
