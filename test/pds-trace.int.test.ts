import type { AuditEvent, Bundle, CapabilityStatement, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { DEMO_PEOPLE } from '../sim/population/fixed/demo-people';
import type { PersonaId } from '../sim/identity-provider';
import { getFhir, reasonOf } from './support/fhir-http';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const { rich, restricted, gpAndNeighbour } = DEMO_PEOPLE;
// Someone who shares Priya Shah's family name, birth date and sex but not her given name or postcode.
const lookAlike = {
  ...gpAndNeighbour,
  nhsNumber: '9000000068',
  given: 'Anika',
  address: { line: ['1 High St'], city: 'Eastvale', postalCode: 'EQ1 1AA' },
};

const traceUrl = (t: TestRegion, params: Record<string, string>): string =>
  `${t.fhir}/Patient?${new URLSearchParams(params)}`;

const as = async (persona: PersonaId, headers: Record<string, string> = {}): Promise<RequestInit> => ({
  headers: { authorization: await bearer(persona), ...headers },
});

const EMERGENCY = {
  'x-hie-relationship': 'emergency',
  'x-hie-access-reason': 'Unconscious patient brought in by ambulance, no NHS number',
};

describe('tracing a patient without an NHS number (GET /fhir/Patient?family=…)', () => {
  let t: TestRegion;

  beforeAll(async () => {
    t = await startTestRegion({
      pds: {
        extraPeople: [lookAlike],
        // Tight enough to reach in a test: each case traces as its own persona, within three traces each.
        source: { trace: { perUser: { points: 3, durationSeconds: 60 } } },
      },
    });
  });
  afterEach(() => t.pds!.setFault(null));
  afterAll(() => t.close());

  const richTrace = {
    family: 'Clarke',
    birthdate: rich.birthDate,
    'address-postalcode': rich.address!.postalCode,
  };

  it('when family name, birth date and postcode match one person exactly, then the Patient with their NHS number is returned', async () => {
    const { status, body } = await getFhir<Bundle>(traceUrl(t, richTrace));
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    const patient = body.entry?.[0]?.resource as Patient;
    expect(patient.id).toBe(rich.nhsNumber);
    expect(patient.identifier?.[0]?.value).toBe(rich.nhsNumber);
    expect(body.entry?.[0]?.search).toEqual({ mode: 'match', score: 1 });
    // PDS only: no record source was asked anything.
    expect(t.region.nodes.gp.requests.patient + t.region.nodes.acute.requests.patient).toBe(0);
  });

  it('when a demographics service is configured, then the CapabilityStatement advertises the trace parameters', async () => {
    const { body } = await getFhir<CapabilityStatement>(`${t.fhir}/metadata`);
    const patient = body.rest![0]!.resource!.find((r) => r.type === 'Patient')!;
    expect(patient.searchParam!.map((p) => [p.name, p.type])).toEqual([
      ['identifier', 'token'],
      ['family', 'string'],
      ['given', 'string'],
      ['birthdate', 'date'],
      ['gender', 'token'],
      ['address-postalcode', 'string'],
    ]);
  });

  it('when two people match, then the searchset is empty with an outcome saying to refine the search', async () => {
    const { status, body } = await getFhir<Bundle>(
      traceUrl(t, { family: 'Shah', birthdate: gpAndNeighbour.birthDate, gender: 'female' }),
      await as('mh-nurse'),
    );
    expect(status).toBe(200);
    expect(body.total).toBe(0);
    expect(body.entry).toHaveLength(1);
    const outcome = body.entry?.[0]?.resource as OperationOutcome;
    expect(reasonOf(outcome.issue[0])).toBe('no-unique-match');
    expect(outcome.issue[0]?.details?.text).toMatch(/^No unique match: refine the search/);
  });

  it('when the inputs are fewer than family, birth date and gender or postcode, then 400 says what a trace needs', async () => {
    const { status, body } = await getFhir<OperationOutcome>(
      traceUrl(t, { family: 'Clarke', birthdate: rich.birthDate }),
    );
    expect(status).toBe(400);
    expect(body.issue[0]?.details?.text).toMatch(
      /needs at least family, birthdate and one of gender or address-postalcode/,
    );
    expect(body.issue[0]?.details?.text).not.toContain('Clarke');
  });

  it('when a receptionist traces, then 403 says tracing is for clinical roles', async () => {
    const { status, body } = await getFhir<OperationOutcome>(
      traceUrl(t, richTrace),
      await as('receptionist'),
    );
    expect(status).toBe(403);
    expect(body.issue[0]?.details?.text).toMatch(/for clinical roles/);
  });

  it('when the one match is a restricted patient, then the trace is refused without emergency access and answered with it', async () => {
    const params = { family: 'Morgan', birthdate: restricted.birthDate, gender: 'other' };
    const refused = await getFhir<OperationOutcome>(traceUrl(t, params), await as('paramedic'));
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0]?.details?.text).toMatch(
      /restricted patient: a trace finds them only with emergency access/,
    );

    const emergency = await getFhir<Bundle>(traceUrl(t, params), await as('paramedic', EMERGENCY));
    expect(emergency.status).toBe(200);
    const patient = emergency.body.entry?.[0]?.resource as Patient;
    expect(patient.id).toBe(restricted.nhsNumber);
    expect(patient.address).toBeUndefined();
  });

  it('when a trace is answered, then it is audited with its inputs base64 in the query entity and none of them in the logs', async () => {
    await getFhir<Bundle>(traceUrl(t, richTrace), await as('gp', { 'x-request-id': 'trace-audit-1' }));
    const trail = await getFhir<Bundle>(
      `${t.fhir}/AuditEvent?patient=${rich.nhsNumber}&_count=100`,
      await as('privacy-officer'),
    );
    const event = (trail.body.entry ?? [])
      .map((e) => e.resource as AuditEvent)
      .find((e) => JSON.stringify(e).includes('trace-audit-1'));
    expect(event).toBeDefined();
    expect(JSON.stringify(event)).toContain('patient-trace');
    const query = event!.entity!.find((e) => e.query)!.query!;
    expect(Buffer.from(query, 'base64').toString('utf8')).toContain('family=Clarke');
    const logs = JSON.stringify(t.logs);
    expect(logs).not.toContain('Clarke');
    expect(logs).not.toContain(rich.address!.postalCode.replace(' ', '+'));
    expect(logs).not.toContain(rich.birthDate);
  });

  it('when PDS is down, then the trace answers 503 saying to try again or search by NHS number', async () => {
    t.pds!.setFault({ fault: { kind: 'status', status: 500 } });
    const { status, body } = await getFhir<OperationOutcome>(traceUrl(t, richTrace), await as('mh-nurse'));
    expect(status).toBe(503);
    expect(body.issue[0]?.details?.text).toMatch(/could not be asked .*search by NHS number/);
  });

  it('when a user traces more than the trace budget, then 429 with Retry-After, while views are still allowed', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await getFhir(traceUrl(t, richTrace), await as('ed-doctor'))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await fetch(traceUrl(t, richTrace), await as('ed-doctor'));
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const view = await getFhir(`${t.fhir}/Patient/${rich.nhsNumber}`, await as('ed-doctor'));
    expect(view.status).toBe(200);
  });
});
