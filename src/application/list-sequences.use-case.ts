import { Sequence, SequenceName, SequencePage } from '../domain/sequence';
import { SequenceRepository } from '../domain/sequence-repository.port';
import { UserId } from '../domain/user';

export interface SequenceListing {
  readonly sequences: readonly Sequence[];
  /** The `after` of the following page, while more remain. */
  readonly nextAfter?: string;
}

/** The caller's sequences in name order, a page at a time, each page starting after a name. */
export class ListSequences {
  constructor(private readonly sequences: SequenceRepository) {}

  async execute(userId: UserId, page: { readonly after?: unknown; readonly size?: number } = {}): Promise<SequenceListing> {
    const after = page.after === undefined ? undefined : SequenceName.parse(page.after, 'page[after]');
    const size = SequencePage.parseSize(page.size);
    // One more than asked tells whether another page follows without a count.
    const found = await this.sequences.list(userId, { after, size: size + 1 });
    const sequences = found.slice(0, size);
    return found.length > size ? { sequences, nextAfter: sequences[sequences.length - 1].name } : { sequences };
  }
}
