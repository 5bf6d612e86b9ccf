import { InMemoryCounterRepository } from '../../src/adapters/persistence/in-memory/in-memory-counter-repository';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { counterRepositoryContract } from '../contracts/counter-repository.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';

userRepositoryContract('in-memory', async () => new InMemoryUserRepository());
counterRepositoryContract('in-memory', async () => new InMemoryCounterRepository());
