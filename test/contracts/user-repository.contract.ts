import { expect } from 'chai';
import { EmailAlreadyRegistered } from '../../src/domain/errors';
import { UserRepository } from '../../src/domain/user-repository.port';
import { aUser } from '../support/builders';

/**
 * What every UserRepository must do, written once and run against each adapter.
 * `create` gives a fresh, empty repository for each test.
 */
export function userRepositoryContract(name: string, create: () => Promise<UserRepository>): void {
  describe(`UserRepository contract: ${name}`, () => {
    let users: UserRepository;

    beforeEach(async () => {
      users = await create();
    });

    it('finds a stored user by email, with every field intact', async () => {
      const user = aUser();
      await users.add(user);
      expect(await users.findByEmail(user.email)).to.deep.equal(user);
    });

    it('returns null for an email nobody has', async () => {
      await users.add(aUser());
      expect(await users.findByEmail('nobody@example.com')).to.equal(null);
    });

    it('refuses a second user with the same email', async () => {
      const first = aUser({ email: 'same@example.com' });
      await users.add(first);
      const error = await users.add(aUser({ email: 'same@example.com' })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EmailAlreadyRegistered);
      expect(await users.findByEmail('same@example.com')).to.deep.equal(first);
    });

    it('lets exactly one of many concurrent registrations of one email win', async () => {
      const attempts = Array.from({ length: 20 }, () => aUser({ email: 'race@example.com' }));
      const results = await Promise.allSettled(attempts.map((user) => users.add(user)));
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost).to.have.length(19);
      for (const result of lost) expect(result.reason).to.be.instanceOf(EmailAlreadyRegistered);
    });

    it('deletes a user, after which the email is free to register again', async () => {
      const gone = aUser({ email: 'gone@example.com' });
      const stays = aUser();
      await users.add(gone);
      await users.add(stays);
      await users.delete(gone.id);
      expect(await users.findByEmail('gone@example.com')).to.equal(null);
      expect(await users.findByEmail(stays.email)).to.deep.equal(stays);
      const again = aUser({ email: 'gone@example.com' });
      await users.add(again);
      expect(await users.findByEmail('gone@example.com')).to.deep.equal(again);
      await users.delete('nobody'); // deleting nobody is not an error
    });

    it('keeps its own copy: changing an object after add or after find changes nothing stored', async () => {
      const user = aUser();
      const original = structuredClone(user);
      await users.add(user);
      (user as { passwordHash: string }).passwordHash = 'changed';
      const found = await users.findByEmail(original.email);
      expect(found).to.deep.equal(original);
      (found as { passwordHash: string }).passwordHash = 'changed again';
      found!.createdAt.setFullYear(1999);
      expect(await users.findByEmail(original.email)).to.deep.equal(original);
    });
  });
}
