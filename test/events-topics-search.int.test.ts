import type { Basic, Bundle, CapabilityStatement, OperationOutcome, Subscription } from '@medplum/fhirtypes';
import { TOPICS } from '../broker/events/event-topics';
import { ReceivingEd } from '../sim/receiving-ed';
import { bearer } from './support/identity';
import { subscriptionTo } from './support/event-fixtures';
import { startEventBroker, type EventBroker } from './support/event-broker';
import { r4Errors } from './support/fhir-validator';

const TOPIC_URL_EXTENSION = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.url';

describe('topics as Basic resources, and searching Subscriptions', () => {
  let env: EventBroker;
  let ed: ReceivingEd;
  let mine: Subscription[];
  let theirs: Subscription;

  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const answer = await fetch(`${env.broker.fhir}${path}`, { headers: { accept: 'application/fhir+json' } });
    return { status: answer.status, body: await answer.json() };
  };
  const search = async (
    system: EventBroker['ed'],
    query: string,
  ): Promise<{ status: number; bundle: Bundle<Subscription> }> => {
    const answer = await system.send(env.broker.url, `/fhir/Subscription${query}`, { method: 'GET' });
    return { status: answer.status, bundle: answer.body as Bundle<Subscription> };
  };
  const ids = (bundle: Bundle<Subscription>): string[] => (bundle.entry ?? []).map((e) => e.resource!.id!);

  beforeAll(async () => {
    env = await startEventBroker();
    ed = await ReceivingEd.start(env.broker.jwksUrl);
    const make = async (system: EventBroker['ed'], body: Record<string, unknown>): Promise<Subscription> =>
      (await system.post(env.broker.url, '/fhir/Subscription', body)).body as Subscription;
    mine = [
      await make(env.ed, subscriptionTo({ ods: 'R1X', endpoint: ed.endpoint })),
      await make(env.ed, subscriptionTo({ ods: 'R1X', endpoint: `${ed.endpoint}?second` })),
    ];
    theirs = await make(env.otherEd, subscriptionTo({ ods: 'R1Y', endpoint: ed.endpoint }));
    await env.ed.send(env.broker.url, `/fhir/Subscription/${mine[1]!.id}`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await env.close();
    await ed.close();
  });

  it('when anyone searches Basic for SubscriptionTopic, then every published topic comes back in the Backport IG form', async () => {
    const answer = await get('/Basic?code=http://hl7.org/fhir/fhir-types|SubscriptionTopic');
    expect(answer.status).toBe(200);
    const bundle = answer.body as Bundle<Basic>;
    expect(bundle.total).toBe(Object.keys(TOPICS).length);
    const urls = bundle.entry!.map(
      (e) => e.resource!.extension!.find((x) => x.url === TOPIC_URL_EXTENSION)?.valueUri,
    );
    expect(urls).toEqual(Object.values(TOPICS).map((t) => t.url));
    for (const entry of bundle.entry!) {
      expect(entry.resource!.code.coding).toEqual([
        { system: 'http://hl7.org/fhir/fhir-types', code: 'SubscriptionTopic' },
      ]);
      // Re-parsed here: FHIR.js checks arrays with instanceof, which fetch's realm fails.
      expect(r4Errors(JSON.parse(JSON.stringify(entry.resource)) as object)).toEqual([]);
    }
  });

  it('when a topic is read by id, then it is served; an unknown id is 404 and other codes find nothing', async () => {
    const read = await get('/Basic/ambulance-arrival');
    expect(read.status).toBe(200);
    expect((read.body as Basic).extension).toContainEqual({
      url: TOPIC_URL_EXTENSION,
      valueUri: TOPICS['ambulance-arrival'].url,
    });
    const missing = await get('/Basic/no-such-topic');
    expect(missing.status).toBe(404);
    expect((missing.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect(((await get('/Basic?code=Patient')).body as Bundle).total).toBe(0);
    expect((await get('/Basic?subject=9000000009')).status).toBe(400);
  });

  it('when a system searches Subscriptions, then it sees its own only, filtered by status, url, criteria and _count', async () => {
    const all = await search(env.ed, '');
    expect(all.status).toBe(200);
    expect(all.bundle.type).toBe('searchset');
    expect(ids(all.bundle).sort()).toEqual(mine.map((s) => s.id).sort());
    expect(ids(all.bundle)).not.toContain(theirs.id);

    expect(ids((await search(env.ed, '?status=active')).bundle)).toEqual([mine[0]!.id]);
    expect(ids((await search(env.ed, '?status=off')).bundle)).toEqual([mine[1]!.id]);
    expect(ids((await search(env.ed, `?url=${encodeURIComponent(ed.endpoint)}`)).bundle)).toEqual([
      mine[0]!.id,
    ]);
    const byTopic = await search(env.ed, `?criteria=${encodeURIComponent(TOPICS['ambulance-arrival'].url)}`);
    expect(byTopic.bundle.total).toBe(2);
    const page = await search(env.ed, '?_count=1');
    expect(page.bundle.total).toBe(2);
    expect(page.bundle.entry).toHaveLength(1);

    expect(ids((await search(env.otherEd, '')).bundle)).toEqual([theirs.id]);
    expect(ids((await search(env.practice, '')).bundle)).toEqual([]);
  });

  it('when the search is malformed or the caller is not a registered system, then it is refused with an OperationOutcome', async () => {
    expect((await search(env.ed, '?status=bogus')).status).toBe(400);
    expect((await search(env.ed, '?patient=9000000009')).status).toBe(400);
    expect((await search(env.ed, '?_count=5000')).status).toBe(400);
    const user = await fetch(`${env.broker.fhir}/Subscription`, {
      headers: { authorization: await bearer('privacy-officer'), accept: 'application/fhir+json' },
    });
    expect([401, 403]).toContain(user.status);
    expect(((await user.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    const anonymous = await get('/Subscription');
    expect(anonymous.status).toBe(401);
  });

  it('when a client reads the CapabilityStatement, then it lists topic Basic read/search and Subscription search', async () => {
    const metadata = (await get('/metadata')).body as CapabilityStatement;
    const resources = metadata.rest![0]!.resource!;
    const basic = resources.find((r) => r.type === 'Basic');
    expect(basic?.interaction?.map((i) => i.code)).toEqual(['read', 'search-type']);
    expect(basic?.searchParam?.map((p) => p.name)).toContain('code');
    const subscription = resources.find((r) => r.type === 'Subscription');
    expect(subscription?.interaction?.map((i) => i.code)).toContain('search-type');
    expect(subscription?.searchParam?.map((p) => p.name)).toEqual(['status', 'url', 'criteria', '_count']);
  });
});
