import { randomUUID } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import type { Persona } from '../sim/identity-provider';
import { generatePopulation } from '../sim/population/generate-population';
import { startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { testIdentity } from './support/identity';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMITS = {
  perUser: { points: 3, durationSeconds: 60 },
  perOrganisation: { points: 5, durationSeconds: 60 },
};

/** A clinician no other test uses, so each test starts with a fresh budget. */
function clinician(organisationOds: string): Persona {
  return {
    userId: `rl-${randomUUID()}`,
    name: 'Dr Test',
    role: 'R8000',
    roleName: 'Clinical Practitioner',
    organisationOds,
    organisationName: 'Test Trust',
    purposeOfUse: 'TREAT',
  };
}

const freshOrg = (): string => `T${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`;

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: OperationOutcome;
}

/**
 * A patient-data request that authenticates, spends the budget and then fails fast in the route
 * (a search without its patient): the limit is what is under test, not the federation.
 */
async function ask(
  broker: BrokerUnderTest,
  who: Persona,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const token = await (await testIdentity()).token(who);
  const response = await fetch(`${broker.fhir}/Condition`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json', ...headers },
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as OperationOutcome,
  };
}

async function askTimes(broker: BrokerUnderTest, who: Persona, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await ask(broker, who)).status);
  return statuses;
}

const gpSource = (node: { baseUrl: string }): Record<string, unknown> => ({
  id: 'gp',
  kind: 'fhir-r4',
  name: 'Store gp',
  odsCode: 'Y90001',
  baseUrl: node.baseUrl,
  supplies: ['Condition'],
});

describe('rate limits per user and per organisation', () => {
  let store: RunningFhirNode;
  beforeAll(async () => {
    store = await startFhirNode({ dataset: generatePopulation({ size: 2 }).nodes.gp });
  });
  afterAll(() => store.close());

  describe('in process (no Redis)', () => {
    let broker: BrokerUnderTest;
    beforeAll(async () => {
      broker = await startBrokerUnderTest({
        id: 'rate-memory',
        sources: [gpSource(store)],
        config: { rateLimit: LIMITS },
      });
    });
    afterAll(() => broker.close());

    it('when a user goes over their limit, then 429 with Retry-After and an OperationOutcome; another user is unaffected', async () => {
      const org = freshOrg();
      const busy = clinician(org);
      expect(await askTimes(broker, busy, 3)).toEqual([400, 400, 400]);

      const over = await ask(broker, busy);
      expect(over.status).toBe(429);
      expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
      expect(over.body.resourceType).toBe('OperationOutcome');
      expect(over.body.issue[0]).toMatchObject({
        code: 'throttled',
        details: { text: expect.stringMatching(/You have opened more records/) },
      });

      expect((await ask(broker, clinician(org))).status).toBe(400);
    });

    it('when X-Forwarded-For is forged on every request, then the limit still follows the signed-in user and the answer is unchanged', async () => {
      const user = clinician(freshOrg());
      const plain = await ask(broker, clinician(freshOrg()));
      const forged = await ask(broker, user, { 'x-forwarded-for': '203.0.113.1' });
      expect(forged).toEqual(plain);
      await ask(broker, user, { 'x-forwarded-for': '203.0.113.2' });
      await ask(broker, user, { 'x-forwarded-for': '198.51.100.7, 10.0.0.1' });
      const over = await ask(broker, user, { 'x-forwarded-for': '192.0.2.99' });
      expect(over.status).toBe(429);
    });

    it('when an organisation goes over its limit, then its users get 429 and other organisations are unaffected', async () => {
      const org = freshOrg();
      expect(await askTimes(broker, clinician(org), 3)).toEqual([400, 400, 400]);
      const colleague = clinician(org);
      expect(await askTimes(broker, colleague, 2)).toEqual([400, 400]);
      const over = await ask(broker, colleague);
      expect(over.status).toBe(429);
      expect(over.body.issue[0]?.details?.text).toMatch(/Your organisation has opened more records/);
      expect((await ask(broker, clinician(freshOrg()))).status).toBe(400);
    });

    it('when a user is already over their own limit, then their refused requests do not use up the organisation', async () => {
      const org = freshOrg();
      const busy = clinician(org);
      expect(await askTimes(broker, busy, 8)).toEqual([400, 400, 400, 429, 429, 429, 429, 429]);
      // Three of the organisation's five were spent, so a colleague still has two.
      expect(await askTimes(broker, clinician(org), 2)).toEqual([400, 400]);
    });
  });

  describe('shared through Redis', () => {
    let redis: Redis;
    let id: string;
    let podA: BrokerUnderTest;
    let podB: BrokerUnderTest;
    beforeAll(async () => {
      redis = new Redis(REDIS_URL);
      // A unique broker id is a unique key prefix: hie-broker:<id>:rate:...
      id = `rl-${randomUUID().slice(0, 8)}`;
      const pod = (): Promise<BrokerUnderTest> =>
        startBrokerUnderTest({
          id,
          sources: [gpSource(store)],
          config: { rateLimit: LIMITS, redis: { url: REDIS_URL } },
        });
      podA = await pod();
      podB = await pod();
    });
    afterAll(async () => {
      await podA.close();
      await podB.close();
      const keys = await redis.keys(`hie-broker:${id}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    it('when a user spreads requests over two pods, then the pods share one budget', async () => {
      const user = clinician(freshOrg());
      expect(await askTimes(podA, user, 2)).toEqual([400, 400]);
      expect((await ask(podB, user)).status).toBe(400);
      const over = await ask(podB, user);
      expect(over.status).toBe(429);
      expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
      expect((await ask(podA, user)).status).toBe(429);
      expect(await redis.get(`hie-broker:${id}:rate:user:${user.userId}`)).toBe('5');
    });

    it('when another user of another organisation asks meanwhile, then they are unaffected', async () => {
      expect(await askTimes(podB, clinician(freshOrg()), 3)).toEqual([400, 400, 400]);
    });
  });

  describe('when Redis is unreachable', () => {
    let broker: BrokerUnderTest;
    beforeAll(async () => {
      broker = await startBrokerUnderTest({
        id: 'rate-no-redis',
        sources: [gpSource(store)],
        config: { rateLimit: LIMITS, redis: { url: 'redis://127.0.0.1:1' } },
      });
    });
    afterAll(async () => {
      await broker.close();
      // ioredis destroys a half-open socket 2 s after disconnect(); wait it out so jest exits cleanly.
      await new Promise((resolve) => setTimeout(resolve, 2100));
    });

    it('then the broker still answers and limits each user in process', async () => {
      expect(await askTimes(broker, clinician(freshOrg()), 4)).toEqual([400, 400, 400, 429]);
      expect(
        broker.logs.some(
          (l) => l.msg === 'redis is not reachable yet: rate limits count per process until it is',
        ),
      ).toBe(true);
    });
  });
});
