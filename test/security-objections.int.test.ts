import type { Bundle, Consent } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import type { Requester } from '../core/requester';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { getFhir, reasonOf, sourceIssues, statusOf } from './support/fhir-http';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';
import { startVouchingPeer, type VouchingPeer } from './support/vouching-peer';

const RICH = DEMO_NHS_NUMBERS.rich;
/** Known only to the GP and the neighbouring region, whose record store is the practice Y90201. */
const VIA_NEIGHBOUR = DEMO_NHS_NUMBERS.gpAndNeighbour;
const NEIGHBOUR_PRACTICE = 'Y90201';

function objectionTo(nhsNumber: string, organisations: readonly string[]): Consent {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: {
      type: 'deny',
      period: { start: '2020-01-01' },
      actor: organisations.map((ods) => ({
        role: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' }],
        },
        reference: { identifier: { system: ODS_CODE_SYSTEM, value: ods } },
      })),
    },
  };
}

/** The ODS codes an entry's meta.tag names: its origin, and every source it came through. */
const tagsOf = (entry: NonNullable<Bundle['entry']>[number]): string[] =>
  (entry.resource?.meta?.tag ?? []).filter((t) => t.system === ODS_CODE_SYSTEM).map((t) => t.code!);

/** The record's items (the Patient is everyone's: its demographics are not an item of the record). */
const matches = (bundle: Bundle) =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === 'match' && e.resource?.resourceType !== 'Patient');

describe('objections follow the data, wherever it travels', () => {
  let t: TestRegion;
  let peer: VouchingPeer;
  beforeAll(async () => {
    peer = await startVouchingPeer({ id: 'north-east' });
    t = await startTestRegion({
      config: {
        peers: [peer.peerConfig],
        // The acute trust's source is one site (R1X) of a trust (R1T).
        organisations: { R1X: { name: 'Riverside General Hospital', partOf: 'R1T' } },
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await peer.close();
  });

  const record = async (nhs: string) =>
    getFhir<Bundle>(`${t.fhir}/Patient/${nhs}/$everything`, {
      headers: { authorization: await bearer('gp') },
    });

  const object = async (nhs: string, organisations: readonly string[]) => {
    const created = await fetch(`${t.fhir}/Consent`, {
      method: 'POST',
      headers: { authorization: await bearer('privacy-officer'), 'content-type': 'application/fhir+json' },
      body: JSON.stringify(objectionTo(nhs, organisations)),
    });
    expect(created.status).toBe(201);
  };

  it('when the patient objects to a trust, then the source configured as one of its sites is skipped too', async () => {
    const before = await record(RICH);
    expect(matches(before.body).some((e) => tagsOf(e).includes('R1X'))).toBe(true);

    await object(RICH, ['R1T']);
    const after = await record(RICH);
    expect(after.status).toBe(200);
    expect(matches(after.body).filter((e) => tagsOf(e).includes('R1X'))).toEqual([]);
    const [acute] = sourceIssues(after.body, 'acute');
    expect(statusOf(acute)).toBe('skipped');
    expect(reasonOf(acute)).toBe('objection');
  });

  it('when the patient objects to a practice whose data arrives through the neighbouring region, then that data is withheld and the view says how much and why', async () => {
    const before = await record(VIA_NEIGHBOUR);
    const relayed = matches(before.body).filter((e) => tagsOf(e).includes(NEIGHBOUR_PRACTICE));
    expect(relayed.length).toBeGreaterThan(0);

    await object(VIA_NEIGHBOUR, [NEIGHBOUR_PRACTICE]);
    const after = await record(VIA_NEIGHBOUR);
    expect(after.status).toBe(200);
    expect(matches(after.body).filter((e) => tagsOf(e).includes(NEIGHBOUR_PRACTICE))).toEqual([]);
    // The GP's own items are still there.
    expect(matches(after.body).some((e) => tagsOf(e).includes('Y90001'))).toBe(true);
    const withheld = sourceIssues(after.body, 'neighbouring-ics').find(
      (i) => reasonOf(i) === 'objection-withheld',
    );
    expect(withheld?.severity).toBe('information');
    // Counted as received (grouped duplicates included), never named.
    const count = /had (\d+) items? withheld: the patient has objected to sharing from the organisation/.exec(
      withheld?.details?.text ?? '',
    );
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(relayed.length);
  });

  it("when a neighbouring broker asks for a patient who objected to an item's origin, then those items are dropped before they leave, and the answer says so", async () => {
    const requester: Requester = {
      userId: '555000000950',
      role: 'R8000',
      organisationOds: 'Y90001',
      purposeOfUse: 'TREAT',
      relationship: { basis: 'verified' },
    };
    const answer = await peer.get(t.broker, `/Patient/${VIA_NEIGHBOUR}/$everything`, requester);
    expect(answer.status).toBe(200);
    const bundle = answer.body as Bundle;
    expect(matches(bundle).filter((e) => tagsOf(e).includes(NEIGHBOUR_PRACTICE))).toEqual([]);
    expect(JSON.stringify(bundle)).toMatch(
      /withheld: the patient has objected to sharing from the organisation/,
    );
  });
});
