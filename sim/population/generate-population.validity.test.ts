import type { DocumentReference, Resource } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';
import { generatePopulation } from './generate-population';
import { clinicalResources } from './population-queries';
import { SIM_NODE_IDS } from './types';

/**
 * Shape and validity of every resource the nodes serve: references, R4 primitive formats, documents, and a
 * third-party R4 validator (FHIR.js). FHIR.js checks structure, cardinality, unexpected properties and
 * required bindings on resource elements; the regular expressions below add the primitive formats it does not
 * check (ids, instants, dates).
 */
const REFERENCE_MS = Date.parse('2026-11-01T09:00:00Z');
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME =
  /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
/** Elements of the resource types the nodes serve whose FHIR type is date, dateTime or instant. */
// prettier-ignore
const DATE_ELEMENTS = new Set([
  'lastUpdated', 'birthDate', 'onsetDateTime', 'abatementDateTime', 'recordedDate', 'effectiveDateTime',
  'issued', 'dateAsserted', 'start', 'end', 'created', 'date', 'creation', 'onset',
]);

const population = generatePopulation();

function patientReferences(resource: Resource): (string | undefined)[] {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
    case 'RelatedPerson':
    case 'EpisodeOfCare':
      return [resource.patient?.reference];
    case 'Appointment':
      return resource.participant
        .filter((p) => p.actor?.reference?.startsWith('Patient/'))
        .map((p) => p.actor?.reference);
    case 'Condition':
    case 'MedicationStatement':
    case 'Observation':
    case 'DocumentReference':
    case 'CarePlan':
    case 'CareTeam':
    case 'Encounter':
    case 'Flag':
    case 'DiagnosticReport':
    case 'Procedure':
    case 'Specimen':
      return [resource.subject?.reference];
    default:
      return [];
  }
}

/** Every `reference` string and every date-typed element anywhere in a resource. */
function walk(value: unknown, visit: (key: string, value: unknown) => void, key = ''): void {
  if (Array.isArray(value)) value.forEach((item) => walk(item, visit, key));
  else if (value !== null && typeof value === 'object') {
    for (const [childKey, child] of Object.entries(value)) walk(child, visit, childKey);
  } else visit(key, value);
}

describe('generatePopulation resources', () => {
  it('when any resource is read, then it points at its own node patient, every other reference resolves in that record and its ids and dates are R4', () => {
    const problems: string[] = [];

    for (const nodeId of SIM_NODE_IDS) {
      const ids = new Set<string>();
      for (const { localId, patient, resources } of population.nodes[nodeId].records.values()) {
        const local = new Set(resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
        for (const resource of [patient, ...resources]) {
          const where = `${nodeId} ${resource.resourceType}/${resource.id ?? ''}`;
          const references = patientReferences(resource);
          if (resource.resourceType !== 'Patient' && ids.has(where))
            problems.push(`${where}: id used twice in node`);
          ids.add(where);
          if (!FHIR_ID.test(resource.id ?? '')) problems.push(`${where}: invalid id`);
          if (resource.resourceType !== 'Patient' && references.length === 0)
            problems.push(`${where}: no patient`);
          if (references.some((ref) => ref !== `Patient/${localId}`))
            problems.push(`${where}: wrong patient`);
          const lastUpdated = resource.meta?.lastUpdated ?? '';
          if (!INSTANT.test(lastUpdated) || Date.parse(lastUpdated) > REFERENCE_MS) {
            problems.push(`${where}: meta.lastUpdated ${lastUpdated}`);
          }
          walk(resource, (element, value) => {
            if (element === 'reference' && value !== `Patient/${localId}` && !local.has(String(value))) {
              problems.push(`${where}: dangling reference ${String(value)}`);
            }
            if (DATE_ELEMENTS.has(element) && !(typeof value === 'string' && DATE_TIME.test(value))) {
              problems.push(`${where}: ${element} is not an R4 date, dateTime or instant: ${String(value)}`);
            }
          });
        }
      }
    }

    expect(problems).toEqual([]);
  });

  it('when a document is read, then it is a plain-text letter about its patient, base64-encoded', () => {
    for (const nodeId of SIM_NODE_IDS) {
      for (const { resources, patient } of population.nodes[nodeId].records.values()) {
        for (const document of resources.filter(
          (r): r is DocumentReference => r.resourceType === 'DocumentReference',
        )) {
          const attachment = document.content[0]?.attachment;
          const text = Buffer.from(attachment?.data ?? '', 'base64').toString('utf8');

          expect(attachment?.contentType).toBe('text/plain');
          expect(attachment?.title).toBeTruthy();
          expect(text).toContain(`${patient.name?.[0]?.given?.[0] ?? ''} ${patient.name?.[0]?.family ?? ''}`);
        }
      }
    }
  });

  it('when a small population and every fixed record are checked by FHIR.js (R4), then no resource has an error', () => {
    // new Fhir() loads FHIR.js's bundled R4 (4.0.1) profiles and value sets (ParseConformance, version R4).
    const fhir = new Fhir();
    const small = generatePopulation({ size: 20 });
    const failures: { id: string; messages: string[] }[] = [];
    let checked = 0;

    for (const nodeId of SIM_NODE_IDS) {
      for (const { patient, resources } of small.nodes[nodeId].records.values()) {
        for (const resource of [patient, ...resources]) {
          const result = fhir.validate(resource, { errorOnUnexpected: true });
          const errors = result.messages.filter((m) => m.severity === 'error' || m.severity === 'fatal');
          checked++;
          if (errors.length > 0) {
            failures.push({
              id: `${nodeId} ${resource.resourceType}/${resource.id ?? ''}`,
              messages: errors.map((m) => `${m.location ?? ''}: ${m.message ?? ''}`),
            });
          }
        }
      }
    }

    expect(checked).toBeGreaterThan(400);
    expect(clinicalResources(small.nodes.gp).length).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});
