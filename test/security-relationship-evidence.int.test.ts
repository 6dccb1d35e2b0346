import type { Encounter, Patient } from '@medplum/fhirtypes';
import type { Requester } from '../core/requester';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS, type NodeRecord, type Population } from '../sim/population/types';
import { PERSONAS } from '../sim/identity-provider';
import { getFhir } from './support/fhir-http';
import { bearer, testIdentity } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';
import { startVouchingPeer, type VouchingPeer } from './support/vouching-peer';

const RICH = DEMO_NHS_NUMBERS.rich;
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** The demo population, with what a hostile source could say about organisations other than its own. */
function forgedPopulation(): Population {
  const population = generatePopulation({ size: 20 });
  const edit = (node: 'mental-health' | 'acute', change: (record: NodeRecord) => NodeRecord): void => {
    const dataset = population.nodes[node];
    const localId = dataset.localIdByNhs.get(RICH)!;
    (dataset.records as Map<string, NodeRecord>).set(localId, change(dataset.records.get(localId)!));
  };
  // The mental health trust's system claims an encounter run by the far-away surgery (Y99999).
  edit('mental-health', (record) => {
    const forged: Encounter = {
      resourceType: 'Encounter',
      id: 'forged-enc',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `Patient/${record.localId}` },
      serviceProvider: { identifier: { system: ODS, value: 'Y99999' } },
    };
    return { ...record, resources: [...record.resources, forged] };
  });
  // The acute trust's system names a second registered practice (Y99998) that is not the patient's.
  edit('acute', (record) => {
    const patient: Patient = {
      ...record.patient,
      generalPractitioner: [
        ...(record.patient.generalPractitioner ?? []),
        { identifier: { system: ODS, value: 'Y99998' } },
      ],
    };
    return { ...record, patient };
  });
  return population;
}

/** A clinician of the given organisation (a real signed token from the test identity provider). */
async function clinicianAt(org: string, userId = '555000000777'): Promise<string> {
  const token = await (
    await testIdentity()
  ).token({ ...PERSONAS['unrelated-clinician'], userId, organisationOds: org });
  return `Bearer ${token}`;
}

interface AlertList {
  alerts: { kind: string; user: { id: string; organisation: string }; reason?: string }[];
}

describe('relationship evidence that a source cannot forge', () => {
  let t: TestRegion;
  let peer: VouchingPeer;
  beforeAll(async () => {
    const population = forgedPopulation();
    peer = await startVouchingPeer({ id: 'north-east' });
    t = await startTestRegion({
      population,
      config: {
        peers: [peer.peerConfig],
        organisations: { R1X01: { name: 'Riverside General (site)', partOf: 'R1X' } },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await peer.close();
  });

  const open = async (authorization: string, headers: Record<string, string> = {}) =>
    getFhir(`${t.fhir}/Patient/${RICH}/$everything`, { headers: { authorization, ...headers } });

  it("when an organisation code is a prefix of a source's (R of R1X, Y of Y90001), then it is not the same organisation: 403", async () => {
    for (const org of ['R', 'R1', 'Y', 'Y9000']) {
      const answer = await open(await clinicianAt(org));
      expect({ org, status: answer.status }).toEqual({ org, status: 403 });
      expect(JSON.stringify(answer.body)).toMatch(/No legitimate relationship/);
    }
  });

  it("when a code extends a source's (R1X99, not configured as its site), then it is not the same organisation: 403", async () => {
    const answer = await open(await clinicianAt('R1X99'));
    expect(answer.status).toBe(403);
  });

  it("when a site is configured under organisations with partOf its trust, then its clinicians share the trust's relationship", async () => {
    const answer = await open(await clinicianAt('R1X01'));
    expect(answer.status).toBe(200);
  });

  it("when one source sends an encounter run by another organisation, then that organisation's clinician is not verified by it", async () => {
    // The forged encounter is in the record (the view would show it to someone related)...
    const related = await open(await bearer('mh-nurse'));
    expect(JSON.stringify(related.body)).toMatch(/forged-enc/);
    // ...but it is no evidence for the far-away surgery, which has no source of its own here.
    const answer = await open(await bearer('unrelated-clinician'));
    expect(answer.status).toBe(403);
    expect(JSON.stringify(answer.body)).not.toMatch(/forged-enc/);
  });

  it("when a source names a registered practice other than itself, then that practice's clinician is not verified by it", async () => {
    const answer = await open(await clinicianAt('Y99998'));
    expect(answer.status).toBe(403);
  });

  it('when a peer vouches for a self-claimed or emergency access, then a privacy-officer alert is raised here, with the peer named in the audit', async () => {
    const requester = (userId: string, basis: 'self-claimed' | 'emergency'): Requester => ({
      userId,
      role: 'R8000',
      organisationOds: 'RAJ',
      purposeOfUse: 'TREAT',
      relationship: { basis, reason: 'Patient seen in our emergency department tonight' },
    });
    const selfClaimed = await peer.get(
      t.broker,
      `/Patient/${RICH}/$everything`,
      requester('555000000801', 'self-claimed'),
    );
    const emergency = await peer.get(
      t.broker,
      `/Patient/${RICH}/$everything`,
      requester('555000000802', 'emergency'),
    );
    expect([selfClaimed.status, emergency.status]).toEqual([200, 200]);

    const list = await getFhir<AlertList>(`${t.broker.url}/admin/alerts?status=open`, {
      headers: { authorization: await bearer('privacy-officer') },
    });
    expect(list.status).toBe(200);
    const mine = list.body.alerts.filter((a) => a.user.id === '555000000801' || a.user.id === '555000000802');
    expect(mine.map((a) => `${a.user.id}:${a.kind}`).sort()).toEqual([
      '555000000801:self-claimed',
      '555000000802:emergency',
    ]);

    const audit = await getFhir<{ entry?: { resource: unknown }[] }>(
      `${t.fhir}/AuditEvent?patient=${RICH}&agent=555000000801`,
      { headers: { authorization: await bearer('privacy-officer') } },
    );
    const text = JSON.stringify(audit.body);
    expect(text).toMatch(/self-claimed/);
    expect(text).toMatch(/north-east/);
  });
});

describe('local policy: vouched-for users need evidence found here', () => {
  let t: TestRegion;
  let peer: VouchingPeer;
  beforeAll(async () => {
    const population = generatePopulation({ size: 20 });
    peer = await startVouchingPeer({ id: 'north-east' });
    t = await startTestRegion({
      population,
      config: { peers: [peer.peerConfig], relationships: { vouchedFor: 'require-local-evidence' } },
    });
  });
  afterAll(async () => {
    await t.close();
    await peer.close();
  });

  const requester = (org: string, basis: 'verified' | 'self-claimed'): Requester => ({
    userId: '555000000900',
    role: 'R8000',
    organisationOds: org,
    purposeOfUse: 'TREAT',
    relationship: { basis, reason: 'Patient seen in our emergency department tonight' },
  });

  it('when a peer vouches for a user whose organisation is nowhere in the record here, then 403 says local evidence is required', async () => {
    for (const basis of ['verified', 'self-claimed'] as const) {
      const answer = await peer.get(t.broker, `/Patient/${RICH}/$everything`, requester('RAJ', basis));
      expect({ basis, status: answer.status }).toEqual({ basis, status: 403 });
      expect(JSON.stringify(answer.body)).toMatch(/requires evidence of the relationship/);
    }
  });

  it("when a peer vouches for a user whose organisation's own source holds the patient here, then the record is released", async () => {
    const answer = await peer.get(t.broker, `/Patient/${RICH}/$everything`, requester('R1X', 'verified'));
    expect(answer.status).toBe(200);
  });
});
