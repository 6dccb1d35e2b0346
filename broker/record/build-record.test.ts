import type { Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import type { MergedEntry } from '../merge/merged-entry';
import type { PatientView } from '../view/patient-view';
import { buildRecord } from './build-record';
import { SECTION_IDS } from './sections';

const source = (id: string, odsCode: string): SourceDescriptor => ({
  id,
  kind: 'fhir-r4',
  name: `${id} name`,
  odsCode,
  baseUrl: `https://${id}.example/fhir`,
  supplies: ['Condition'],
});
const SOURCES = [source('gp', 'Y90001'), source('acute', 'R1X'), source('mental-health', 'R1Y')];
const subject = { reference: 'Patient/9000000009' };
const ok = (sourceId: string): SourceOutcome => ({
  sourceId,
  status: 'ok',
  durationMs: 12,
  record: { patient: { resourceType: 'Patient' }, resources: [] },
  warnings: [],
});

function view(entries: MergedEntry[], extra: Partial<PatientView> = {}): PatientView {
  return {
    queryId: 'q-1',
    availability: 'found',
    access: { basis: 'verified', evidence: 'source:acute' },
    patient: {
      resourceType: 'Patient',
      id: '9000000009',
      meta: { source: 'https://acute.example/fhir/Patient/RX1' },
      name: [{ family: 'Clarke', given: ['Amelia'] }],
      telecom: [{ system: 'phone', value: '07700 900123' }],
    },
    entries,
    included: [],
    provenance: [],
    outcome: { resourceType: 'OperationOutcome', issue: [] },
    incidents: [],
    disagreements: [],
    outcomes: [ok('gp'), ok('acute'), { sourceId: 'mental-health', status: 'timeout', durationMs: 4000 }],
    counts: {
      received: 0,
      shown: 0,
      grouped: 0,
      otherPatient: 2,
      withheldSensitive: 3,
      beforeSince: 0,
      excludedSource: 0,
      withheldObjection: 0,
    },
    ...extra,
  };
}

const entry = (sourceId: string, resource: Resource, extra: Partial<MergedEntry> = {}): MergedEntry => ({
  sourceId,
  resource,
  ...extra,
});
const condition = (id: string, onset: string | undefined, text = 'Type 2 diabetes mellitus'): Resource => ({
  resourceType: 'Condition',
  id,
  subject,
  code: { text },
  ...(onset ? { onsetDateTime: onset } : {}),
});
const now = new Date('2026-10-01T00:00:00Z');

describe('buildRecord', () => {
  it('when built, then all ten sections appear in order with their titles, and contacts come from the patient', () => {
    const record = buildRecord({ nhsNumber: '9000000009', view: view([]), sources: SOURCES, now });

    expect(record.sections.map((s) => s.id)).toEqual([...SECTION_IDS]);
    expect(record.sections[4]).toMatchObject({ id: 'medications', alerts: [] });
    expect(record.sections[0]!.items).toEqual([
      {
        title: '07700 900123',
        detail: 'phone',
        reference: 'Patient/9000000009',
        sources: [{ id: 'acute', name: 'acute name', odsCode: 'R1X' }],
      },
    ]);
    expect(record).toMatchObject({ queryId: 'q-1', generatedAt: '2026-10-01T00:00:00.000Z' });
  });

  it('when duplicates are grouped, then the representative appears once listing every source, and members not at all', () => {
    const record = buildRecord({
      nhsNumber: '9000000009',
      view: view([
        entry('gp', condition('gp-c1', '2012-06-18'), {
          duplicates: [{ sourceId: 'acute', reference: 'Condition/acute-c1' }],
        }),
        entry('acute', condition('acute-c1', '2012-06-18'), { groupedUnder: 'Condition/gp-c1' }),
      ]),
      sources: SOURCES,
      now,
    });

    const conditions = record.sections.find((s) => s.id === 'conditions')!.items;
    expect(conditions).toEqual([
      {
        date: '2012-06-18',
        title: 'Type 2 diabetes mellitus',
        reference: 'Condition/gp-c1',
        sources: [
          { id: 'gp', name: 'gp name', odsCode: 'Y90001' },
          { id: 'acute', name: 'acute name', odsCode: 'R1X' },
        ],
        duplicates: ['Condition/acute-c1'],
      },
    ]);
  });

  it('when items have dates, then each section is newest first with undated items last', () => {
    const record = buildRecord({
      nhsNumber: '9000000009',
      view: view([
        entry('gp', condition('gp-a', '2012-06-18', 'A')),
        entry('gp', condition('gp-b', undefined, 'B')),
        entry('acute', condition('acute-c', '2025-12-20T12:45:00Z', 'C')),
        entry('gp', condition('gp-d', '2019', 'D')),
      ]),
      sources: SOURCES,
      now,
    });

    expect(record.sections.find((s) => s.id === 'conditions')!.items.map((i) => i.title)).toEqual([
      'C',
      'D',
      'A',
      'B',
    ]);
  });

  it("when a statement is based on an authorisation in the view, then the authorisation is folded into the statement's item", () => {
    const record = buildRecord({
      nhsNumber: '9000000009',
      view: view([
        entry('gp', {
          resourceType: 'MedicationStatement',
          id: 'gp-ms1',
          status: 'active',
          subject,
          medicationCodeableConcept: { text: 'Metformin' },
          basedOn: [{ reference: 'MedicationRequest/gp-mr1' }],
        }),
        entry('gp', {
          resourceType: 'MedicationRequest',
          id: 'gp-mr1',
          status: 'active',
          intent: 'plan',
          subject,
          medicationCodeableConcept: { text: 'Metformin' },
        }),
        entry('mental-health', {
          resourceType: 'Flag',
          id: 'mental-health-f1',
          status: 'active',
          subject,
          code: { text: 'Risk of self-neglect' },
        }),
      ]),
      sources: SOURCES,
      now,
    });

    const medications = record.sections.find((s) => s.id === 'medications')!;
    expect(medications.items.map((i) => [i.reference, i.related])).toEqual([
      ['MedicationStatement/gp-ms1', ['MedicationRequest/gp-mr1']],
    ]);
    expect(medications.alerts!.map((a) => a.title)).toEqual(['Risk of self-neglect']);
  });

  it('when sources answered differently, then every source has a status and the withheld counts and disagreements are carried', () => {
    const record = buildRecord({
      nhsNumber: '9000000009',
      view: view([], {
        disagreements: [
          {
            kind: 'allergy-disagreement',
            text: 'gp records Penicillin; acute records no known allergies.',
            sourceIds: ['gp', 'acute'],
            references: ['AllergyIntolerance/gp-a1', 'AllergyIntolerance/acute-a1'],
          },
        ],
      }),
      sources: SOURCES,
      now,
    });

    expect(record.sources.map((s) => [s.id, s.status, s.durationMs])).toEqual([
      ['gp', 'ok', 12],
      ['acute', 'ok', 12],
      ['mental-health', 'timeout', 4000],
    ]);
    expect(record.withheld).toEqual({
      otherPatient: 2,
      excludedSources: 0,
      excludedItems: 0,
      beforeSince: 0,
      sensitive: 3,
    });
    expect(record.disagreements).toEqual([
      {
        kind: 'allergy-disagreement',
        text: 'gp records Penicillin; acute records no known allergies.',
        sources: [
          { id: 'gp', name: 'gp name', odsCode: 'Y90001' },
          { id: 'acute', name: 'acute name', odsCode: 'R1X' },
        ],
        references: ['AllergyIntolerance/gp-a1', 'AllergyIntolerance/acute-a1'],
      },
    ]);
  });
});
