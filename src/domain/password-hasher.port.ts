export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * True when `password` is the one `hash` was made from. With `hash` null (no such user) it
   * compares against a fixed dummy hash of the same cost and answers false, so the answer
   * takes as long either way and timing does not tell which emails exist.
   */
  verify(password: string, hash: string | null): Promise<boolean>;
}
