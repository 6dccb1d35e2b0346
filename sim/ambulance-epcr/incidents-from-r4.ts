import type {
  Condition,
  DocumentReference,
  Encounter,
  MedicationAdministration,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import type { Conveyance, DrugAdministration, Incident } from './epcr-wire';
import type { NodeRecord } from '../population/types';
import { formularyDrug } from './drug-formulary';
import { handoverNoteParts, instantAtClock } from './handover-note-parts';
import { observationSetsFromR4 } from './observation-sets-from-r4';

const MINUTE_MS = 60_000;
const SNOMED = 'http://snomed.info/sct';

/** Riverside University Hospitals' main site: where the population's crews convey. */
const KNOWN_DESTINATIONS: readonly { readonly prefix: string; readonly odsCode: string }[] = [
  { prefix: 'Riverside Hospital', odsCode: 'R1X01' },
];

/** The call taker's ARP category for each presentation (SNOMED CT impression), as triage would give it. */
const CATEGORY_BY_IMPRESSION: Readonly<Record<string, number>> = {
  '29857009': 2, // chest pain
  '267036007': 2, // breathlessness
  '385093006': 2, // pneumonia
  '195951007': 2, // COPD exacerbation
  '271594007': 2, // syncope
  '91175000': 2, // seizure
  '302866003': 2, // hypoglycaemia
  '68566005': 3, // urinary tract infection
  '161898004': 3, // fall
  '5913000': 3, // hip fracture
  '82271004': 3, // head injury
  '21522001': 3, // abdominal pain
  '386661006': 3, // fever
  '128045006': 4, // cellulitis
};

const ROLES: Readonly<Record<string, string>> = { EMT: 'Emergency Medical Technician' };

function toInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function refersTo(reference: string | undefined, encounterRef: string): boolean {
  return reference === encounterRef;
}

function noteText(document: DocumentReference | undefined): string | undefined {
  const data = document?.content?.[0]?.attachment?.data;
  return data ? Buffer.from(data, 'base64').toString('utf8') : undefined;
}

function conveyanceOf(encounter: Encounter): Conveyance {
  const disposition = encounter.hospitalization?.dischargeDisposition?.text ?? '';
  const conveyedTo = /^Conveyed to (.+)$/.exec(disposition)?.[1];
  if (!conveyedTo) return { conveyed: false, reasonNotConveyed: disposition || 'Treated at scene' };
  const known = KNOWN_DESTINATIONS.find((d) => conveyedTo.startsWith(d.prefix));
  return { conveyed: true, destination: { name: conveyedTo, ...(known ? { odsCode: known.odsCode } : {}) } };
}

/** "EMT Rosa Diaz and Paramedic Aisha Rahman" → the roles only: partners are told roles, not names. */
function crewRoles(encounter: Encounter): { role: string }[] {
  const display = encounter.participant?.[0]?.individual?.display ?? '';
  return display
    .split(' and ')
    .map((member) => member.trim().split(' ')[0] ?? '')
    .filter((role) => role.length > 0)
    .map((role) => ({ role: ROLES[role] ?? role }));
}

function medicationsGiven(
  meds: readonly MedicationAdministration[],
  treatment: readonly string[],
  at: { atPatientAt: string; endAt?: string; givenBy: string },
): DrugAdministration[] {
  if (meds.length > 0) {
    // What the population records, when it records it.
    return meds.map((med) => ({
      drugName:
        med.medicationCodeableConcept?.text ??
        med.medicationCodeableConcept?.coding?.[0]?.display ??
        'Unknown',
      ...(med.medicationCodeableConcept?.coding?.[0]?.code
        ? { dmdCode: med.medicationCodeableConcept.coding[0].code }
        : {}),
      dose: { value: med.dosage?.dose?.value ?? 0, unit: med.dosage?.dose?.unit ?? '' },
      route: med.dosage?.route?.text ?? 'Not recorded',
      administeredAt: med.effectiveDateTime ?? at.atPatientAt,
      administeredBy: med.performer?.[0]?.actor.display ?? at.givenBy,
    }));
  }
  // Otherwise the drugs named in the handover's "Treatment given", timed a few minutes apart on scene.
  const startMs = Date.parse(at.atPatientAt) + 10 * MINUTE_MS;
  const endMs = at.endAt ? Date.parse(at.endAt) : Number.POSITIVE_INFINITY;
  return treatment
    .flatMap((line) => formularyDrug(line) ?? [])
    .map((drug, index) => ({
      ...drug,
      administeredAt: toInstant(Math.min(startMs + index * 5 * MINUTE_MS, endMs)),
      administeredBy: at.givenBy,
    }));
}

function latest(resources: readonly Resource[]): string {
  const times = resources.map((r) => r.meta?.lastUpdated).filter((t): t is string => Boolean(t));
  return times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a), times[0] ?? '1970-01-01T00:00:00Z');
}

function incidentId(encounter: Encounter, callAt: string): string {
  const sequence = (encounter.id ?? '').replace(/\D/g, '').padStart(6, '0');
  return `CAS-${callAt.slice(0, 10).replace(/-/g, '')}-${sequence}`;
}

function incidentFromEncounter(record: NodeRecord, encounter: Encounter): Incident {
  const ref = `Encounter/${encounter.id ?? ''}`;
  const of = <T extends Resource>(type: T['resourceType'], linked: (r: T) => boolean): T[] =>
    record.resources.filter((r): r is T => r.resourceType === type && linked(r as T));
  const observations = of<Observation>('Observation', (o) => refersTo(o.encounter?.reference, ref));
  const conditions = of<Condition>('Condition', (c) => refersTo(c.encounter?.reference, ref));
  const documents = of<DocumentReference>('DocumentReference', (d) =>
    (d.context?.encounter ?? []).some((e) => refersTo(e.reference, ref)),
  );
  const meds = of<MedicationAdministration>('MedicationAdministration', (m) =>
    refersTo(m.context?.reference, ref),
  );
  const note = noteText(documents[0]);
  const parts = note ? handoverNoteParts(note) : { treatment: [] };
  const callReceivedAt = encounter.period?.start ?? latest([encounter]);
  const sets = observationSetsFromR4(observations);
  const atPatientAt = parts.atPatientTime
    ? instantAtClock(callReceivedAt, parts.atPatientTime)
    : (sets[0]?.takenAt ?? callReceivedAt);
  const conveyance = conveyanceOf(encounter);
  const endAt = encounter.period?.end;
  const crew = crewRoles(encounter);
  const impression = conditions[0];
  const snomedCode = impression?.code?.coding?.find((c) => c.system === SNOMED)?.code;
  const postcode = record.patient.address?.[0]?.postalCode;
  return {
    incidentId: incidentId(encounter, callReceivedAt),
    patientId: record.localId,
    callReceivedAt,
    atPatientAt,
    ...(endAt ? (conveyance.conveyed ? { handoverAt: endAt } : { leftSceneAt: endAt }) : {}),
    category: (snomedCode && CATEGORY_BY_IMPRESSION[snomedCode]) || 3,
    location: {
      description: "Patient's home",
      ...(postcode ? { postcodeDistrict: postcode.split(' ')[0] } : {}),
    },
    presentingComplaint: encounter.reasonCode?.[0]?.text ?? '',
    clinicalImpression: {
      text: impression?.code?.text ?? impression?.code?.coding?.[0]?.display ?? 'No impression recorded',
      ...(snomedCode ? { snomedCode } : {}),
    },
    observations: sets,
    drugsAdministered: medicationsGiven(meds, parts.treatment, {
      atPatientAt,
      ...(endAt ? { endAt } : {}),
      givenBy:
        crew.find((member) => member.role === 'Paramedic')?.role ?? crew[0]?.role ?? 'Ambulance clinician',
    }),
    conveyance,
    ...(note ? { handoverNote: note } : {}),
    crew,
    lastUpdated: latest([encounter, ...observations, ...conditions, ...documents, ...meds]),
  };
}

/**
 * A population record's ambulance resources as ePCR incidents, one per Encounter, newest call first.
 * Resources tied to no encounter (e.g. benchmark padding series) have no incident to live in and are not
 * served.
 */
export function incidentsFromR4(record: NodeRecord): Incident[] {
  return record.resources
    .filter((r): r is Encounter => r.resourceType === 'Encounter')
    .map((encounter) => incidentFromEncounter(record, encounter))
    .sort((a, b) => Date.parse(b.callReceivedAt) - Date.parse(a.callReceivedAt));
}
