import { createHash } from 'node:crypto';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Short enough that the longest suffix (`-obs-NNN-news2`) keeps the id within FHIR's 64 characters. */
const SAFE_KEY = /^[A-Za-z0-9\-.]{1,44}$/;

export function isFhirId(value: string): boolean {
  return FHIR_ID.test(value);
}

/**
 * The stem of every id made from one incident: the incident id itself when it is a valid FHIR id
 * fragment, else a stable hash of it, so ids are deterministic across calls whatever the source writes.
 */
export function incidentKey(incidentId: string): string {
  if (SAFE_KEY.test(incidentId)) return incidentId;
  return `h-${createHash('sha256').update(incidentId, 'utf8').digest('hex').slice(0, 40)}`;
}

/** The ids of the resources one incident becomes. */
export const incidentIds = {
  encounter: (key: string): string => `${key}-enc`,
  condition: (key: string): string => `${key}-cond`,
  document: (key: string): string => `${key}-doc`,
  observation: (key: string, set: number, sign: string): string => `${key}-obs-${set}-${sign}`,
  medication: (key: string, index: number): string => `${key}-med-${index}`,
};
