import { randomBytes } from 'node:crypto';
import type { Bundle, BundleEntry, CapabilityStatement, OperationOutcome } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { PageStoreUnavailable } from '../broker/paging/page-snapshot-store';
import { RedisPageSnapshotStore } from '../broker/paging/redis-page-snapshot-store';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { closingOutcome, getFhir } from './support/fhir-http';
import { RedisServerProcess } from './support/redis-server';
import { startTestRegion, type TestRegion } from './support/test-region';
import { waitUntil } from './support/wait-until';

const RICH = DEMO_NHS_NUMBERS.rich;

const matchKeys = (entries: readonly BundleEntry[]): string[] =>
  entries
    .filter((e) => e.search?.mode === 'match')
    .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
const nextOf = (bundle: Bundle): string | undefined => bundle.link?.find((l) => l.relation === 'next')?.url;

/** Follows `next` links from a first page; returns every page. */
async function walk(first: Bundle): Promise<Bundle[]> {
  const pages = [first];
  for (let next = nextOf(first); next; next = nextOf(pages.at(-1)!)) {
    const { status, body } = await getFhir<Bundle>(next);
    expect(status).toBe(200);
    pages.push(body);
  }
  return pages;
}

describe('_count paging of merged results over real HTTP', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(() => t.close());

  it('when $everything is paged by 10, then the pages hold exactly the unpaged result, without a second fan-out', async () => {
    const unpaged = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`)).body;
    const before = { ...t.region.nodes.acute.requests };
    const first = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`);
    const afterFirst = { ...t.region.nodes.acute.requests };

    const pages = await walk(first.body);

    expect(afterFirst.search).toBeGreaterThan(before.search);
    expect(t.region.nodes.acute.requests).toEqual(afterFirst);
    expect(pages.length).toBe(Math.ceil(unpaged.total! / 10));
    const paged = pages.flatMap((p) => matchKeys(p.entry ?? []));
    expect(paged).toHaveLength(unpaged.total!);
    expect([...paged].sort()).toEqual(matchKeys(unpaged.entry ?? []).sort());
    for (const page of pages) {
      expect(page.total).toBe(unpaged.total);
      expect(matchKeys(page.entry ?? []).length).toBeLessThanOrEqual(10);
      expect(closingOutcome(page).resourceType).toBe('OperationOutcome');
      expect(page.link?.find((l) => l.relation === 'self')).toBeDefined();
    }
    expect(matchKeys(pages[0]!.entry ?? [])[0]).toBe(`Patient/${RICH}`);
    expect(pages[1]!.link?.find((l) => l.relation === 'previous')).toBeDefined();
    // Every resource a page's entries refer to that the unpaged result includes is on that page.
    const included = new Set(
      (unpaged.entry ?? [])
        .filter((e) => e.search?.mode === 'include')
        .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`),
    );
    for (const page of pages) {
      const onPage = new Set((page.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`));
      const wanted = JSON.stringify(page.entry?.filter((e) => e.search?.mode === 'match'))
        .match(/"reference":"[^"]+"/g)!
        .map((r) => r.slice('"reference":"'.length, -1))
        .filter((ref) => included.has(ref));
      expect(wanted.filter((ref) => !onPage.has(ref))).toEqual([]);
    }
  });

  it('when a page link is read, then it carries a random id and no NHS number', async () => {
    const first = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`)).body;
    const next = nextOf(first)!;

    expect(next).toMatch(/\/fhir\?_getpages=[A-Za-z0-9_-]{24}&_getpagesoffset=10&_count=10$/);
    expect(next).not.toContain(RICH);
  });

  it('when a per-type search is paged, then the pages hold the unpaged result', async () => {
    const unpaged = (await getFhir<Bundle>(`${t.fhir}/Observation?patient=${RICH}`)).body;
    const first = (await getFhir<Bundle>(`${t.fhir}/Observation?patient=${RICH}&_count=20`)).body;
    const pages = await walk(first);

    expect(pages.length).toBe(Math.ceil(unpaged.total! / 20));
    expect(pages.flatMap((p) => matchKeys(p.entry ?? [])).sort()).toEqual(
      matchKeys(unpaged.entry ?? []).sort(),
    );
  });

  it('when the result fits on one page, then it is answered whole, with no next link', async () => {
    const { body } = await getFhir<Bundle>(`${t.fhir}/CareTeam?patient=${RICH}&_count=1000`);

    expect(body.link?.map((l) => l.relation)).toEqual(['self']);
    expect(matchKeys(body.entry ?? [])).toHaveLength(body.total!);
  });

  it.each(['0', 'abc', '1001', '-5', '2.5'])(
    'when _count is %s, then the answer is a 400 naming _count',
    async (count) => {
      const { status, body } = await getFhir<OperationOutcome>(
        `${t.fhir}/Patient/${RICH}/$everything?_count=${count}`,
      );

      expect(status).toBe(400);
      expect(body.issue[0]).toMatchObject({
        code: 'invalid',
        expression: ['_count'],
        details: { text: '_count must be a whole number from 1 to 1000.' },
      });
    },
  );

  it('when a page id is unknown, then the answer is 404', async () => {
    const { status, body } = await getFhir<OperationOutcome>(
      `${t.fhir}?_getpages=${'A'.repeat(24)}&_getpagesoffset=10&_count=10`,
    );

    expect(status).toBe(404);
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('when the CapabilityStatement is read, then it documents _count', async () => {
    const { body } = await getFhir<CapabilityStatement>(`${t.fhir}/metadata`);
    const observation = body.rest![0]!.resource!.find((r) => r.type === 'Observation')!;

    expect(observation.searchParam?.map((p) => p.name)).toContain('_count');
  });
});

describe('page links after their time', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion({ federation: { pageTtlMs: 150 } });
  });
  afterAll(() => t.close());

  it('when a next link is followed after federation.pageTtlMs, then the answer is 410 Gone telling the user to repeat the search', async () => {
    const first = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`)).body;
    await new Promise((resolve) => setTimeout(resolve, 200));

    const { status, body } = await getFhir<OperationOutcome>(nextOf(first)!);

    expect(status).toBe(410);
    expect(body.issue[0]?.details?.text).toBe(
      'These search results have expired. Repeat the search to see the record as it is now.',
    );
  });
});

describe('page links kept in Redis', () => {
  let redis: RedisServerProcess;
  let probe: Redis;
  let t: TestRegion;
  beforeAll(async () => {
    // A redis-server of this test's own: it is paused and stopped below.
    redis = await RedisServerProcess.start();
    probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    probe.on('error', () => {});
    t = await startTestRegion({ config: { redis: { url: redis.url } } });
  });
  afterAll(async () => {
    await t.close();
    await probe.quit();
    await redis.stop();
  });

  const pageKeys = async (): Promise<string[]> =>
    (await probe.keys('hie-broker:demo-broker:page:*')).filter((k) => /:[A-Za-z0-9_-]{24}$/.test(k));

  it('when a search is paged, then its snapshot is kept in Redis, encrypted, and the pages hold the whole result', async () => {
    const unpaged = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`)).body;
    const first = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`)).body;
    const id = new URL(nextOf(first)!).searchParams.get('_getpages')!;

    const pages = await walk(first);

    expect(await pageKeys()).toContain(`hie-broker:demo-broker:page:${id}`);
    const stored = (await probe.getBuffer(`hie-broker:demo-broker:page:${id}`))!.toString('latin1');
    expect(stored).not.toContain(RICH);
    expect(stored).not.toContain('Patient');
    expect(pages.flatMap((p) => matchKeys(p.entry ?? [])).sort()).toEqual(
      matchKeys(unpaged.entry ?? []).sort(),
    );
  });

  it('when Redis does not answer in time, then the store gives up at its time limit with PageStoreUnavailable', async () => {
    const store = new RedisPageSnapshotStore({
      redis: probe,
      keyPrefix: `hie-broker:test-${randomBytes(4).toString('hex')}:page:`,
      ttlMs: 1000,
      key: randomBytes(32),
      timeoutMs: 200,
    });
    await probe.client('PAUSE', 2000, 'ALL');
    const started = performance.now();

    await expect(store.find('A'.repeat(24), 'u')).rejects.toBeInstanceOf(PageStoreUnavailable);
    // Given up at its 200 ms limit, not when Redis came back after 2 s (room left for a loaded machine).
    expect(performance.now() - started).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  });

  it('when Redis is down, then a search is still paged (in this process) and a link kept in Redis answers 503, to try again', async () => {
    const before = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`)).body;
    await redis.stop();

    const kept = await getFhir<OperationOutcome>(nextOf(before)!);
    const during = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`);
    const pages = await walk(during.body);

    expect(kept.status).toBe(503);
    expect(kept.headers.get('retry-after')).toBe('30');
    expect(kept.body.issue[0]).toMatchObject({ severity: 'error', code: 'transient' });
    expect(kept.body.issue[0]?.details?.text).toMatch(/^Later pages cannot be read just now/);
    expect(during.status).toBe(200);
    expect(pages.length).toBe(Math.ceil(during.body.total! / 10));
    expect(t.logs.map((l) => l.msg)).toContain(
      'redis is unavailable: page snapshots are kept in this process until it is back',
    );

    // Back, empty (as a Redis without persistence restarts): snapshots go to Redis again.
    await redis.restart();
    await waitUntil(
      'a paged search is kept in Redis again',
      async () => {
        await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything?_count=10`);
        return (await pageKeys().catch((): string[] => [])).length > 0; // the probe reconnects too
      },
      { timeoutMs: 10_000, everyMs: 200 },
    );
    expect(t.logs.map((l) => l.msg)).toContain('page snapshots are kept in redis again');
  });
});
