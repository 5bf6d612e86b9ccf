/**
 * MongoDB could not be used at start-up; the message says so in a sentence that names MONGODB_URL.
 * Kept apart from the driver's error classes (mongo-errors.ts): the start-up's failure report
 * knows this class whatever the store, and must not load the driver to do so.
 */
export class MongoStartupError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'MongoStartupError';
  }
}
