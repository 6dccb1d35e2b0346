import { createHash } from 'node:crypto';
import type {
  AllergyIntolerance,
  Attachment,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Immunization,
  Medication,
  MedicationRequest,
  MedicationStatement,
  Observation,
  ObservationComponent,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';
import { dayOf, instantOf } from './clinical-time';
import { conceptKey, statusCode } from './code-key';
import { dosageKey, quantityKey } from './dosage-key';

/** Looks up a Medication an entry refers to (`Medication/{id}` in the view). */
export type MedicationResolver = (reference: string) => Medication | undefined;

const WITHDRAWN = new Set(['entered-in-error', 'refuted']);
const CONDITION_STATUS_CLASS: Readonly<Record<string, string>> = {
  active: 'active',
  recurrence: 'active',
  relapse: 'active',
  inactive: 'inactive',
  remission: 'inactive',
  resolved: 'inactive',
};

/** `active`, `inactive` or `` (not stated): two records that disagree on it are both shown, not grouped. */
function clinicalClass(concept: CodeableConcept | undefined, system: string): string {
  const code = statusCode(concept, system);
  return code === undefined ? '' : (CONDITION_STATUS_CLASS[code] ?? code);
}

function withdrawn(concept: CodeableConcept | undefined, system: string): boolean {
  return WITHDRAWN.has(statusCode(concept, system) ?? '');
}

function join(...parts: (string | null)[]): string | null {
  return parts.some((part) => part === null) ? null : parts.join('#');
}

function conditionKey(c: Condition): string | null {
  if (withdrawn(c.verificationStatus, 'condition-ver-status')) return null;
  const onset = dayOf(c.onsetDateTime ?? c.onsetPeriod?.start);
  return join(
    conceptKey(c.code, ['sct', 'icd10']),
    onset,
    clinicalClass(c.clinicalStatus, 'condition-clinical'),
  );
}

function allergyKey(a: AllergyIntolerance): string | null {
  if (withdrawn(a.verificationStatus, 'allergyintolerance-verification')) return null;
  return join(conceptKey(a.code, ['sct']), clinicalClass(a.clinicalStatus, 'allergyintolerance-clinical'));
}

/** The medication's code: the concept on the resource, or the Medication it refers to (in the view or contained). */
export function medicationConcept(
  resource: MedicationStatement | MedicationRequest,
  resolve: MedicationResolver,
): CodeableConcept | undefined {
  if (resource.medicationCodeableConcept) return resource.medicationCodeableConcept;
  const reference = resource.medicationReference?.reference;
  if (!reference) return undefined;
  if (reference.startsWith('#')) {
    const contained = resource.contained?.find(
      (r) => r.id === reference.slice(1) && r.resourceType === 'Medication',
    );
    return (contained as Medication | undefined)?.code;
  }
  return resolve(reference)?.code;
}

function medicationStatementKey(m: MedicationStatement, resolve: MedicationResolver): string | null {
  if (m.status === 'entered-in-error') return null;
  return join(
    conceptKey(medicationConcept(m, resolve), ['sct']),
    dosageKey(m.dosage),
    dayOf(m.effectivePeriod?.start ?? m.effectiveDateTime),
    m.status,
  );
}

function medicationRequestKey(m: MedicationRequest, resolve: MedicationResolver): string | null {
  if (m.status === 'entered-in-error') return null;
  return join(
    conceptKey(medicationConcept(m, resolve), ['sct']),
    dosageKey(m.dosageInstruction),
    dayOf(m.dispenseRequest?.validityPeriod?.start ?? m.authoredOn),
    m.status,
    m.intent,
  );
}

type Valued = Pick<
  Observation,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueBoolean'
  | 'valueInteger'
  | 'valueDateTime'
  | 'dataAbsentReason'
>;

function valueKey(o: Valued): string | null {
  if (o.dataAbsentReason) return null;
  const quantity = quantityKey(o.valueQuantity);
  if (quantity !== null) return `q:${quantity}`;
  if (o.valueCodeableConcept) {
    const key = conceptKey(o.valueCodeableConcept, ['sct', 'loinc'], { anySystem: true });
    return key === null ? null : `c:${key}`;
  }
  if (o.valueString !== undefined) return `s:${o.valueString.trim()}`;
  if (o.valueBoolean !== undefined) return `b:${o.valueBoolean}`;
  if (o.valueInteger !== undefined) return `i:${o.valueInteger}`;
  if (o.valueDateTime !== undefined) return `d:${instantOf(o.valueDateTime) ?? ''}`;
  return null;
}

function componentKey(c: ObservationComponent): string | null {
  return join(conceptKey(c.code, ['loinc', 'sct'], { anySystem: true }), valueKey(c));
}

function observationKey(o: Observation): string | null {
  if (o.status === 'entered-in-error' || o.status === 'cancelled') return null;
  const value = o.component?.length ? join(valueKey(o) ?? '', ...o.component.map(componentKey)) : valueKey(o);
  return join(
    conceptKey(o.code, ['loinc', 'sct'], { anySystem: true }),
    instantOf(o.effectiveDateTime ?? o.effectiveInstant ?? o.effectivePeriod?.start),
    value,
  );
}

function immunizationKey(i: Immunization): string | null {
  if (i.status === 'entered-in-error') return null;
  return join(conceptKey(i.vaccineCode, ['sct'], { anySystem: true }), dayOf(i.occurrenceDateTime), i.status);
}

/** SHA-1 of the content, as FHIR's Attachment.hash defines it: from the data when sent, else the source's hash. */
function attachmentKey(a: Attachment | undefined): string | null {
  if (a?.data) return `sha1:${createHash('sha1').update(Buffer.from(a.data, 'base64')).digest('base64')}`;
  if (a?.hash) return `sha1:${a.hash}`;
  if (a?.url && /^https?:\/\//.test(a.url)) return `url:${a.url}`;
  return null;
}

function documentKey(d: DocumentReference): string | null {
  if (d.status === 'entered-in-error') return null;
  const master = d.masterIdentifier;
  if (master?.system && master.value) return `mi:${master.system}|${master.value}`;
  if (!d.content?.length) return null;
  return join(...d.content.map((c) => attachmentKey(c.attachment)));
}

/**
 * A laboratory's report reaches the GP and the requesting hospital alike: the same report when the
 * filler's identifier (accession number) is the same, else the same test code, sample time and
 * issue time. Results are grouped on their own, one by one.
 */
function diagnosticReportKey(d: DiagnosticReport): string | null {
  if (d.status === 'entered-in-error' || d.status === 'cancelled') return null;
  const filler = d.identifier?.find((i) => i.system && i.value);
  if (filler) return `id:${filler.system}|${filler.value}`;
  return join(
    conceptKey(d.code, ['loinc', 'sct'], { anySystem: true }),
    instantOf(d.effectiveDateTime ?? d.effectivePeriod?.start),
    instantOf(d.issued),
  );
}

/** The same procedure on the same day with the same status, coded in SNOMED CT. */
function procedureKey(p: Procedure): string | null {
  if (p.status === 'entered-in-error' || p.status === 'not-done') return null;
  return join(conceptKey(p.code, ['sct']), dayOf(p.performedDateTime ?? p.performedPeriod?.start), p.status);
}

/**
 * The key under which records of the same clinical fact from different sources are grouped, or null
 * when the resource type has no safe key, or this resource lacks part of it (or was entered in
 * error). The resource type is part of the key: a MedicationStatement never groups with a request.
 */
export function groupingKey(resource: Resource, resolve: MedicationResolver): string | null {
  const key = keyOf(resource, resolve);
  return key === null ? null : `${resource.resourceType}#${key}`;
}

function keyOf(resource: Resource, resolve: MedicationResolver): string | null {
  switch (resource.resourceType) {
    case 'Condition':
      return conditionKey(resource);
    case 'AllergyIntolerance':
      return allergyKey(resource);
    case 'MedicationStatement':
      return medicationStatementKey(resource, resolve);
    case 'MedicationRequest':
      return medicationRequestKey(resource, resolve);
    case 'Observation':
      return observationKey(resource);
    case 'Immunization':
      return immunizationKey(resource);
    case 'DocumentReference':
      return documentKey(resource);
    case 'DiagnosticReport':
      return diagnosticReportKey(resource);
    case 'Procedure':
      return procedureKey(resource);
    // Not grouped: a RelatedPerson (each source's contact details for someone are its own, and a name
    // is no identity) and an EpisodeOfCare (each service's episode is its own, even for one condition).
    default:
      return null;
  }
}
