import type { Procedure } from '@medplum/fhirtypes';
import { toDate } from '../clock';
import { snomed } from '../code-systems';
import { displayReference, localReference, resourceMeta, type RecordContext } from '../record-context';

export interface ProcedureSpec {
  readonly code: { readonly code: string; readonly display: string };
  readonly bodySite?: { readonly code: string; readonly display: string };
  readonly performedMs: number;
  readonly surgeon: string;
  readonly location?: string;
  readonly outcome?: string;
  readonly note?: string;
  readonly encounterId?: string;
}

/** An operation or procedure done, as a trust's theatre system records it. */
export function buildProcedure(context: RecordContext, spec: ProcedureSpec): Procedure {
  const procedure: Procedure = {
    resourceType: 'Procedure',
    id: context.nextId('Procedure'),
    meta: resourceMeta(context, spec.performedMs),
    status: 'completed',
    category: snomed('387713003', 'Surgical procedure'),
    code: snomed(spec.code.code, spec.code.display),
    subject: context.patient,
    performedDateTime: toDate(spec.performedMs),
    performer: [{ actor: displayReference(spec.surgeon) }],
  };
  if (spec.bodySite) procedure.bodySite = [snomed(spec.bodySite.code, spec.bodySite.display)];
  if (spec.location) procedure.location = displayReference(spec.location);
  if (spec.outcome) procedure.outcome = { text: spec.outcome };
  if (spec.note) procedure.note = [{ text: spec.note }];
  if (spec.encounterId) procedure.encounter = localReference('Encounter', spec.encounterId);
  return procedure;
}
