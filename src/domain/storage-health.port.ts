export interface StorageHealth {
  /** A name for operators, such as "mongodb". */
  readonly adapter: string;
  /** Resolves when the store answers a trivial round trip; rejects otherwise. */
  ping(): Promise<void>;
}
