import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  epcrErrorSchema,
  incidentPageSchema,
  incidentSchema,
  patientSearchResponseSchema,
} from './epcr-schema';

function fixture(name: string): unknown {
  const file = path.join(__dirname, '..', '..', 'test', 'fixtures', 'ambulance-epcr', name);
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

describe('ePCR wire schemas', () => {
  it('when the patient search matched, then the recorded body parses to one patient', () => {
    const parsed = patientSearchResponseSchema.parse(fixture('patient-search-match.json'));

    expect(parsed.patients).toHaveLength(1);
    expect(parsed.patients[0]).toMatchObject({ patientId: 'P-2024-0004417', nhsNumberVerified: true });
  });

  it('when the patient search matched nobody, then the recorded body parses to an empty list', () => {
    expect(patientSearchResponseSchema.parse(fixture('patient-search-empty.json')).patients).toEqual([]);
  });

  it('when the API refused the key, then its error body parses with its code', () => {
    expect(epcrErrorSchema.parse(fixture('error-401.json')).error.code).toBe('unauthorised');
  });

  it('when a page of incidents is recorded, then every incident in it is a valid ePCR incident', () => {
    const page = incidentPageSchema.parse(fixture('incidents-page.json'));

    const results = page.incidents.map((incident) => incidentSchema.safeParse(incident).success);

    expect(results).toEqual([true, true]);
  });

  it('when a FHIR Patient comes back instead, then neither the patient list nor the page accepts it', () => {
    const body = { resourceType: 'Patient', id: 'x' };

    expect(patientSearchResponseSchema.safeParse(body).success).toBe(false);
    expect(incidentPageSchema.safeParse(body).success).toBe(false);
  });

  it('when an incident has an ARP category outside 1 to 5, then it is not a valid incident', () => {
    const page = incidentPageSchema.parse(fixture('incidents-page.json'));
    const incident = { ...(page.incidents[0] as object), category: 7 };

    expect(incidentSchema.safeParse(incident).success).toBe(false);
  });
});
