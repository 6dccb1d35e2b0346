import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { loadSigningKey, type SigningKey } from '../core/trust/signing-key';
import { EndpointPolicy, type EndpointPolicyConfig } from '../broker/events/endpoint-policy';
import { NotificationSender } from '../broker/events/notification-sender';
import { startEventBroker, type EventBroker } from './support/event-broker';
import { subscriptionTo } from './support/event-fixtures';

const textOf = (body: unknown): string =>
  ((body as OperationOutcome).issue ?? []).map((i) => i.details?.text ?? '').join(' ');

/** A local HTTP server that counts what it is sent and answers with `answer`. */
async function counter(
  answer: (res: ServerResponse) => void = (res) => res.writeHead(200).end(),
): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('subscriber endpoints cannot reach the broker’s own network (SSRF)', () => {
  let env: EventBroker;
  let local: Awaited<ReturnType<typeof counter>>;

  beforeAll(async () => {
    // http allowed (the simulated systems), private addresses not: the production default for addresses.
    env = await startEventBroker({ events: { subscriberEndpoints: { allowPrivateNetworks: false } } });
    local = await counter();
  });
  afterAll(async () => {
    await env.close();
    await close(local.server);
  });

  it.each([
    ['loopback', () => `http://127.0.0.1:${local.port}/notify`],
    ['localhost by name', () => `http://localhost:${local.port}/notify`],
    ['IPv6 loopback', () => `http://[::1]:${local.port}/notify`],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${local.port}/notify`],
    ['cloud metadata (link-local)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['RFC 1918', () => 'http://10.0.0.5/notify'],
    ['RFC 1918 (192.168)', () => 'http://192.168.1.10/notify'],
    ['unique local IPv6', () => 'http://[fd00::1]/notify'],
    ['IPv6 link-local', () => 'http://[fe80::1]/notify'],
    ['unspecified', () => `http://0.0.0.0:${local.port}/notify`],
    ['multicast', () => 'http://224.0.0.1/notify'],
  ])(
    'when a Subscription names a %s endpoint, then it is refused 400 naming the rule and nothing is sent there',
    async (_what, endpoint) => {
      const answer = await env.ed.post(
        env.broker.url,
        '/fhir/Subscription',
        subscriptionTo({ ods: 'R1X', endpoint: endpoint() }),
      );
      expect(answer.status).toBe(400);
      expect((answer.body as OperationOutcome).resourceType).toBe('OperationOutcome');
      expect(textOf(answer.body)).toMatch(/rule no-private-address/);
      expect(local.hits()).toBe(0);
    },
  );
});

describe('notification delivery connects only to the address it checked', () => {
  let key: SigningKey;
  const bundle: Bundle = { resourceType: 'Bundle', type: 'history' };
  const policy = (
    resolve: (host: string) => string,
    config: Partial<EndpointPolicyConfig> = {},
  ): EndpointPolicy =>
    new EndpointPolicy(
      { allowHttp: true, allowPrivateNetworks: false, allowedHosts: [], ...config },
      (host) => Promise.resolve([{ address: resolve(host), family: 4 }]),
    );
  const senderWith = (endpoints: EndpointPolicy): NotificationSender =>
    new NotificationSender({ key, timeoutMs: 2000, userAgent: 'test', endpoints });

  beforeAll(async () => {
    key = await loadSigningKey(undefined);
  });

  it('when the endpoint’s name resolves to the address checked, then the POST goes to that address (no second lookup)', async () => {
    const ed = await counter();
    // ed.invalid resolves nowhere in real DNS: only the pinned address can reach the server.
    const sender = senderWith(policy(() => '127.0.0.1', { allowedHosts: ['ed.invalid'] }));
    const sent = await sender.send(`http://ed.invalid:${ed.port}/notify`, bundle, 'n-1');
    sender.close();
    await close(ed.server);
    expect(sent).toEqual({ outcome: 'delivered', status: 200 });
    expect(ed.hits()).toBe(1);
  });

  it('when the name later resolves to a private address (DNS rebinding), then delivery is refused and nothing is sent', async () => {
    const ed = await counter();
    let answers = 0;
    const endpoints = policy(() => (answers++ === 0 ? '93.184.216.34' : '127.0.0.1'));
    // At creation: a public address.
    await expect(endpoints.check(`http://ed.invalid:${ed.port}/notify`)).resolves.toMatchObject({
      address: '93.184.216.34',
    });
    const sender = senderWith(endpoints);
    const sent = await sender.send(`http://ed.invalid:${ed.port}/notify`, bundle, 'n-2');
    sender.close();
    await close(ed.server);
    expect(sent).toEqual({ outcome: 'refused' });
    expect(ed.hits()).toBe(0);
  });

  it('when a name resolves to several addresses and one is private, then it is refused', async () => {
    const endpoints = new EndpointPolicy(
      { allowHttp: false, allowPrivateNetworks: false, allowedHosts: [] },
      () =>
        Promise.resolve([
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ]),
    );
    await expect(endpoints.check('https://ed.example/notify')).rejects.toMatchObject({
      rule: 'no-private-address',
    });
  });

  it('when the subscriber answers with a redirect, then it is not followed and the attempt is not delivered', async () => {
    const elsewhere = await counter();
    const ed = await counter((res) =>
      res.writeHead(307, { location: `http://127.0.0.1:${elsewhere.port}/metadata` }).end(),
    );
    const sender = senderWith(policy(() => '127.0.0.1', { allowPrivateNetworks: true }));
    const sent = await sender.send(`http://ed.invalid:${ed.port}/notify`, bundle, 'n-3');
    sender.close();
    await Promise.all([close(ed.server), close(elsewhere.server)]);
    expect(sent).toEqual({ outcome: 'http-other', status: 307 });
    expect(ed.hits()).toBe(1);
    expect(elsewhere.hits()).toBe(0);
  });
});
