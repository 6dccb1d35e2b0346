import type { ResolveReference } from './fhir-text';

/** What a reader may consult besides its resource: the view's other resources, and the time of the record. */
export interface ReaderContext {
  readonly resolve: ResolveReference;
  readonly now: Date;
}
