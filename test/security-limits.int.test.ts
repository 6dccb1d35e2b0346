import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import { PERSONAS, type Persona } from '../sim/identity-provider';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { getFhir } from './support/fhir-http';
import { bearer, testIdentity } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
/** Valid (modulus 11) and known to no source. */
const UNKNOWN = '9000000041';
const METRICS_TOKEN_ENV = 'HIE_TEST_METRICS_TOKEN';
const METRICS_TOKEN = `metrics-${randomUUID()}`;

const nextOf = (bundle: Bundle): string | undefined => bundle.link?.find((l) => l.relation === 'next')?.url;

function person(organisationOds = 'Y90001'): Persona {
  return { ...PERSONAS.gp, userId: `sec-${randomUUID()}`, organisationOds };
}
async function tokenOf(who: Persona): Promise<string> {
  return `Bearer ${await (await testIdentity()).token(who)}`;
}

/** The AuditEvents recorded about one user, as the privacy officer reads them. */
async function auditedFor(fhir: string, userId: string): Promise<{ resource: { outcomeDesc?: string } }[]> {
  const { status, body } = await getFhir<{ entry?: { resource: { outcomeDesc?: string } }[] }>(
    `${fhir}/AuditEvent?agent=${encodeURIComponent(userId)}&_count=100`,
    { headers: { authorization: await bearer('privacy-officer') } },
  );
  expect(status).toBe(200);
  return body.entry ?? [];
}

describe('resource limits and smaller gaps', () => {
  let t: TestRegion;
  beforeAll(async () => {
    process.env[METRICS_TOKEN_ENV] = METRICS_TOKEN;
    t = await startTestRegion({
      config: {
        observability: { accessToken: { env: METRICS_TOKEN_ENV } },
        rateLimit: {
          perUser: { points: 20, durationSeconds: 60 },
          perOrganisation: { points: 100_000, durationSeconds: 60 },
        },
        audit: { refusalWindowSeconds: 2 },
        federation: { pageMaxBytes: 8_000_000, pageMaxBytesPerUser: 400_000 },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    delete process.env[METRICS_TOKEN_ENV];
  });

  it("when one user floods paged searches, then their own oldest pages go first (a byte budget per user), never another user's", async () => {
    const alice = await tokenOf(person());
    const first = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=2`, {
      headers: { authorization: alice },
    });
    expect(first.status).toBe(200);
    const alicesNext = nextOf(first.body)!;

    const mallory = await tokenOf(person());
    const links: string[] = [];
    for (let i = 0; i < 12; i++) {
      const page = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=2`, {
        headers: { authorization: mallory },
      });
      expect(page.status).toBe(200);
      links.push(nextOf(page.body)!);
    }
    // Twelve snapshots of the rich record are over Mallory's 400 kB: the oldest are gone (410)...
    expect((await getFhir(links[0]!, { headers: { authorization: mallory } })).status).toBe(410);
    expect((await getFhir(links.at(-1)!, { headers: { authorization: mallory } })).status).toBe(200);
    // ...and Alice's page is untouched.
    expect((await getFhir(alicesNext, { headers: { authorization: alice } })).status).toBe(200);
    // What the process holds for them is within the budgets, whatever the flood.
    const metrics = await (
      await fetch(`${t.broker.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    const held = Number(/^hie_page_snapshot_bytes (\d+)/m.exec(metrics)?.[1]);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(2 * 400_000);
  });

  it('when a path is sent in upper case (/FHIR, /API), then its refusal is audited exactly like the lower-case one', async () => {
    // One person each, so that each refusal is a first one (repeated refusals are recorded in aggregate).
    for (const path of ['/FHIR/Patient/123/$everything', '/API/v1/patients/123/record', '/Fhir/Condition']) {
      const who = person();
      const answer = await getFhir(`${t.broker.url}${path}`, {
        headers: { authorization: await tokenOf(who) },
      });
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      const audited = await auditedFor(t.fhir, who.userId);
      expect({ path, audited: audited.length }).toEqual({ path, audited: 1 });
    }
  });

  it('when a user with no relationship asks for a known and an unknown NHS number, then both answers are the same 403', async () => {
    const stranger = await bearer('unrelated-clinician');
    const known = await getFhir(`${t.fhir}/Patient/${RICH}/$everything`, {
      headers: { authorization: stranger },
    });
    const unknown = await getFhir(`${t.fhir}/Patient/${UNKNOWN}/$everything`, {
      headers: { authorization: stranger },
    });
    expect([known.status, unknown.status]).toEqual([403, 403]);
    expect(JSON.stringify(unknown.body)).toBe(JSON.stringify(known.body));
    for (const path of [
      `/Patient/${UNKNOWN}`,
      `/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${UNKNOWN}`,
      `/Condition?patient=${UNKNOWN}`,
    ]) {
      const answer = await getFhir(`${t.fhir}${path}`, { headers: { authorization: stranger } });
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
    }
  });

  it('when /metrics or /readyz detail is asked for without the configured bearer token, then it is refused; /livez and a bare /readyz stay open', async () => {
    expect((await fetch(`${t.broker.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${t.broker.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status,
    ).toBe(401);
    const metrics = await fetch(`${t.broker.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/hie_/);
    expect((await fetch(`${t.broker.url}/livez`)).status).toBe(200);
    const bare = await fetch(`${t.broker.url}/readyz`);
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ status: 'ready' });
    const detailed = await fetch(`${t.broker.url}/readyz`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(JSON.stringify(await detailed.json())).toMatch(/"sources"/);
  });

  it('when one user floods refused requests, then the journal holds the first refusal in full and one count per window, not one event each', async () => {
    const who = person();
    const authorization = await tokenOf(who);
    const statuses: number[] = [];
    for (let round = 0; round < 8; round++) {
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${t.fhir}/Condition`, { headers: { authorization, accept: 'application/fhir+json' } }),
        ),
      );
      statuses.push(...answers.map((a) => a.status));
    }
    // 20 within the budget (each a 400: a search without its patient), the rest 429.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(60);
    // The 2 s window ends, and the sweep (twice a window) records its counts.
    await new Promise((resolve) => setTimeout(resolve, 3300));
    // One more refusal after the window closes the window's aggregate.
    await fetch(`${t.fhir}/Condition`, { headers: { authorization } });
    const audited = (await auditedFor(t.fhir, who.userId)).map((e) => e.resource.outcomeDesc ?? '');
    // Per status (400 within the budget, 429 past it): the first in full and one count; then the late one.
    expect(audited.length).toBeLessThanOrEqual(5);
    const counted = (status: number): number =>
      audited
        .map((text) => new RegExp(`^HTTP ${status}: (\\d+) further refusals? of this requester`).exec(text))
        .reduce((sum, match) => sum + (match ? Number(match[1]) : 0), 0);
    const refused429 = statuses.filter((s) => s === 429).length;
    const refused400 = statuses.filter((s) => s === 400).length;
    // Complete: every refusal is in the trail, the first of each in full and the rest counted.
    expect(counted(429)).toBe(refused429 - 1);
    expect(counted(400)).toBe(refused400 - 1);
  });
});

describe("a source's next link is compared after URL normalisation", () => {
  let source: Server;
  let sourceUrl: string;
  const asked: { path: string; authorised: boolean }[] = [];
  let hop = '../admin/secrets';
  let broker: BrokerUnderTest;

  beforeAll(async () => {
    source = createServer((req, res) => {
      asked.push({ path: req.url ?? '', authorised: Boolean(req.headers.authorization) });
      const base = sourceUrl;
      const url = new URL(req.url ?? '/', base);
      res.setHeader('content-type', 'application/fhir+json');
      if (url.pathname === '/fhir/Patient') {
        res.end(
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'searchset',
            entry: [
              {
                resource: {
                  resourceType: 'Patient',
                  id: 'p1',
                  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: RICH }],
                  name: [{ family: 'Test' }],
                  birthDate: '1957-03-14',
                  gender: 'female',
                },
              },
            ],
          }),
        );
        return;
      }
      if (url.pathname === '/fhir/Condition') {
        res.end(
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'searchset',
            link: [{ relation: 'next', url: `${base}/fhir/${hop}` }],
            entry: [],
          }),
        );
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
    source.listen(0, '127.0.0.1');
    await once(source, 'listening');
    sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
    broker = await startBrokerUnderTest({
      id: 'next-link',
      sources: [
        {
          id: 'trust',
          kind: 'fhir-r4',
          name: 'Hostile trust',
          odsCode: 'Y90001',
          baseUrl: `${sourceUrl}/fhir`,
          supplies: ['Condition'],
        },
      ],
    });
  });
  afterAll(async () => {
    await broker.close();
    source.close();
  });

  it.each([
    '../admin/secrets',
    '%2e%2e/admin/secrets',
    '.%2E/admin/secrets',
    '%2e%2e%2fadmin',
    '/admin/secrets',
  ])(
    'when a next link climbs out of the base (%s), then it is not followed and the view says so',
    async (variant) => {
      hop = variant;
      asked.length = 0;
      const answer = await getFhir<Bundle>(`${broker.fhir}/Patient/${RICH}/$everything`);
      expect(answer.status).toBe(200);
      expect(asked.map((a) => a.path).filter((p) => !/^\/fhir\/(Patient|Condition)\?/.test(p))).toEqual([]);
      expect(JSON.stringify(answer.body)).toMatch(/foreign-next-link/);
    },
  );
});
