import type { Bundle, Consent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { NHS_NUMBER_SYSTEM } from '../core/fhir/systems';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { peerSource, startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { getFhir, sourceIssues, statusOf } from './support/fhir-http';
import { send, startHostilePeer, type HostilePeer, type VouchedClaims } from './support/hostile-peer';
import { bearer } from './support/identity';

const RICH = DEMO_NHS_NUMBERS.rich;
const population = generatePopulation({ size: 5 });
const PEER = 'south-region';

const gpStore = (node: { baseUrl: string }): Record<string, unknown> => ({
  id: 'gp',
  kind: 'fhir-r4',
  name: 'Northbrook Health Centre',
  odsCode: 'Y90001',
  baseUrl: node.baseUrl,
  supplies: ['Condition', 'Encounter'],
});

/** The peer as the target broker registers it: who it may vouch for. */
const registered = (
  peer: HostilePeer,
  organisations: readonly Record<string, unknown>[],
): Record<string, unknown> => ({
  clientId: peer.clientId,
  name: 'South Region',
  jwksUrl: peer.jwksUrl,
  // A governance role on the list too: governance duties must still never reach a vouched-for user.
  roles: ['R8000', 'R8013'],
  organisations,
});

function objection(nhsNumber: string): Consent {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    provision: { type: 'deny', period: { start: '2020-01-01' } },
  };
}

describe('the peer boundary: what a neighbouring broker may assert', () => {
  let store: RunningFhirNode;
  let peer: HostilePeer;
  let target: BrokerUnderTest;
  let token: string;

  beforeAll(async () => {
    store = await startFhirNode({ dataset: population.nodes.gp });
    peer = await startHostilePeer(PEER);
    target = await startBrokerUnderTest({
      id: 'target',
      sources: [gpStore(store)],
      peers: [registered(peer, [{ odsCode: 'RQM', sites: ['RQM01'] }, { odsCode: 'Y90001' }])],
    });
    token = await peer.accessToken(`${target.url}/oauth/token`);
  });
  afterAll(async () => {
    await target.close();
    await peer.close();
    await store.close();
  });

  /** A request to the target as the peer, vouching for the person `claims` describe. */
  const asPeer = async (
    path: string,
    options: { claims?: VouchedClaims; method?: string; body?: unknown; patient?: string } = {},
  ): ReturnType<typeof send> =>
    send(`${target.url}${path}`, {
      method: options.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        'x-hie-requester': await peer.requesterAssertion({
          audience: target.fhir,
          patient: options.patient ?? RICH,
          ...(options.claims ? { claims: options.claims } : {}),
        }),
        ...(options.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });

  const textOf = (answer: { body: Record<string, unknown> }): string => JSON.stringify(answer.body);

  it('when a peer vouches for a privacy officer (R8013), then the audit trail, alerts, objection register and dead-lettered notifications are refused, saying why', async () => {
    const officer = { role: 'R8013', org: 'RQM' };
    for (const path of [
      `/fhir/AuditEvent?patient=${RICH}`,
      '/admin/alerts',
      `/fhir/Consent?patient=${RICH}`,
      '/admin/notifications?status=dead-letter',
    ]) {
      const refused = await asPeer(path, { claims: officer });
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expect(textOf(refused)).toMatch(/never for a person a neighbouring broker vouches for/);
    }
    // This broker's own privacy officer still can.
    const own = await getFhir(`${target.fhir}/AuditEvent?patient=${RICH}`, {
      headers: { authorization: await bearer('privacy-officer') },
    });
    expect(own.status).toBe(200);
  });

  it('when a system token issued for system/*.read writes (Consent, an alert acknowledgement), then 403 insufficient scope, and nothing is written', async () => {
    const officer = { role: 'R8013', org: 'RQM' };
    const posted = await asPeer('/fhir/Consent', { claims: officer, method: 'POST', body: objection(RICH) });
    expect(posted.status).toBe(403);
    expect(posted.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(textOf(posted)).toMatch(/system\/\*\.read.*cannot write/);
    const put = await asPeer(`/fhir/Consent/${randomUUID()}`, {
      claims: officer,
      method: 'PUT',
      body: objection(RICH),
    });
    expect(put.status).toBe(403);
    const acknowledged = await asPeer(`/admin/alerts/${randomUUID()}/acknowledge`, {
      claims: officer,
      method: 'POST',
      body: {},
    });
    expect(acknowledged.status).toBe(403);
    // The register holds no objection for the patient: the view is still shown.
    const register = await getFhir<Bundle>(`${target.fhir}/Consent?patient=${RICH}`, {
      headers: { authorization: await bearer('privacy-officer') },
    });
    expect(register.body.entry ?? []).toEqual([]);
  });

  it('when a peer vouches for a role outside its allowlist, then 403 naming the role', async () => {
    const refused = await asPeer(`/fhir/Patient/${RICH}/$everything`, { claims: { role: 'R8001' } });
    expect(refused.status).toBe(403);
    expect(textOf(refused)).toMatch(/South Region may not vouch for role R8001/);
  });

  it('when a peer vouches for an organisation outside its allowlist, or a prefix of one, then 403; a configured site is accepted', async () => {
    for (const org of ['R1X', 'RQ', 'RQM0', 'RQM012', 'Y9000']) {
      const refused = await asPeer(`/fhir/Patient/${RICH}/$everything`, { claims: { org } });
      expect({ org, status: refused.status }).toEqual({ org, status: 403 });
      expect(textOf(refused)).toMatch(
        new RegExp(`South Region may not vouch for users of organisation ${org}\\b`),
      );
    }
    for (const org of ['RQM', 'RQM01', 'Y90001']) {
      const allowed = await asPeer(`/fhir/Patient/${RICH}/$everything`, { claims: { org } });
      expect({ org, status: allowed.status }).toEqual({ org, status: 200 });
    }
  });

  it("when a real neighbouring broker forwards a user outside the allowlist, then its view reports the target's refusal, and an allowed user's view is whole", async () => {
    const caller = await startBrokerUnderTest({
      id: PEER,
      pem: peer.pem,
      sources: [gpStore(store), peerSource(target, { id: 'target', clientId: PEER })],
    });
    try {
      const refused = await getFhir<Bundle>(`${caller.fhir}/Patient/${RICH}/$everything`, {
        headers: {
          authorization: await bearer('ed-doctor'),
          'x-hie-relationship': 'self-claimed',
          'x-hie-access-reason': 'Seen in the emergency department today',
        },
      });
      expect(refused.status).toBe(200);
      const [issue] = sourceIssues(refused.body, 'target');
      expect(statusOf(issue)).toBe('rejected');
      const allowed = await getFhir<Bundle>(`${caller.fhir}/Patient/${RICH}/$everything`);
      expect(sourceIssues(allowed.body, 'target')).toEqual([]);
      expect((allowed.body.entry ?? []).some((e) => e.resource?.id?.startsWith('target-gp-'))).toBe(true);
    } finally {
      await caller.close();
    }
  });
});

describe('rate limits for vouched-for users', () => {
  let store: RunningFhirNode;
  let peer: HostilePeer;
  let limited: BrokerUnderTest;

  beforeAll(async () => {
    store = await startFhirNode({ dataset: population.nodes.gp });
    peer = await startHostilePeer(PEER);
    limited = await startBrokerUnderTest({
      id: 'limited',
      sources: [gpStore(store)],
      peers: [
        registered(
          peer,
          ['Y90001', 'R1X', 'R1Y', 'R1Z', 'RQM'].map((odsCode) => ({ odsCode })),
        ),
      ],
      config: {
        rateLimit: {
          perUser: { points: 2, durationSeconds: 60 },
          perOrganisation: { points: 2, durationSeconds: 60 },
          perPeer: { points: 3, durationSeconds: 60 },
        },
      },
    });
  });
  afterAll(async () => {
    await limited.close();
    await peer.close();
    await store.close();
  });

  it('when a peer rotates the asserted user and organisation, then its own budget still runs out (429), and it never spends a local user’s budget', async () => {
    const token = await peer.accessToken(`${limited.url}/oauth/token`);
    const statuses: number[] = [];
    // The GP's own user id, asserted by the peer: it must not use up the GP's budget here.
    const people = [
      { sub: '555000000001', org: 'Y90001' },
      { sub: '555000000001', org: 'Y90001' },
      { sub: 'b', org: 'R1Y' },
      { sub: 'c', org: 'R1Z' },
      { sub: 'd', org: 'RQM' },
    ];
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (const claims of people) {
      last = await send(`${limited.fhir}/Patient/${RICH}/$everything`, {
        headers: {
          authorization: `Bearer ${token}`,
          'x-hie-requester': await peer.requesterAssertion({ audience: limited.fhir, patient: RICH, claims }),
        },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last?.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.stringify(last?.body)).toMatch(/through South Region/);
    const gp = await getFhir(`${limited.fhir}/Patient/${RICH}/$everything`);
    expect(gp.status).toBe(200);
  });
});
