import type { Condition, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM, SOURCE_STATUS_SYSTEM } from '../../core/fhir/systems';
import { mergeView } from './merge-view';

const NHS = '9000000009';
const gp: SourceDescriptor = {
  id: 'gp',
  kind: 'fhir-r4',
  name: 'Northbrook Health Centre',
  odsCode: 'Y90001',
  baseUrl: 'http://gp.test/fhir',
  supplies: ['Condition', 'Observation'],
};
const acute: SourceDescriptor = {
  ...gp,
  id: 'acute',
  name: 'Riverside Hospital',
  odsCode: 'R1X',
  baseUrl: 'http://acute.test/fhir',
};
const ambulance: SourceDescriptor = {
  ...gp,
  id: 'ambulance',
  name: 'Capital Ambulance',
  odsCode: 'R1Z',
  baseUrl: 'http://amb.test/fhir',
};

const gpPatient: Patient = {
  resourceType: 'Patient',
  id: '1001',
  meta: { lastUpdated: '2026-01-01T00:00:00Z' },
  identifier: [
    { system: NHS_NUMBER_SYSTEM, value: NHS },
    { system: 'https://gp.test/id', value: '1001' },
  ],
  name: [{ use: 'official', family: 'Clarke', given: ['Amelia'] }],
  birthDate: '1957-03-14',
  gender: 'female',
  generalPractitioner: [{ reference: 'Organization/practice-1', display: 'Northbrook Health Centre' }],
};
const acutePatient: Patient = {
  ...gpPatient,
  id: 'RXA001',
  identifier: [
    { system: NHS_NUMBER_SYSTEM, value: NHS },
    { system: 'https://acute.test/mrn', value: 'RXA001' },
  ],
};

const condition: Condition = {
  resourceType: 'Condition',
  id: 'c1',
  meta: { lastUpdated: '2026-02-01T00:00:00Z', versionId: '3' },
  clinicalStatus: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
  },
  code: {
    coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }],
  },
  subject: { reference: 'Patient/1001', display: 'Amelia Clarke' },
  encounter: { reference: 'http://gp.test/fhir/Encounter/e1' },
  recorder: { reference: 'Practitioner/p9', display: 'Dr Shah' },
  onsetDateTime: '2015-06-01',
  note: [{ text: 'Diet controlled until 2018' }],
};
const encounter: Resource = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'finished',
  class: { code: 'AMB' },
  subject: { reference: 'Patient/1001' },
} as Resource;
const otherPatientsObservation: Observation = {
  resourceType: 'Observation',
  id: 'o-other',
  status: 'final',
  code: { text: 'HbA1c' },
  subject: { reference: 'Patient/2002' },
};
const acuteObservation: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
  subject: { reference: 'Patient/RXA001' },
  valueQuantity: { value: 52, unit: 'mmol/mol', system: 'http://unitsofmeasure.org', code: 'mmol/mol' },
};

function outcomes(): SourceOutcome[] {
  return [
    {
      sourceId: 'gp',
      status: 'ok',
      durationMs: 12,
      warnings: [],
      record: { patient: gpPatient, resources: [condition, encounter, otherPatientsObservation] },
    },
    {
      sourceId: 'acute',
      status: 'ok',
      durationMs: 15,
      warnings: [],
      record: { patient: acutePatient, resources: [acuteObservation] },
    },
    { sourceId: 'ambulance', status: 'timeout', durationMs: 3000 },
  ];
}

function merge(since?: string) {
  return mergeView({
    viewId: 'view-1',
    nhsNumber: NHS,
    sources: [gp, acute, ambulance],
    outcomes: outcomes(),
    broker: { name: 'Test Broker', odsCode: 'X26' },
    ...(since ? { since } : {}),
    now: new Date('2026-11-01T00:00:00Z'),
  });
}

/** A resource with id, meta and every Reference.reference removed: what must be unchanged. */
function clinicalContent(resource: Resource): unknown {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => key !== 'reference')
        .map(([key, value]) => [key, strip(value)]),
    );
  };
  const { id: _id, meta: _meta, ...rest } = resource as Resource & { meta?: unknown };
  return strip(rest);
}

describe('mergeView', () => {
  it('when a narrowed view did not ask for a type the source supplies, then a reference to one is named by its view id, readable by id', () => {
    const conditionOnly: SourceOutcome[] = outcomes().map((o) =>
      o.status === 'ok' && o.sourceId === 'gp'
        ? { ...o, record: { ...o.record, resources: [condition] } }
        : o,
    );
    const narrowed = (supplies: SourceDescriptor['supplies']) =>
      mergeView({
        viewId: 'view-2',
        nhsNumber: NHS,
        sources: [{ ...gp, supplies }, acute, ambulance],
        outcomes: conditionOnly,
        broker: { name: 'Test Broker', odsCode: 'X26' },
        resourceTypes: ['Condition'],
        now: new Date('2026-11-01T00:00:00Z'),
      }).entries.find((e) => e.resource.resourceType === 'Condition')!.resource as Condition;
    const merged = narrowed(['Condition', 'Encounter']);
    expect(merged.encounter?.reference).toBe('Encounter/gp-e1');
    // A type the source does not supply stays at its source, as does anything that is not a record type.
    expect(narrowed(['Condition']).encounter?.reference).toBe('http://gp.test/fhir/Encounter/e1');
    // Not a record type: still at its source.
    expect(merged.recorder?.reference).toBe('http://gp.test/fhir/Practitioner/p9');
  });

  it('when two sources answer, then ids are namespaced per source and references rewritten to match', () => {
    const view = merge();
    const merged = view.entries.map((e) => e.resource);
    const mergedCondition = merged.find((r) => r.resourceType === 'Condition') as Condition;
    expect(mergedCondition.id).toBe('gp-c1');
    expect(mergedCondition.subject?.reference).toBe(`Patient/${NHS}`);
    expect(mergedCondition.encounter?.reference).toBe('Encounter/gp-e1');
    // A target that is not in the view stays resolvable at its source and cannot collide with another source's ids.
    expect(mergedCondition.recorder?.reference).toBe('http://gp.test/fhir/Practitioner/p9');
    expect(merged.find((r) => r.resourceType === 'Observation')?.id).toBe('acute-o1');
  });

  it('when merged, then every resource names its source in meta.source and an ODS meta.tag, keeping its own meta', () => {
    const view = merge();
    const mergedCondition = view.entries.find((e) => e.resource.resourceType === 'Condition')!.resource;
    expect(mergedCondition.meta).toEqual({
      lastUpdated: '2026-02-01T00:00:00Z',
      versionId: '3',
      source: 'http://gp.test/fhir/Condition/c1',
      tag: [{ system: ODS_CODE_SYSTEM, code: 'Y90001', display: 'Northbrook Health Centre' }],
    });
    for (const { resource, sourceId } of view.entries) {
      expect(resource.meta?.tag?.at(-1)?.code).toBe(sourceId === 'gp' ? 'Y90001' : 'R1X');
    }
  });

  it('when merged, then each resource has the same clinical content as the original, field by field', () => {
    const view = merge();
    const originals = new Map([condition, encounter, acuteObservation].map((r) => [r.id!, r]));
    expect(view.entries).toHaveLength(3);
    for (const { resource, sourceId } of view.entries) {
      const original = originals.get(resource.id!.slice(sourceId.length + 1))!;
      expect(clinicalContent(resource)).toEqual(clinicalContent(original));
    }
    // And the source's own objects were not mutated.
    expect(condition.id).toBe('c1');
    expect(condition.subject?.reference).toBe('Patient/1001');
  });

  it("when a source sends another patient's resource, then it is withheld and reported on that source", () => {
    const view = merge();
    expect(view.entries.some((e) => e.resource.id === 'gp-o-other')).toBe(false);
    expect(view.counts.otherPatient).toBe(1);
    const issue = view.outcome.issue.find((i) => i.details?.coding?.some((c) => c.code === 'other-patient'));
    expect(issue?.details?.text).toBe(
      'Northbrook Health Centre (Y90001) sent 1 item that did not refer to this patient; it was withheld.',
    );
    expect(JSON.stringify(view.outcome)).not.toContain('2002');
  });

  it('when a source times out, then the closing OperationOutcome names it and its status', () => {
    const outcome: OperationOutcome = merge().outcome;
    expect(outcome.issue[0]?.details?.text).toBe('3 sources consulted: 2 ok, 1 timeout.');
    const timeout = outcome.issue.find((i) => i.code === 'timeout')!;
    expect(timeout.severity).toBe('warning');
    expect(timeout.details?.coding).toContainEqual({ system: SOURCE_STATUS_SYSTEM, code: 'timeout' });
    expect(timeout.details?.text).toBe(
      'Capital Ambulance (R1Z) did not answer within 3000 ms; its data is not in this view.',
    );
  });

  it("when sources know the patient by local ids, then the one Patient carries every source's identifiers", () => {
    const patient = merge().patient!;
    expect(patient.id).toBe(NHS);
    // NHS number; the GP's own identifier and its local id; the trust's MRN and its local id.
    expect(patient.identifier?.map((i) => i.value)).toEqual([NHS, '1001', '1001', 'RXA001', 'RXA001']);
    expect(patient.identifier?.filter((i) => i.system?.endsWith('/source-patient/gp'))).toHaveLength(1);
    expect(patient.name).toEqual(gpPatient.name);
    expect(patient.birthDate).toBe('1957-03-14');
    expect(patient.generalPractitioner?.[0]?.reference).toBe('http://gp.test/fhir/Organization/practice-1');
    expect(patient.meta?.tag?.map((t) => t.code)).toEqual(['Y90001', 'R1X']);
  });

  it('when _since is given, then resources last updated before it are left out', () => {
    const view = merge('2026-01-15T00:00:00Z');
    expect(view.entries.map((e) => e.resource.id)).toEqual(['gp-c1', 'gp-e1', 'acute-o1']);
    const later = merge('2026-03-01T00:00:00Z');
    expect(later.entries.map((e) => e.resource.id)).toEqual(['gp-e1', 'acute-o1']);
    expect(later.counts.beforeSince).toBe(1);
  });

  it('when no source answers ok, then there is no patient and one Provenance per ok source only', () => {
    const view = mergeView({
      viewId: 'v',
      nhsNumber: NHS,
      sources: [gp],
      outcomes: [{ sourceId: 'gp', status: 'no-match', durationMs: 3 }],
      broker: { name: 'B', odsCode: 'X26' },
      now: new Date(),
    });
    expect(view.patient).toBeNull();
    expect(view.provenance).toHaveLength(0);
    expect(view.outcome.issue[1]?.details?.text).toBe(
      'Northbrook Health Centre (Y90001) holds no record for this patient.',
    );
  });
});
