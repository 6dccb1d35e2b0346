import type { AllergyIntolerance, Medication, MedicationStatement } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../../core/source-contract';
import type { MergedEntry } from '../merged-entry';
import { allergyDisagreements } from './allergy-disagreements';
import { DISAGREEMENT_SYSTEM, disagreementIssue } from './disagreement';
import { medicationDisagreements } from './medication-disagreements';

const SNOMED = 'http://snomed.info/sct';
const source = (id: string, name: string, odsCode: string): SourceDescriptor => ({
  id,
  kind: 'fhir-r4',
  name,
  odsCode,
  baseUrl: `http://${id}.test/fhir`,
  supplies: [],
});
const SOURCES = new Map(
  [source('gp', 'Northbrook Health Centre', 'Y90001'), source('acute', 'Riverside Hospital', 'R1X')].map(
    (s) => [s.id, s],
  ),
);

function allergy(
  sourceId: string,
  id: string,
  code: string,
  display: string,
  extra: Partial<AllergyIntolerance> = {},
): MergedEntry {
  return {
    sourceId,
    resource: {
      resourceType: 'AllergyIntolerance',
      id,
      patient: { reference: 'Patient/9000000009' },
      code: { coding: [{ system: SNOMED, code, display }] },
      ...extra,
    },
  };
}

function medication(
  sourceId: string,
  id: string,
  status: MedicationStatement['status'],
  period: { start?: string; end?: string },
): MergedEntry {
  return {
    sourceId,
    resource: {
      resourceType: 'MedicationStatement',
      id,
      status,
      subject: { reference: 'Patient/9000000009' },
      medicationCodeableConcept: {
        coding: [{ system: 'https://dmd.nhs.uk', code: '318859000' }],
        text: 'Lisinopril 10mg tablets',
      },
      effectivePeriod: period,
    },
  };
}

const noMedications = (): Medication | undefined => undefined;

describe('allergyDisagreements', () => {
  it('when one source records no known allergies and another penicillin, then one disagreement names both and the substance', () => {
    const entries = [
      allergy('gp', 'gp-a1', '764146007', 'Penicillin', { category: ['medication'] }),
      allergy('acute', 'acute-a1', '716186003', 'No known allergy'),
    ];
    const [disagreement, ...rest] = allergyDisagreements(entries, SOURCES);
    expect(rest).toEqual([]);
    expect(disagreement).toEqual({
      kind: 'allergy-disagreement',
      text: 'Allergy records disagree: Riverside Hospital (R1X) records No known allergy, while Northbrook Health Centre (Y90001) records Penicillin.',
      sourceIds: ['acute', 'gp'],
      references: ['AllergyIntolerance/acute-a1', 'AllergyIntolerance/gp-a1'],
    });
  });

  it('when the "no known" is about drugs and the allergy is to a food, then there is no disagreement', () => {
    const entries = [
      allergy('gp', 'gp-a1', '91935009', 'Peanut', { category: ['food'] }),
      allergy('acute', 'acute-a1', '409137002', 'No known drug allergy'),
    ];
    expect(allergyDisagreements(entries, SOURCES)).toEqual([]);
  });

  it('when the allergy is resolved, or both are from one source, then there is no disagreement', () => {
    const resolved = allergy('gp', 'gp-a1', '764146007', 'Penicillin', {
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'resolved' },
        ],
      },
    });
    expect(
      allergyDisagreements([resolved, allergy('acute', 'acute-a1', '716186003', 'NKA')], SOURCES),
    ).toEqual([]);
    const sameSource = [
      allergy('gp', 'gp-a1', '764146007', 'Penicillin'),
      allergy('gp', 'gp-a2', '716186003', 'NKA'),
    ];
    expect(allergyDisagreements(sameSource, SOURCES)).toEqual([]);
  });

  it('when reported, then the issue is a warning of type conflict coded with its kind and the sources', () => {
    const [disagreement] = allergyDisagreements(
      [allergy('gp', 'gp-a1', '764146007', 'Penicillin'), allergy('acute', 'acute-a1', '716186003', 'NKA')],
      SOURCES,
    );
    const issue = disagreementIssue(disagreement!, SOURCES);
    expect(issue.severity).toBe('warning');
    expect(issue.code).toBe('business-rule');
    expect(issue.details?.coding?.map((c) => c.code)).toEqual(['allergy-disagreement', 'R1X', 'Y90001']);
    expect(issue.details?.coding?.[0]?.system).toBe(DISAGREEMENT_SYSTEM);
  });
});

describe('medicationDisagreements', () => {
  it('when a medication is active in one source and stopped in another, then one disagreement names both', () => {
    const entries = [
      medication('gp', 'gp-m1', 'active', { start: '2009-02-20' }),
      medication('acute', 'acute-m1', 'stopped', { start: '2009-02-20', end: '2026-09-16' }),
    ];
    expect(medicationDisagreements(entries, SOURCES, noMedications)).toEqual([
      {
        kind: 'medication-status-disagreement',
        text: 'Medication records disagree on Lisinopril 10mg tablets: active at Northbrook Health Centre (Y90001) and stopped at Riverside Hospital (R1X).',
        sourceIds: ['gp', 'acute'],
        references: ['MedicationStatement/gp-m1', 'MedicationStatement/acute-m1'],
      },
    ]);
  });

  it('when the stopped course ended before the active one started, then it is a restart, not a disagreement', () => {
    const entries = [
      medication('gp', 'gp-m1', 'active', { start: '2020-01-01' }),
      medication('acute', 'acute-m1', 'completed', { start: '2009-02-20', end: '2010-05-30' }),
    ];
    expect(medicationDisagreements(entries, SOURCES, noMedications)).toEqual([]);
  });

  it('when both are active, or both ended, then there is no disagreement', () => {
    const active = [medication('gp', 'gp-m1', 'active', {}), medication('acute', 'acute-m1', 'active', {})];
    expect(medicationDisagreements(active, SOURCES, noMedications)).toEqual([]);
    const ended = [
      medication('gp', 'gp-m1', 'stopped', {}),
      medication('acute', 'acute-m1', 'completed', {}),
    ];
    expect(medicationDisagreements(ended, SOURCES, noMedications)).toEqual([]);
  });
});
