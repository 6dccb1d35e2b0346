import { UnsecuredJWT } from 'jose';
import {
  checkRequestHeaders,
  parseStructuredRecordRequest,
  STRUCTURED_RECORD_INTERACTION,
} from './structured-record-request';

const AUDIENCE = 'http://127.0.0.1:1/gpconnect/structured/fhir';
const NOW = new Date('2026-11-01T09:00:00Z');

function token(claims: Record<string, unknown> = {}, lifetime = 300): string {
  const iat = NOW.getTime() / 1000;
  return new UnsecuredJWT({
    reason_for_request: 'directcare',
    requested_scope: 'patient/*.read',
    requesting_device: {
      resourceType: 'Device',
      identifier: [{ system: 'https://broker/Id/device', value: 'b' }],
    },
    requesting_organization: {
      resourceType: 'Organization',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'X26' }],
    },
    requesting_practitioner: {
      resourceType: 'Practitioner',
      id: 'user-1',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'user-1' }],
    },
    ...claims,
  })
    .setIssuer('https://broker')
    .setSubject('user-1')
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .encode();
}

function headers(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'ssp-traceid': '629ea9ba-a077-4d99-b289-7a9b19fd4e03',
    'ssp-from': '200000000115',
    'ssp-to': '200000000116',
    'ssp-interactionid': STRUCTURED_RECORD_INTERACTION,
    authorization: `Bearer ${token()}`,
    ...overrides,
  };
}

const spineCode = (error: { body: unknown } | null): unknown =>
  (error?.body as { issue: { details?: { coding: { code: string }[] } }[] } | undefined)?.issue[0]?.details
    ?.coding[0]?.code;

describe('the simulated practice checks requests as GP Connect providers do', () => {
  it('when the headers and token are right, then the request is accepted', () => {
    expect(checkRequestHeaders(headers(), AUDIENCE, NOW)).toBeNull();
  });

  it('when the interaction id is another operation, then it answers 400 BAD_REQUEST', () => {
    const error = checkRequestHeaders(headers({ 'ssp-interactionid': 'urn:other' }), AUDIENCE, NOW);

    expect([error?.status, spineCode(error)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('when there is no bearer token, then it answers 401', () => {
    const error = checkRequestHeaders(headers({ authorization: '' }), AUDIENCE, NOW);

    expect(error?.status).toBe(401);
  });

  it.each([
    ['the reason is not direct care', token({ reason_for_request: 'secondaryuses' })],
    ['the token lives longer than five minutes', token({}, 3600)],
    [
      'the organisation has no ODS code',
      token({ requesting_organization: { resourceType: 'Organization', identifier: [] } }),
    ],
  ])('when %s, then it answers 400 BAD_REQUEST', (_when, jwt) => {
    const error = checkRequestHeaders(headers({ authorization: `Bearer ${jwt}` }), AUDIENCE, NOW);

    expect([error?.status, spineCode(error)]).toEqual([400, 'BAD_REQUEST']);
  });

  it('when includeMedication lacks includePrescriptionIssues, then it answers 422 INVALID_PARAMETER', () => {
    const result = parseStructuredRecordRequest(
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'patientNHSNumber',
            valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' },
          },
          { name: 'includeMedication' },
        ],
      },
      '2026-11-01',
    );

    expect('error' in result && [result.error.status, spineCode(result.error)]).toEqual([
      422,
      'INVALID_PARAMETER',
    ]);
  });

  it('when the areas are well formed, then they are read with their parts', () => {
    const result = parseStructuredRecordRequest(
      {
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'patientNHSNumber',
            valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' },
          },
          { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] },
          {
            name: 'includeMedication',
            part: [
              { name: 'includePrescriptionIssues', valueBoolean: true },
              { name: 'medicationSearchFromDate', valueDate: '2025-11-01' },
            ],
          },
        ],
      },
      '2026-11-01',
    );

    expect(result).toEqual({
      request: {
        nhsNumber: '9000000009',
        sections: new Set(['includeAllergies', 'includeMedication']),
        includeResolvedAllergies: false,
        includePrescriptionIssues: true,
        medicationSearchFromDate: '2025-11-01',
      },
    });
  });
});
