import type { OperationOutcome } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { bearer } from './support/identity';
import { getFhir } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

describe('bad requests get a clear OperationOutcome with the right status', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(() => t.close());

  async function expectOutcome(
    path: string,
    status: number,
    text: RegExp,
    init: RequestInit = {},
  ): Promise<OperationOutcome> {
    const response = await fetch(`${t.fhir}${path}`, {
      ...init,
      headers: { accept: 'application/fhir+json', authorization: await bearer(), ...(init.headers ?? {}) },
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const body = (await response.json()) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.details?.text).toMatch(text);
    expect(JSON.stringify(body)).not.toMatch(/at .+\.(ts|js):\d+/);
    return body;
  }

  it.each([
    ['/Patient/900000000/$everything', /must be exactly 10 digits/],
    ['/Patient/90000000X9/$everything', /must contain digits only/],
    ['/Patient/9000000008/$everything', /fails the modulus-11 check/],
    [`/Patient?identifier=${NHS_NUMBER_SYSTEM}|12345`, /NHS number in identifier must be exactly 10 digits/],
    [
      '/Patient?identifier=9000000009',
      /identifier must be given as https:\/\/fhir.nhs.uk\/Id\/nhs-number\|\{NHS number\}/,
    ],
    ['/Condition?patient=9000000008', /NHS number in patient fails the modulus-11 check/],
  ])('when the NHS number in %s is malformed, then 400 says what is wrong', async (path, text) => {
    await expectOutcome(path, 400, text);
  });

  it('when a parameter is not supported, then 400 names it', async () => {
    const body = await expectOutcome(
      '/Patient/9000000009/$everything?_sort=date',
      400,
      /The parameter "_sort" is not supported\. Supported here: _type, _since, _count\./,
    );
    expect(body.issue[0]?.expression).toEqual(['_sort']);
    await expectOutcome('/Patient/9000000009/$everything?_type=Banana', 400, /_type names "Banana"/);
    await expectOutcome('/Patient/9000000009/$everything?_since=yesterday', 400, /_since must be an instant/);
    await expectOutcome(
      '/Patient/9000000009/$everything?_type=Condition&_type=Flag',
      400,
      /"_type" must be given once/,
    );
    await expectOutcome('/Condition', 400, /Search Condition by patient=/);
    await expectOutcome('/Patient', 400, /Search for a patient by identifier=/);
  });

  it('when a write is attempted, then 405 says the API is read-only and lists what is allowed', async () => {
    const response = await fetch(`${t.fhir}/Patient/9000000009`, {
      method: 'DELETE',
      headers: { authorization: await bearer() },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    const post = await fetch(`${t.fhir}/Patient`, {
      method: 'POST',
      headers: { authorization: await bearer(), 'content-type': 'application/fhir+json' },
      body: '{}',
    });
    expect(post.status).toBe(405);
  });

  it('when the client accepts only XML or HTML, then 406; JSON and application/json are both accepted', async () => {
    await expectOutcome('/metadata', 406, /FHIR JSON only/, { headers: { accept: 'application/fhir+xml' } });
    await expectOutcome('/metadata?_format=xml', 406, /FHIR JSON only/);
    expect(
      (await getFhir('/metadata'.replace(/^/, t.fhir), { headers: { accept: 'application/json' } })).status,
    ).toBe(200);
    expect((await getFhir(`${t.fhir}/metadata?_format=json`, { headers: { accept: '*/*' } })).status).toBe(
      200,
    );
  });

  it('when a resource type or path is unknown, then 404 says what is supported', async () => {
    await expectOutcome('/Banana?patient=9000000009', 404, /does not serve Banana resources/);
    await expectOutcome('/Patient/9000000009/$export', 404, /no FHIR endpoint/);
    const outside = await fetch(`${t.broker.url}/nowhere`);
    expect(outside.status).toBe(404);
  });

  it('when the URL cannot be decoded, then 400 and the broker keeps serving', async () => {
    await expectOutcome('/Patient/%E0%A4%A/$everything', 400, /could not be read/);
    expect((await getFhir(`${t.fhir}/metadata`)).status).toBe(200);
  });

  it('when the health endpoints are asked, then /livez and /readyz answer', async () => {
    expect((await fetch(`${t.broker.url}/livez`)).status).toBe(200);
    const ready = await fetch(`${t.broker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      sources: expect.arrayContaining([
        expect.objectContaining({ id: 'gp', kind: 'gp-connect', circuit: 'closed' }),
        expect.objectContaining({ id: 'acute', kind: 'fhir-r4', circuit: 'closed' }),
      ]),
    });
  });
});
