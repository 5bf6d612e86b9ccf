import { SequenceNotFound } from '../domain/errors';
import { Sequence, SequenceName } from '../domain/sequence';
import { SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';

/** Reads one of the caller's sequences (`default` when no name is given); changes nothing. */
export class CurrentInteger {
  constructor(private readonly sequences: SequenceRepository) {}

  async execute(userId: UserId, sequence?: unknown): Promise<Sequence> {
    const name = sequence === undefined ? SequenceName.DEFAULT : SequenceName.parse(sequence);
    const found = await this.sequences.get(userId, name);
    if (!found) throw new SequenceNotFound(name);
    return found;
  }
}
