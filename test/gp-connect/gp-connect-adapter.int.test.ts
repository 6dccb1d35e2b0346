import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Resource } from '@medplum/fhirtypes';
import type { PatientQuery, SourceOutcome } from '../../core/source-contract';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { startGpConnectNode, type RunningGpConnectNode } from '../../sim/gp-connect-node';
import { generatePopulation } from '../../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';
import {
  GpConnectAdapter,
  GET_STRUCTURED_RECORD_INTERACTION,
} from '../../adapters/gp-connect/gp-connect-adapter';
import type { GpConnectOptions } from '../../adapters/gp-connect/gp-connect-sections';

const NOW = new Date('2026-11-01T09:00:00Z');
const CONFIG: GpConnectOptions = {
  fromAsid: '200000000359',
  toAsid: '918999198738',
  includeResolvedAllergies: true,
  medicationMonths: 12,
  includeConsultations: true,
  includeImmunisations: true,
  includeInvestigations: true,
  includeReferrals: true,
  includeUncategorisedData: true,
};
const SUPPLIES: readonly RecordResourceType[] = [
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'AllergyIntolerance',
  'Observation',
  'Encounter',
  'Immunization',
  'ServiceRequest',
];

describe('GP Connect adapter over HTTP against the simulated practice', () => {
  const population = generatePopulation({ size: 10 });
  const gp = population.nodes.gp;
  let node: RunningGpConnectNode;

  beforeAll(async () => {
    node = await startGpConnectNode({ dataset: gp, now: () => NOW });
  });
  afterEach(() => node.setFault(null));
  afterAll(() => node.close());

  function adapterWith(config: Partial<GpConnectOptions> = {}): GpConnectAdapter {
    return new GpConnectAdapter({
      source: {
        id: 'gp',
        kind: 'gp-connect',
        name: 'Northbrook Health Centre',
        odsCode: 'Y90001',
        baseUrl: node.baseUrl,
        supplies: SUPPLIES,
      },
      client: new SourceHttpClient({ maxSockets: 4, maxResponseBytes: 5 * 1024 * 1024, userAgent: 'test' }),
      config: { ...CONFIG, ...config },
      onFault: (error) => {
        throw error;
      },
      now: () => NOW,
    });
  }

  async function fetchWith(
    nhsNumber: string,
    resourceTypes: readonly RecordResourceType[],
    config: Partial<GpConnectOptions> = {},
  ): Promise<SourceOutcome> {
    const adapter = adapterWith(config);
    const query: PatientQuery = {
      queryId: 'query-1',
      nhsNumber,
      resourceTypes,
      requester: { userId: 'user-42', role: 'R8000', organisationOds: 'X26', purposeOfUse: 'TREAT' },
      chain: [],
      deadline: Date.now() + 5000,
    };
    try {
      return await adapter.fetch(query, {
        signal: AbortSignal.timeout(5000),
        trace: { requestId: 'request-1' },
      });
    } finally {
      await adapter.close();
    }
  }

  function parameterNames(): string[] {
    const body = node.lastParameters() as { parameter: { name: string }[] };
    return body.parameter.map((p) => p.name);
  }

  it('when it asks for a record, then it sends the Spine headers and the request id', async () => {
    await fetchWith(DEMO_NHS_NUMBERS.rich, ['AllergyIntolerance']);

    const headers = node.lastHeaders();
    expect(headers['ssp-traceid']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(headers['ssp-from']).toBe('200000000359');
    expect(headers['ssp-to']).toBe('918999198738');
    expect(headers['ssp-interactionid']).toBe(GET_STRUCTURED_RECORD_INTERACTION);
    expect(headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(headers.accept).toBe('application/fhir+json');
    expect(headers['x-request-id']).toBe('request-1');
  });

  it('when it asks for a record, then its token is an unsigned GP Connect JWT that never names the patient', async () => {
    await fetchWith(DEMO_NHS_NUMBERS.rich, ['AllergyIntolerance']);

    const token = String(node.lastHeaders().authorization).replace(/^Bearer /, '');
    const claims = decodeJwt(token);
    expect(decodeProtectedHeader(token).alg).toBe('none');
    expect(claims).toMatchObject({
      iss: 'https://hie-broker.org',
      sub: 'user-42',
      aud: node.baseUrl,
      iat: NOW.getTime() / 1000,
      exp: NOW.getTime() / 1000 + 300,
      reason_for_request: 'directcare',
      requested_scope: 'patient/*.read',
      requesting_device: { resourceType: 'Device' },
      requesting_organization: {
        resourceType: 'Organization',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'X26' }],
      },
      requesting_practitioner: {
        resourceType: 'Practitioner',
        id: 'user-42',
        identifier: expect.arrayContaining([
          { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'user-42' },
        ]),
      },
    });
    expect(JSON.stringify(claims)).not.toContain(DEMO_NHS_NUMBERS.rich);
  });

  it('when only allergies are wanted, then only the allergies area is asked for', async () => {
    await fetchWith(DEMO_NHS_NUMBERS.rich, ['AllergyIntolerance']);

    expect(node.lastParameters()).toEqual({
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'patientNHSNumber',
          valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: DEMO_NHS_NUMBERS.rich },
        },
        { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
      ],
    });
  });

  it('when medication statements are wanted, then medication is asked for from the configured months back, without issues', async () => {
    await fetchWith(DEMO_NHS_NUMBERS.rich, ['MedicationStatement']);

    const body = node.lastParameters() as { parameter: unknown[] };
    expect(body.parameter[1]).toEqual({
      name: 'includeMedication',
      part: [
        { name: 'includePrescriptionIssues', valueBoolean: false },
        { name: 'medicationSearchFromDate', valueDate: '2025-11-01' },
      ],
    });
  });

  it('when observations are wanted and uncategorised data is not configured, then only investigations are asked for', async () => {
    await fetchWith(DEMO_NHS_NUMBERS.rich, ['Observation', 'Encounter'], { includeUncategorisedData: false });

    expect(parameterNames()).toEqual(['patientNHSNumber', 'includeConsultations', 'includeInvestigations']);
  });

  it('when no area is needed, then only the patient is asked for and the outcome has the patient alone', async () => {
    const outcome = await fetchWith(DEMO_NHS_NUMBERS.rich, []);

    expect(parameterNames()).toEqual(['patientNHSNumber']);
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(outcome.record.patient.identifier?.[0]?.value).toBe(DEMO_NHS_NUMBERS.rich);
    expect(outcome.record.resources).toEqual([]);
  });

  it('when the record is served, then it holds only the wanted types, each of the patient, with what they refer to', async () => {
    const outcome = await fetchWith(DEMO_NHS_NUMBERS.rich, ['Condition', 'MedicationStatement']);

    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    const localId = gp.localIdByNhs.get(DEMO_NHS_NUMBERS.rich);
    const types = new Set(outcome.record.resources.map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['Condition', 'MedicationStatement']);
    for (const resource of outcome.record.resources)
      expect((resource as Resource & { subject?: { reference?: string } }).subject?.reference).toBe(
        `Patient/${localId}`,
      );
    const supporting = new Set((outcome.record.supporting ?? []).map((r) => r.resourceType));
    expect([...supporting].sort()).toEqual(['Medication', 'Organization', 'Practitioner']);
  });

  it('when the practice withheld confidential items, then the outcome warns about that section', async () => {
    const outcome = await fetchWith(DEMO_NHS_NUMBERS.restricted, ['AllergyIntolerance', 'Condition']);

    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(outcome.warnings).toContainEqual(
      expect.objectContaining({ severity: 'warning', reason: 'gpc-confidential-items' }),
    );
  });

  it('when the practice answers PATIENT_NOT_FOUND, then the outcome is no-match', async () => {
    const outcome = await fetchWith('9434765919', ['Condition']);

    expect(outcome.status).toBe('no-match');
  });

  it('when the practice answers NO_PATIENT_CONSENT, then the outcome is rejected for the patient’s dissent', async () => {
    const outcome = await fetchWith(DEMO_NHS_NUMBERS.objection, ['Condition']);

    expect(outcome).toMatchObject({
      status: 'rejected',
      issue: { severity: 'error', code: 'forbidden', reason: 'no-patient-consent' },
    });
  });

  it('when the practice answers INVALID_NHS_NUMBER, then the outcome is rejected for an invalid NHS number', async () => {
    const outcome = await fetchWith('9000000001', ['Condition']);

    expect(outcome).toMatchObject({
      status: 'rejected',
      issue: { reason: 'invalid-nhs-number', code: 'value' },
    });
  });

  it('when the practice answers 500 INTERNAL_SERVER_ERROR, then the outcome is an error naming it', async () => {
    node.setFault({ fault: { kind: 'status', status: 500 } });

    const outcome = await fetchWith(DEMO_NHS_NUMBERS.rich, ['Condition']);

    expect(outcome).toMatchObject({ status: 'error', issue: { reason: 'internal-server-error' } });
  });

  it('when the practice adds another person’s item, then it passes through referring to that person, for the identity guard', async () => {
    node.setFault({ fault: { kind: 'other-patient' } });

    const outcome = await fetchWith(DEMO_NHS_NUMBERS.rich, ['Condition']);

    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    const localId = gp.localIdByNhs.get(DEMO_NHS_NUMBERS.rich);
    const foreign = outcome.record.resources.filter(
      (r) =>
        (r as Resource & { subject?: { reference?: string } }).subject?.reference !== `Patient/${localId}`,
    );
    expect(foreign).toHaveLength(1);
  });
});
