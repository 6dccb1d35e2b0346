/** Ways a simulated node can misbehave, for tests and benchmarks of the broker's resilience. */
export type SimFault =
  /** Accepts the request and never answers. */
  | { readonly kind: 'hang' }
  /** Answers with this HTTP status and an OperationOutcome. */
  | { readonly kind: 'status'; readonly status: number }
  /** Answers 200 with a body that is not JSON. */
  | { readonly kind: 'malformed-json' }
  /** Answers 200 with an HTML page. */
  | { readonly kind: 'wrong-content-type' }
  /** Answers a search with a Patient instead of a Bundle. */
  | { readonly kind: 'wrong-resource-type' }
  /** Answers 302 to another address. */
  | { readonly kind: 'redirect'; readonly location: string }
  /** Destroys the connection without answering. */
  | { readonly kind: 'reset' }
  /** Sends the body a few bytes at a time, `intervalMs` apart. */
  | { readonly kind: 'slow-body'; readonly intervalMs: number }
  /** Pads the body past this many bytes. */
  | { readonly kind: 'oversized'; readonly bytes: number }
  /** Returns another patient's resources in the searched patient's searches. */
  | { readonly kind: 'other-patient' };

export interface SimFaultRule {
  readonly fault: SimFault;
  /** Which requests it applies to: patient lookups, clinical searches, or both. Default: all. */
  readonly on?: 'all' | 'patient' | 'search';
}
