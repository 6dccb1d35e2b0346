import { createHash } from 'node:crypto';
import { RECORD_RESOURCE_TYPES } from '../../../core/fhir/resource-types';
import { generatePopulation } from '../../../sim/population/generate-population';
import { structuredRecord } from '../../../sim/gp-connect/structured-record';
import type { SimGpcSection } from '../../../sim/gp-connect/structured-record-request';
import { GPC_SECTIONS } from '../gp-connect-sections';
import { structuredRecordResources } from '../structured-record-bundle';
import { readStructuredRecord } from '../structured-record-reader';
import { convertStu3Resource } from './convert-resource';
import type { Stu3Resource } from './stu3-resource';

/**
 * The whole R4 output of the simulated practice's records, byte for byte: a change made for speed must not
 * move a single byte of what reaches the clinician. When a change to the conversion is meant to alter the
 * output, check the difference by hand, then update the digest.
 */
const CONVERTED_DIGEST = 'a05aa0e730e94880a0fb314e2c7dfd4fe6c892097357fc31676a2fc469dd2dd3';

const coding = (system: string): object => ({ system, code: 'c', display: 'd' });

/** What the simulated practice never sends: contained resources, primitive extensions, renamed types, odd systems. */
const EDGES: Stu3Resource[] = [
  {
    resourceType: 'Observation',
    id: 'o1',
    meta: { profile: ['p'], security: [coding('http://hl7.org/fhir/v3/Confidentiality')], versionId: '2' },
    status: 'final',
    _status: { extension: [{ url: 'x', valueString: 'y' }] },
    code: {
      coding: [
        coding('http://hl7.org/fhir/v2/0074'),
        coding('http://hl7.org/fhir/v2/00740'),
        coding('http://hl7.org/fhir/v3/ActCode'),
        coding('http://hl7.org/fhir/v3/Act-Code'),
        coding('http://hl7.org/fhir/observation-category'),
        coding('http://hl7.org/fhir/not-moved'),
        coding('http://hl7.org/fhir/medication-request-category'),
        coding('https://hl7.org/fhir/condition-category'),
        coding('http://hl7.org/fhir/condition-category/'),
        { system: 'http://hl7.org/fhir/v2/0074' },
        { system: 'http://hl7.org/fhir/v2/0074', code: undefined },
      ],
    },
    subject: { reference: 'ReferralRequest/r1' },
    basedOn: [
      { reference: 'http://gp.example/fhir/ProcedureRequest/p1' },
      { reference: 'ReferralRequest/r1/_history/2' },
      { reference: 'MyReferralRequest/r1' },
      { reference: 'urn:uuid:7b1c' },
      { reference: '#c1' },
      { reference: 'a/b/c/d' },
      { reference: 'x\n/y/z' },
    ],
    related: [
      { type: 'has-member', target: { reference: 'ReferralRequest/r2' } },
      { type: 'sequel-to', target: { reference: 'Observation/o0' } },
    ],
    contained: [
      {
        resourceType: 'Practitioner',
        id: 'c1',
        name: [{ family: 'F' }],
        extension: [{ url: 'u', valueCode: 'v' }],
      },
      { resourceType: 'Basic', id: 'c2' },
    ],
    unknownElement: true,
  },
  {
    resourceType: 'ReferralRequest',
    id: 'r1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    requester: { agent: { reference: 'Practitioner/x' }, onBehalfOf: { reference: 'Organization/o' } },
  },
];

describe('GP Connect conversion of the simulated population', () => {
  it('when every record of the population is read, then the output is byte for byte what it was', () => {
    const gp = generatePopulation({ size: 60 }).nodes.gp;
    const hash = createHash('sha256');
    let resources = 0;
    for (const record of gp.records.values()) {
      const nhsNumber = record.patient.identifier?.[0]?.value ?? '';
      const bundle = structuredRecord(
        record,
        {
          nhsNumber,
          sections: new Set<SimGpcSection>(GPC_SECTIONS),
          includeResolvedAllergies: true,
          includePrescriptionIssues: true,
        },
        { now: new Date('2026-11-01T09:00:00Z') },
      );
      const read = readStructuredRecord(structuredRecordResources(JSON.parse(JSON.stringify(bundle))), {
        nhsNumber,
        wanted: RECORD_RESOURCE_TYPES,
      });
      resources += read.record.resources.length + (read.record.supporting?.length ?? 0);
      hash.update(JSON.stringify(read)).update('\n');
    }

    for (const edge of EDGES) hash.update(JSON.stringify(convertStu3Resource(edge))).update('\n');

    expect(resources).toBeGreaterThan(500);
    expect(hash.digest('hex')).toBe(CONVERTED_DIGEST);
  });
});
