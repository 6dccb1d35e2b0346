import type { Coding, Flag } from '@medplum/fhirtypes';
import { toDate } from '../clock';
import { FLAG_CATEGORY, coded, snomed, textOnly } from '../code-systems';
import { displayReference, resourceMeta, type RecordContext } from '../record-context';

const FLAG_CATEGORIES = {
  clinical: 'Clinical',
  safety: 'Safety',
  behavioral: 'Behavioral',
  admin: 'Administrative',
  contact: 'Subject Contact',
} as const;

export interface FlagSpec {
  readonly category: keyof typeof FLAG_CATEGORIES;
  /** The alert as the source words it. */
  readonly text: string;
  /** A SNOMED CT concept where the source codes the alert; many local alerts are text only. */
  readonly snomed?: { readonly code: string; readonly display: string };
  readonly status: 'active' | 'inactive';
  readonly startMs: number;
  readonly author?: string;
  readonly security?: readonly Coding[];
}

export function buildFlag(context: RecordContext, spec: FlagSpec): Flag {
  const code = spec.snomed
    ? { ...snomed(spec.snomed.code, spec.snomed.display), text: spec.text }
    : textOnly(spec.text);
  const flag: Flag = {
    resourceType: 'Flag',
    id: context.nextId('Flag'),
    meta: resourceMeta(context, spec.startMs, spec.security),
    status: spec.status,
    category: [coded(FLAG_CATEGORY, spec.category, FLAG_CATEGORIES[spec.category])],
    code,
    subject: context.patient,
    period: { start: toDate(spec.startMs) },
  };
  if (spec.author) flag.author = displayReference(spec.author);
  return flag;
}
