import type { Observation, Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../core/source-contract';
import type { MergedEntry } from '../merge/merged-entry';
import type { PatientView } from '../view/patient-view';
import { buildRecord } from './build-record';
import type { RecordSection } from './record-types';

const SOURCES: SourceDescriptor[] = ['gp', 'acute'].map((id) => ({
  id,
  kind: 'fhir-r4',
  name: `${id} name`,
  odsCode: id === 'gp' ? 'Y90001' : 'R1X',
  baseUrl: `https://${id}.example/fhir`,
  supplies: ['Observation', 'DiagnosticReport'],
}));
const subject = { reference: 'Patient/9000000009' };
const LOINC = 'http://loinc.org';

function view(entries: MergedEntry[]): PatientView {
  return {
    queryId: 'q-1',
    availability: 'found',
    access: { basis: 'verified', evidence: 'source:acute' },
    patient: { resourceType: 'Patient', id: '9000000009' },
    entries,
    included: [
      {
        sourceId: 'acute',
        resource: { resourceType: 'Organization', id: 'acute-lab', name: 'Riverside Pathology' },
      },
    ],
    provenance: [],
    outcome: { resourceType: 'OperationOutcome', issue: [] },
    incidents: [],
    disagreements: [],
    outcomes: [],
    counts: {
      received: 0,
      shown: 0,
      grouped: 0,
      otherPatient: 0,
      withheldSensitive: 0,
      withheldObjection: 0,
      beforeSince: 0,
      excludedSource: 0,
    },
  };
}

const hba1c = (id: string, value: number, when: string, flag?: string): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject,
  code: { coding: [{ system: LOINC, code: '4548-4', display: 'HbA1c' }], text: 'HbA1c' },
  effectiveDateTime: when,
  valueQuantity: { value, unit: 'mmol/mol', code: 'mmol/mol' },
  referenceRange: [{ low: { value: 20, code: 'mmol/mol' }, high: { value: 41, code: 'mmol/mol' } }],
  ...(flag ? { interpretation: [{ coding: [{ code: flag }] }] } : {}),
});
const test = (id: string, text: string, value: number): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject,
  code: { text },
  effectiveDateTime: '2026-09-12T12:05:00Z',
  valueQuantity: { value, unit: 'g/L' },
});
const header: Observation = {
  resourceType: 'Observation',
  id: 'gp-grp',
  status: 'final',
  subject,
  code: { text: 'Full blood count' },
  hasMember: [{ reference: 'Observation/gp-hb' }, { reference: 'Observation/gp-plt' }],
};
const entry = (resource: Resource, extra: Partial<MergedEntry> = {}): MergedEntry => ({
  sourceId: resource.id!.split('-')[0]!,
  resource,
  ...extra,
});

function results(entries: MergedEntry[]): RecordSection {
  const record = buildRecord({
    nhsNumber: '9000000009',
    view: view(entries),
    sources: SOURCES,
    now: new Date('2026-11-01T00:00:00Z'),
  });
  return record.sections.find((s) => s.id === 'results')!;
}

describe('the results section: by report, and as series', () => {
  const entries = [
    entry({
      resourceType: 'DiagnosticReport',
      id: 'gp-fbc',
      status: 'final',
      subject,
      code: { text: 'Full blood count' },
      issued: '2026-09-12T15:00:00Z',
      effectiveDateTime: '2026-09-12T12:05:00Z',
      performer: [{ reference: 'Organization/acute-lab' }],
      conclusion: 'Mild anaemia.',
      result: [{ reference: 'Observation/gp-grp' }, { reference: 'Observation/gp-comment' }],
    }),
    entry(header),
    entry(test('gp-hb', 'Haemoglobin', 108)),
    entry(test('gp-plt', 'Platelets', 250)),
    entry({
      resourceType: 'Observation',
      id: 'gp-comment',
      status: 'unknown',
      subject,
      code: { text: 'Comment note' },
      note: [{ text: 'Check ferritin.' }],
    }),
    entry(hba1c('gp-a1', 63, '2025-09-01T09:05:00Z')),
    entry(hba1c('acute-a2', 58, '2026-09-12T12:05:00Z', 'H')),
    entry(hba1c('gp-a2', 58, '2026-09-12T12:05:00Z', 'H'), { groupedUnder: 'Observation/acute-a2' }),
    entry(hba1c('gp-a3', 61, '2026-03-02T09:40:00Z')),
  ];

  it('when a report holds a test group and a filing comment, then its results sit under it, named by their group, and not again on their own', () => {
    const section = results(entries);
    const report = section.items.find((i) => i.reference === 'DiagnosticReport/gp-fbc')!;

    expect(report.title).toBe('Full blood count');
    expect(report.report).toMatchObject({
      issued: '2026-09-12T15:00:00Z',
      conclusion: 'Mild anaemia.',
      laboratory: 'Riverside Pathology',
    });
    expect(report.report!.results.map((r) => [r.reference, r.group])).toEqual([
      ['Observation/gp-hb', 'Full blood count'],
      ['Observation/gp-plt', 'Full blood count'],
      ['Observation/gp-comment', undefined],
    ]);
    expect(report.related).toEqual(['Observation/gp-grp']);
    const flat = section.items.map((i) => i.reference);
    for (const held of [
      'Observation/gp-hb',
      'Observation/gp-plt',
      'Observation/gp-comment',
      'Observation/gp-grp',
    ])
      expect(flat).not.toContain(held);
    expect(flat).toContain('Observation/gp-a1');
  });

  it('when a numeric test is measured more than once, then it is a series oldest first with value, unit, range and flag, each duplicate once (flags from the source or the range)', () => {
    const section = results(entries);

    expect(section.series).toEqual([
      {
        key: 'loinc|4548-4|mmol/mol',
        title: 'HbA1c',
        unit: 'mmol/mol',
        points: [
          {
            date: '2025-09-01T09:05:00Z',
            value: 63,
            range: '20 mmol/mol – 41 mmol/mol',
            flag: 'H',
            reference: 'Observation/gp-a1',
          },
          {
            date: '2026-03-02T09:40:00Z',
            value: 61,
            range: '20 mmol/mol – 41 mmol/mol',
            flag: 'H',
            reference: 'Observation/gp-a3',
          },
          {
            date: '2026-09-12T12:05:00Z',
            value: 58,
            range: '20 mmol/mol – 41 mmol/mol',
            flag: 'H',
            reference: 'Observation/acute-a2',
          },
        ],
      },
    ]);
  });

  it('when a test was measured once, or in text only, then it is no series', () => {
    const section = results([
      entry(hba1c('gp-a1', 63, '2025-09-01T09:05:00Z')),
      entry(test('gp-hb', 'Haemoglobin', 108)),
      entry(test('acute-hb', 'Haemoglobin', 110)),
    ]);

    expect(section.series).toEqual([]);
  });
});
