import { InMemoryApiKeyRepository } from '../../src/adapters/persistence/in-memory/in-memory-api-key-repository';
import { InMemoryCounterRepository } from '../../src/adapters/persistence/in-memory/in-memory-counter-repository';
import { InMemoryRateLimiter } from '../../src/adapters/persistence/in-memory/in-memory-rate-limiter';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { apiKeyRepositoryContract } from '../contracts/api-key-repository.contract';
import { counterRepositoryContract } from '../contracts/counter-repository.contract';
import { rateLimiterContract } from '../contracts/rate-limiter.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';

userRepositoryContract('in-memory', async () => new InMemoryUserRepository());
apiKeyRepositoryContract('in-memory', async () => new InMemoryApiKeyRepository());
counterRepositoryContract('in-memory', async () => new InMemoryCounterRepository());
rateLimiterContract('in-memory', async (limit) => new InMemoryRateLimiter(limit));
