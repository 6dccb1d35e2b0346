import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  Condition,
  DocumentReference,
  Encounter,
  MedicationAdministration,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import { r4Errors } from '../../../test/support/fhir-validator';
import {
  incidentPageSchema,
  incidentSchema,
  patientSearchResponseSchema,
  type Incident,
} from '../epcr-schema';
import { isFhirId } from './fhir-ids';
import { EPCR_RESOURCE_TYPES, incidentToR4 } from './incident-to-r4';
import { toR4Patient } from './patient';

function fixture(name: string): unknown {
  const file = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ambulance-epcr', name);
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

const ORGANISATION = { odsCode: 'R1Z', name: 'Capital Ambulance Service NHS Trust' };
const PATIENT_ID = 'P-2024-0004417';
const incidents: Incident[] = incidentPageSchema
  .parse(fixture('incidents-page.json'))
  .incidents.map((raw) => incidentSchema.parse(raw));
const [chestPain, fall] = incidents as [Incident, Incident];

function mapAll(types: readonly (typeof EPCR_RESOURCE_TYPES)[number][] = EPCR_RESOURCE_TYPES): Resource[] {
  return incidents.flatMap((incident) =>
    incidentToR4(incident, { patientId: PATIENT_ID, organisation: ORGANISATION, types }),
  );
}

function byId<T extends Resource>(resources: readonly Resource[], id: string): T {
  const found = resources.find((r) => r.id === id);
  if (!found) throw new Error(`no resource ${id}`);
  return found as T;
}

function observationCoded(
  resources: readonly Resource[],
  incidentId: string,
  set: number,
  code: string,
): Observation {
  const found = resources.find(
    (r): r is Observation =>
      r.resourceType === 'Observation' &&
      (r.id ?? '').startsWith(`${incidentId}-obs-${set}-`) &&
      r.code.coding?.[0]?.code === code,
  );
  if (!found) throw new Error(`no observation ${code} in set ${set}`);
  return found;
}

describe('ePCR incident → FHIR R4', () => {
  it('when the recorded incidents are mapped, then every resource is valid R4 with a valid, unique id', () => {
    const resources = [
      toR4Patient(patientSearchResponseSchema.parse(fixture('patient-search-match.json')).patients[0]!),
      ...mapAll(),
    ];

    const errors = resources.flatMap((r) => r4Errors(r).map((e) => `${r.resourceType}/${r.id}: ${e}`));

    expect(errors).toEqual([]);
    expect(resources.every((r) => r.id && isFhirId(r.id))).toBe(true);
    expect(new Set(resources.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(resources.length);
  });

  it('when mapped, then every record resource refers to the patient and to its own incident encounter', () => {
    const resources = mapAll();

    for (const resource of resources) {
      const r = resource as unknown as Record<string, { reference?: string } | undefined>;
      expect(r.subject?.reference).toBe(`Patient/${PATIENT_ID}`);
      const incidentId = (resource.id ?? '').replace(/-(enc|cond|doc|obs-.*|med-.*)$/, '');
      const encounterRef =
        resource.resourceType === 'Encounter'
          ? undefined
          : resource.resourceType === 'MedicationAdministration'
            ? (resource as MedicationAdministration).context?.reference
            : resource.resourceType === 'DocumentReference'
              ? (resource as DocumentReference).context?.encounter?.[0]?.reference
              : (resource as Observation | Condition).encounter?.reference;
      if (resource.resourceType !== 'Encounter') expect(encounterRef).toBe(`Encounter/${incidentId}-enc`);
    }
  });

  it('when an observation set is mapped, then each sign keeps its LOINC code, UCUM unit, value and time', () => {
    const resources = mapAll(['Observation']);
    const id = chestPain.incidentId;
    const expected: [string, number, string][] = [
      ['9279-1', 21, '/min'],
      ['59408-5', 95, '%'],
      ['8867-4', 104, '/min'],
      ['8310-5', 36.7, 'Cel'],
      ['15074-8', 6.8, 'mmol/L'],
      ['72514-3', 7, '{score}'],
    ];

    for (const [code, value, unit] of expected) {
      const observation = observationCoded(resources, id, 1, code);
      expect(observation.valueQuantity).toEqual({
        value,
        unit,
        system: 'http://unitsofmeasure.org',
        code: unit,
      });
      expect(observation.effectiveDateTime).toBe('2026-03-04T07:58:00Z');
      expect(observation.category?.[0]?.coding?.[0]?.code).toBe(
        code === '72514-3' ? 'survey' : 'vital-signs',
      );
      expect(observation.code.coding?.[0]?.system).toBe('http://loinc.org');
    }
  });

  it('when blood pressure is mapped, then it is the LOINC panel with systolic and diastolic components in mm[Hg]', () => {
    const bp = observationCoded(mapAll(['Observation']), chestPain.incidentId, 2, '85354-9');

    expect(
      bp.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code]),
    ).toEqual([
      ['8480-6', 142, 'mm[Hg]'],
      ['8462-4', 88, 'mm[Hg]'],
    ]);
  });

  it('when consciousness and NEWS2 are mapped, then ACVPU is a SNOMED finding and NEWS2 the RCP total score', () => {
    const resources = mapAll(['Observation']);

    const acvpu = observationCoded(resources, chestPain.incidentId, 1, '1104441000000107');
    const news2 = observationCoded(resources, chestPain.incidentId, 1, '1104051000000101');

    expect(acvpu.valueCodeableConcept?.coding?.[0]).toMatchObject({
      system: 'http://snomed.info/sct',
      code: '248234008',
    });
    expect(news2.code.coding?.[0]?.display).toMatch(
      /Royal College of Physicians National Early Warning Score 2/,
    );
    expect(news2.valueInteger).toBe(4);
  });

  it('when the patient was on oxygen and scored on SpO2 scale 2, then both stay with the saturation', () => {
    const spo2 = observationCoded(mapAll(['Observation']), fall.incidentId, 1, '59408-5');

    expect(spo2.valueQuantity?.value).toBe(89);
    expect(spo2.component?.[0]?.code.coding?.[0]?.code).toBe('371825009');
    expect(spo2.component?.[0]?.valueCodeableConcept?.coding?.[0]?.code).toBe('373066001');
    expect(spo2.component?.[1]).toMatchObject({ code: { text: 'NEWS2 SpO2 scale' }, valueInteger: 2 });
    expect(spo2.note?.[0]?.text).toBe('On supplemental oxygen; NEWS2 SpO2 scale 2');
  });

  it('when conveyed, then the encounter is finished at handover with the destination and its ODS code', () => {
    const encounter = byId<Encounter>(mapAll(['Encounter']), `${chestPain.incidentId}-enc`);

    expect(encounter.status).toBe('finished');
    expect(encounter.class).toMatchObject({ code: 'EMER' });
    expect(encounter.period).toEqual({ start: '2026-03-04T07:52:00Z', end: '2026-03-04T08:46:00Z' });
    expect(encounter.priority?.coding?.[0]?.code).toBe('EM');
    expect(encounter.reasonCode?.[0]?.text).toBe(chestPain.presentingComplaint);
    expect(encounter.hospitalization?.destination).toEqual({
      display: 'Riverside Hospital Emergency Department',
      identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'R1X01' },
    });
    expect(encounter.statusHistory?.[0]?.period?.start).toBe(chestPain.callReceivedAt);
  });

  it('when not conveyed, then the encounter ends when the crew left scene and says why it was not conveyed', () => {
    const encounter = byId<Encounter>(mapAll(['Encounter']), `${fall.incidentId}-enc`);

    expect(encounter.status).toBe('finished');
    expect(encounter.period?.end).toBe('2025-12-20T14:22:00Z');
    expect(encounter.hospitalization?.destination).toBeUndefined();
    expect(encounter.hospitalization?.dischargeDisposition?.text).toBe(
      'Not conveyed: Treated at scene; referred to GP and community falls service',
    );
  });

  it('when drugs were given, then each is a completed administration with its dose, route, time and role unchanged', () => {
    const resources = mapAll(['MedicationAdministration']) as MedicationAdministration[];

    expect(
      resources.map((m) => [m.medicationCodeableConcept?.text, m.dosage?.dose?.value, m.dosage?.dose?.unit]),
    ).toEqual([
      ['Aspirin 300mg dispersible tablets', 300, 'mg'],
      ['Glyceryl trinitrate 400micrograms/dose sublingual spray', 400, 'micrograms'],
      ['Paracetamol 500mg tablets', 1, 'g'],
    ]);
    const paracetamol = resources[2]!;
    expect(paracetamol.medicationCodeableConcept?.coding?.[0]).toMatchObject({
      system: 'https://dmd.nhs.uk',
      code: '322236009',
    });
    expect(paracetamol.dosage?.route?.text).toBe('Oral');
    expect(paracetamol.effectiveDateTime).toBe('2025-12-20T13:50:00Z');
    expect(paracetamol.performer?.[0]?.actor.display).toBe('Paramedic');
    expect(resources[1]!.dosage?.dose?.code).toBe('ug');
  });

  it('when mapped, then the impression is a provisional encounter diagnosis with its code when given and its text always', () => {
    const resources = mapAll(['Condition']) as Condition[];

    expect(resources.map((c) => [c.code?.coding?.[0]?.code, c.code?.text])).toEqual([
      ['29857009', 'Chest pain, possible acute coronary syndrome'],
      [undefined, 'Mechanical fall, no injury found'],
    ]);
    expect(resources[0]!.category?.[0]?.coding?.[0]?.code).toBe('encounter-diagnosis');
  });

  it('when mapped, then the handover note is the exact text, as a text/plain attachment of a transfer document', () => {
    const documents = mapAll(['DocumentReference']) as DocumentReference[];
    const decoded = documents.map((d) =>
      Buffer.from(d.content[0]!.attachment.data ?? '', 'base64').toString('utf8'),
    );

    expect(decoded).toEqual([chestPain.handoverNote, fall.handoverNote]);
    expect(documents[0]!.type?.coding?.[0]?.code).toBe('371535009');
    expect(documents[0]!.content[0]!.attachment.contentType).toBe('text/plain');
    expect(documents[1]!.type?.coding?.[0]?.code).toBe('371531000');
  });

  it('when only some types are asked for, then only those types are produced', () => {
    const types = new Set(mapAll(['Condition', 'DocumentReference']).map((r) => r.resourceType));

    expect([...types].sort()).toEqual(['Condition', 'DocumentReference']);
  });
});
