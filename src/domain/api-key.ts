/** The shape every issued API key has; anything else is refused before any lookup. */
export const ApiKey = {
  PREFIX: 'inc_',
  SHAPE: /^inc_[A-Za-z0-9_-]{43}$/,

  isWellFormed(candidate: string): boolean {
    return ApiKey.SHAPE.test(candidate);
  },
};

export interface IssuedApiKey {
  /** Shown to the user once, never stored. */
  readonly key: string;
  readonly digest: string;
}
