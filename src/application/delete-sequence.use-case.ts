import { DefaultSequence, SequenceNotFound } from '../domain/errors';
import { SequenceName } from '../domain/sequence';
import { SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';

export class DeleteSequence {
  constructor(private readonly sequences: SequenceRepository) {}

  async execute(userId: UserId, sequence: unknown): Promise<void> {
    const name = SequenceName.parse(sequence);
    if (name === SequenceName.DEFAULT) throw new DefaultSequence();
    if (!(await this.sequences.delete(userId, name))) throw new SequenceNotFound(name);
  }
}
