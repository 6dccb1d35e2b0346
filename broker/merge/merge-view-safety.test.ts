import type { AllergyIntolerance, MedicationStatement, Patient, Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import { mergeView } from './merge-view';

const NHS = '9000000009';
const SNOMED = 'http://snomed.info/sct';
const source = (id: string, name: string, odsCode: string): SourceDescriptor => ({
  id,
  kind: 'fhir-r4',
  name,
  odsCode,
  baseUrl: `http://${id}.test/fhir`,
  supplies: ['AllergyIntolerance', 'MedicationStatement'],
});
const SOURCES = [
  source('gp', 'Northbrook Health Centre', 'Y90001'),
  source('acute', 'Riverside Hospital', 'R1X'),
  source('mental-health', 'Thameside Trust', 'R1Y'),
];

function patient(localId: string, birthDate = '1957-03-14'): Patient {
  return {
    resourceType: 'Patient',
    id: localId,
    identifier: [
      { system: NHS_NUMBER_SYSTEM, value: NHS },
      { system: `https://${localId}.test/id`, value: localId },
    ],
    name: [{ family: 'Clarke' }],
    birthDate,
    gender: 'female',
  };
}

function penicillin(localPatient: string, id = 'a1'): AllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    id,
    patient: { reference: `Patient/${localPatient}` },
    code: { coding: [{ system: SNOMED, code: '764146007', display: 'Penicillin' }], text: 'Penicillin' },
  };
}

function lisinopril(localPatient: string, status: MedicationStatement['status']): MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    id: 'm1',
    status,
    subject: { reference: `Patient/${localPatient}` },
    medicationCodeableConcept: {
      coding: [{ system: SNOMED, code: '318859000' }],
      text: 'Lisinopril 10mg tablets',
    },
    effectivePeriod: { start: '2020-01-01' },
    dosage: [{ text: 'One tablet once a day' }],
  };
}

function ok(sourceId: string, p: Patient, resources: Resource[]): SourceOutcome {
  return { sourceId, status: 'ok', durationMs: 10, warnings: [], record: { patient: p, resources } };
}

function merge(outcomes: SourceOutcome[]) {
  return mergeView({
    viewId: 'v1',
    nhsNumber: NHS,
    sources: SOURCES,
    outcomes,
    broker: { name: 'Test Broker', odsCode: 'X26' },
    now: new Date('2026-11-01T00:00:00Z'),
  });
}

describe('mergeView: the demographic cross-check', () => {
  const outcomes = (): SourceOutcome[] => [
    ok('gp', patient('G1'), [penicillin('G1')]),
    ok('acute', patient('A1', '1958-03-15'), [penicillin('A1'), lisinopril('A1', 'active')]),
    ok('mental-health', patient('M1'), [lisinopril('M1', 'active')]),
  ];

  it('when one source returns a patient with another date of birth, then none of its data, identifiers or provenance is in the view', () => {
    const view = merge(outcomes());
    expect(view.entries.some((e) => e.sourceId === 'acute')).toBe(false);
    expect(view.patient?.identifier?.some((i) => i.value === 'A1')).toBe(false);
    expect(view.patient?.meta?.tag?.map((t) => t.code)).toEqual(['Y90001', 'R1Y']);
    expect(view.provenance.map((p) => p.id)).toEqual(['gp-provenance', 'mental-health-provenance']);
  });

  it('when a source is excluded, then the view reports it as an error naming the field, and raises an incident', () => {
    const view = merge(outcomes());
    expect(view.outcomes.map((o) => o.status)).toEqual(['ok', 'error', 'ok']);
    expect(view.incidents).toEqual([{ sourceId: 'acute', kind: 'demographic-mismatch', count: 1 }]);
    const issue = view.outcome.issue.find((i) =>
      i.details?.coding?.some((c) => c.code === 'demographic-mismatch'),
    );
    expect(issue?.details?.text).toBe(
      'Riverside Hospital (R1X) returned a patient whose date of birth does not match the other sources; its data is not in this view.',
    );
    expect(JSON.stringify(view.outcome)).not.toMatch(/1958|1957/);
    expect(view.counts).toEqual({
      received: 4,
      shown: 2,
      grouped: 0,
      otherPatient: 0,
      withheldSensitive: 0,
      beforeSince: 0,
      excludedSource: 2,
      withheldObjection: 0,
    });
  });
});

describe('mergeView: grouping and disagreements', () => {
  it('when two sources record the same allergy, then both are entries, the GP leads and the counts add up', () => {
    const view = merge([
      ok('gp', patient('G1'), [penicillin('G1')]),
      ok('acute', patient('A1'), [penicillin('A1'), penicillin('A1', 'a2')]),
    ]);
    expect(view.entries.map((e) => [e.resource.id, e.groupedUnder, e.duplicates])).toEqual([
      ['gp-a1', undefined, [{ sourceId: 'acute', reference: 'AllergyIntolerance/acute-a1' }]],
      ['acute-a1', 'AllergyIntolerance/gp-a1', undefined],
      ['acute-a2', undefined, undefined],
    ]);
    expect(view.counts).toEqual({
      received: 3,
      shown: 2,
      grouped: 1,
      otherPatient: 0,
      withheldSensitive: 0,
      beforeSince: 0,
      excludedSource: 0,
      withheldObjection: 0,
    });
    // The provenance of the grouped member is still its own source's.
    expect(view.provenance[1]?.target.map((t) => t.reference)).toContain('AllergyIntolerance/acute-a1');
  });

  it('when a medication is active at one source and stopped at another, then both are shown and the view says they disagree', () => {
    const view = merge([
      ok('gp', patient('G1'), [lisinopril('G1', 'active')]),
      ok('acute', patient('A1'), [lisinopril('A1', 'stopped')]),
    ]);
    expect(view.entries.every((e) => !e.groupedUnder && !e.duplicates)).toBe(true);
    expect(view.disagreements.map((d) => d.kind)).toEqual(['medication-status-disagreement']);
    const issue = view.outcome.issue.at(-1)!;
    expect(issue).toMatchObject({ severity: 'warning', code: 'business-rule' });
    expect(issue.details?.text).toBe(
      'Medication records disagree on Lisinopril 10mg tablets: active at Northbrook Health Centre (Y90001) and stopped at Riverside Hospital (R1X).',
    );
    expect(issue.details?.text).not.toMatch(/Clarke|9000000009/);
  });
});
