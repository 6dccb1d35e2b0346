/** A credential that could not be trusted; `reason` says which check failed (never the credential itself). */
export class TrustError extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('Trust check failed', options);
    this.name = 'TrustError';
  }
}
