/** A request refused by policy: the text tells the person why and what they can do. */
export class AccessDenied extends Error {
  constructor(
    /** A code for logs and tests: no-role, unknown-role, purpose, type-not-permitted. */
    readonly reason: string,
    /** For the person who asked; never contains patient identifiers. */
    readonly text: string,
  ) {
    super('Access denied');
    this.name = 'AccessDenied';
  }
}
