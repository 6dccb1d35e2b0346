import { loadSigningKey, type SigningKey } from '../core/trust/signing-key';
import { createPdsClient } from '../broker/federation/create-pds-client';
import type { PdsClient } from '../adapters/pds/pds-client';
import { configuredSourceSchema, type PdsSourceConfig } from '../config/schema';
import { DEMO_PEOPLE } from '../sim/population/fixed/demo-people';
import { SUPERSEDED_DEMO_NUMBER } from '../sim/pds-node';
import type { RunningSimNode } from '../sim/sim-node-base';
import { pdsSource, servedJwks, startTestPds } from './support/pds-region';

const people = Object.values(DEMO_PEOPLE);
const rich = DEMO_PEOPLE.rich;
// A look-alike of the rich patient: same family name, birth date and postcode, another given name.
const twin = { ...rich, nhsNumber: '9000000068', given: 'Anne' };

describe('the PDS adapter against the simulated PDS (conformance)', () => {
  let key: SigningKey;
  let jwks: { url: string; close: () => Promise<void> };
  let node: RunningSimNode;
  let pds: PdsClient;

  const call = (timeoutMs = 2000) => ({
    signal: AbortSignal.timeout(timeoutMs),
    trace: { requestId: 'conformance-request' },
  });

  beforeAll(async () => {
    key = await loadSigningKey(undefined);
    jwks = await servedJwks(key);
    node = await startTestPds({
      people: [...people, twin],
      deceased: { [DEMO_PEOPLE.objection.nhsNumber]: '2026-10-30T08:15:00+00:00' },
      jwksUrl: () => jwks.url,
    });
    const config = configuredSourceSchema.parse(pdsSource(node)) as PdsSourceConfig;
    pds = createPdsClient(config, { userAgent: 'test', signingKey: key, onFault: () => {} });
  });
  afterEach(() => node.setFault(null));
  afterAll(async () => {
    await pds.close();
    await node.close();
    await jwks.close();
  });

  it('when a known NHS number is read, then PDS answers the patient with signed-JWT auth and request ids', async () => {
    const outcome = await pds.read(rich.nhsNumber, call());
    expect(outcome).toMatchObject({ status: 'ok', nhsNumber: rich.nhsNumber });
    expect(outcome.status === 'ok' && outcome.patient.birthDate).toBe(rich.birthDate);
    const headers = node.lastHeaders();
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['x-correlation-id']).toBe('conformance-request');
    expect(String(headers.authorization)).toMatch(/^Bearer /);
  });

  it('when an unknown NHS number is read, then the outcome is not-found', async () => {
    expect(await pds.read('9000000076', call())).toMatchObject({ status: 'not-found' });
  });

  it('when a superseded NHS number is read, then PDS answers the patient under the current number', async () => {
    const outcome = await pds.read(SUPERSEDED_DEMO_NUMBER, call());
    expect(outcome).toMatchObject({ status: 'ok', nhsNumber: rich.nhsNumber });
  });

  it('when a restricted patient is read, then the Patient is labelled R and has no address, telecom or GP', async () => {
    const outcome = await pds.read(DEMO_PEOPLE.restricted.nhsNumber, call());
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.patient.meta?.security?.map((c) => c.code)).toContain('R');
    expect(outcome.patient.address).toBeUndefined();
    expect(outcome.patient.telecom).toBeUndefined();
    expect(outcome.patient.generalPractitioner).toBeUndefined();
  });

  it('when a deceased patient is read, then the date of death is carried', async () => {
    const outcome = await pds.read(DEMO_PEOPLE.objection.nhsNumber, call());
    expect(outcome.status === 'ok' && outcome.patient.deceasedDateTime).toBe('2026-10-30T08:15:00+00:00');
  });

  it('when a search matches one person exactly, then it answers them with score 1', async () => {
    const outcome = await pds.search(
      { family: 'clarke', given: 'Amelia', birthdate: rich.birthDate, postcode: 'nb47qa', maxResults: 2 },
      call(),
    );
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.matches.map((m) => [m.patient.id, m.score])).toEqual([[rich.nhsNumber, 1]]);
  });

  it('when a search matches nobody, then it answers no matches', async () => {
    const outcome = await pds.search({ family: 'Nobody', birthdate: '2001-01-01', maxResults: 2 }, call());
    expect(outcome).toMatchObject({ status: 'ok', matches: [] });
  });

  it('when a search matches more people than _max-results, then it answers too-many', async () => {
    const outcome = await pds.search(
      { family: 'Clarke', birthdate: rich.birthDate, gender: 'female', maxResults: 1 },
      call(),
    );
    expect(outcome.status).toBe('too-many');
  });

  it('when a fuzzy search finds a near match, then its score is below 1', async () => {
    const outcome = await pds.search(
      { family: 'Clark', given: 'Amelia', birthdate: rich.birthDate, fuzzy: true, maxResults: 5 },
      call(),
    );
    if (outcome.status !== 'ok') throw new Error(outcome.status);
    expect(outcome.matches.find((m) => m.patient.id === rich.nhsNumber)?.score).toBeLessThan(1);
  });

  it.each([
    [401, 'rejected', 'http-401'],
    [403, 'rejected', 'http-403'],
    [429, 'error', 'http-429'],
    [500, 'error', 'http-500'],
  ])('when PDS answers %i, then the outcome is %s (%s)', async (status, expected, reason) => {
    node.setFault({ fault: { kind: 'status', status } });
    const outcome = await pds.read(rich.nhsNumber, call());
    expect(outcome.status).toBe(expected);
    expect(outcome.status !== 'ok' && outcome.status !== 'not-found' && outcome.issue.reason).toBe(reason);
  });

  it('when PDS hangs, then the read times out at the caller deadline', async () => {
    node.setFault({ fault: { kind: 'hang' } });
    const started = performance.now();
    const outcome = await pds.read(rich.nhsNumber, call(300));
    expect(outcome.status).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it.each(['malformed-json', 'wrong-content-type', 'wrong-resource-type'] as const)(
    'when PDS answers %s, then the outcome is an error, never a patient',
    async (kind) => {
      node.setFault({ fault: { kind } });
      const outcome = await pds.read(rich.nhsNumber, call());
      expect(outcome.status).toBe('error');
    },
  );
});
