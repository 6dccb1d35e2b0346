import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiagnosticReport, Observation, Resource, Specimen } from '@medplum/fhirtypes';
import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { r4Errors } from '../../test/support/fhir-validator';
import { structuredRecordResources } from './structured-record-bundle';
import { readStructuredRecord } from './structured-record-reader';

const NHS = '9690937286';

function read(wanted: readonly (typeof RECORD_RESOURCE_TYPES)[number][] = RECORD_RESOURCE_TYPES) {
  const bundle = JSON.parse(
    readFileSync(join(__dirname, '../../test/fixtures/gp-connect/investigations-bundle.json'), 'utf8'),
  ) as Parameters<typeof structuredRecordResources>[0];
  return readStructuredRecord(structuredRecordResources(bundle), { nhsNumber: NHS, wanted });
}

function one<T extends Resource>(resources: readonly Resource[], type: T['resourceType'], id: string): T {
  const found = resources.find((r) => r.resourceType === type && r.id === id);
  if (!found) throw new Error(`${type}/${id} not found`);
  return found as T;
}

describe('GP Connect investigations (STU3 recorded fixture) as R4', () => {
  const { record, warnings } = read();

  it('when a test report comes back, then it is an R4 DiagnosticReport with its results, specimen, laboratory and conclusion unchanged', () => {
    const report = one<DiagnosticReport>(record.resources, 'DiagnosticReport', 'dr-fbc');

    expect(report.category).toEqual([
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'HM', display: 'Hematology' },
        ],
      },
    ]);
    expect(report.performer).toEqual([{ reference: 'Organization/lab-1' }]);
    expect(report.result).toEqual([
      { reference: 'Observation/grp-fbc' },
      { reference: 'Observation/filing-1' },
    ]);
    expect(report.specimen).toEqual([{ reference: 'Specimen/sp-fbc' }]);
    expect(report.basedOn).toEqual([{ reference: 'ServiceRequest/req-fbc' }]);
    expect(report.identifier).toEqual([
      { system: 'https://pathology.example.nhs.uk/Id/report', value: 'LT2606104471-R1' },
    ]);
    expect(report.conclusion).toBe('Low haemoglobin; normal white cells and platelets.');
    expect(r4Errors(report)).toEqual([]);
  });

  it('when a test group comes back, then its header links its results as hasMember and each result keeps its value, range, flag and comment', () => {
    const group = one<Observation>(record.resources, 'Observation', 'grp-fbc');
    const hb = one<Observation>(record.resources, 'Observation', 'hb');

    expect(group.hasMember).toEqual([
      { reference: 'Observation/hb' },
      { reference: 'Observation/wcc' },
      { reference: 'Observation/plt' },
    ]);
    expect(hb.valueQuantity).toEqual({
      value: 108,
      unit: 'g/L',
      system: 'http://unitsofmeasure.org',
      code: 'g/L',
    });
    expect(hb.interpretation?.[0]?.coding?.[0]?.code).toBe('L');
    expect(hb.note).toEqual([{ text: 'Result checked and confirmed on repeat analysis.' }]);
    expect(hb.specimen).toEqual({ reference: 'Specimen/sp-fbc' });
    for (const resource of record.resources) expect(r4Errors(resource)).toEqual([]);
  });

  it("when the GP's filing comment comes back, then it is an Observation note with its status unknown", () => {
    const filing = one<Observation>(record.resources, 'Observation', 'filing-1');

    expect(filing.status).toBe('unknown');
    expect(filing.code.coding?.[0]?.code).toBe('37331000000100');
    expect(filing.note).toEqual([{ text: 'Mild anaemia - check ferritin and B12; see in 2 weeks.' }]);
  });

  it('when the specimen comes back, then it travels as a supporting resource with its accession number and collection time', () => {
    const specimen = one<Specimen>(record.supporting ?? [], 'Specimen', 'sp-fbc');

    expect(specimen.accessionIdentifier).toEqual({
      system: 'https://pathology.example.nhs.uk/Id/accession',
      value: 'LT2606104471',
    });
    expect(specimen.collection?.collectedDateTime).toBe('2026-06-10T09:15:00+01:00');
    expect(specimen.subject).toEqual({ reference: 'Patient/2' });
    expect(r4Errors(specimen)).toEqual([]);
    expect(one(record.supporting ?? [], 'Organization', 'lab-1')).toBeDefined();
  });

  it('when the request behind the report comes back, then it is named as not shown, and nothing else is', () => {
    expect(warnings.filter((w) => w.reason === 'gpc-not-shown').map((w) => w.text)).toEqual([
      "sent ProcedureRequest entries, which the broker's record has no place for",
    ]);
    expect(warnings.filter((w) => w.reason === 'gpc-stu3-not-converted')).toEqual([]);
  });

  it('when only observations are wanted, then no DiagnosticReport comes back and the results keep their Specimen', () => {
    const only = read(['Observation']).record;

    expect(only.resources.some((r) => r.resourceType === 'DiagnosticReport')).toBe(false);
    expect((only.supporting ?? []).some((r) => r.resourceType === 'Specimen')).toBe(true);
  });
});
