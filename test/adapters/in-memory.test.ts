import { InMemorySequenceRepository } from '../../src/adapters/persistence/in-memory/in-memory-sequence-repository';
import { InMemoryUserRepository } from '../../src/adapters/persistence/in-memory/in-memory-user-repository';
import { sequenceRepositoryContract } from '../contracts/sequence-repository.contract';
import { userRepositoryContract } from '../contracts/user-repository.contract';

userRepositoryContract('in-memory', async () => new InMemoryUserRepository());
sequenceRepositoryContract('in-memory', async () => new InMemorySequenceRepository());
