import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { logLine } from './support/broker-under-test';
import { getFhir, logContent } from './support/fhir-http';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;

describe('legitimate relationship: verified, self-claimed, emergency', () => {
  let t: TestRegion;
  beforeAll(async () => {
    t = await startTestRegion();
  });
  afterAll(() => t.close());

  const open = async (
    persona: Parameters<typeof bearer>[0],
    headers: Record<string, string> = {},
    nhs: string = RICH,
  ) =>
    getFhir(`${t.fhir}/Patient/${nhs}/$everything`, {
      headers: { authorization: await bearer(persona), ...headers },
    });

  it("when a clinician's organisation holds the patient's record, then the relationship is verified and the record released", async () => {
    expect((await open('ed-doctor')).status).toBe(200);
    expect((await open('mh-nurse')).status).toBe(200);
    expect((await open('gp')).status).toBe(200);
  });

  it('when a clinician has no relationship, then 403 tells them how to claim one or use emergency access', async () => {
    const answer = await open('unrelated-clinician');
    expect(answer.status).toBe(403);
    const text = JSON.stringify(answer.body);
    expect(text).toMatch(/No legitimate relationship between your organisation \(Y99999\) and this patient/);
    expect(text).toMatch(/X-Hie-Relationship: self-claimed with X-Hie-Access-Reason/);
    expect(text).toMatch(/X-Hie-Relationship: emergency/);
    expect(text).not.toMatch(/Clarke|9000000009/);
  });

  it("when the paramedic's service does not know the patient, then their organisation has no verified relationship", async () => {
    const answer = await open('paramedic', {}, DEMO_NHS_NUMBERS.gpAndNeighbour);
    expect(answer.status).toBe(403);
  });

  it('when a relationship is self-claimed with a reason, then the record is released and the claim is logged for review', async () => {
    const answer = await open('unrelated-clinician', {
      'x-hie-relationship': 'self-claimed',
      'x-hie-access-reason': 'Covering the ward round for a colleague today',
      'x-request-id': 'self-claimed-1',
    });
    expect(answer.status).toBe(200);
    const line = await logLine(
      t.logs,
      (l) => l.requestId === 'self-claimed-1' && l.msg === 'self-claimed relationship',
    );
    expect(line).toMatchObject({ basis: 'self-claimed', userId: '555000000009', org: 'Y99999' });
    expect(logContent(line)).not.toMatch(/9000000009|Clarke|Covering/);
    const metrics = await (await fetch(`${t.broker.url}/metrics`)).text();
    expect(metrics).toMatch(/hie_access_total\{basis="self-claimed",outcome="granted"\} [1-9]/);
    expect(metrics).toMatch(/hie_access_total\{basis="verified",outcome="denied"\} [1-9]/);
  });

  it('when emergency access is used with a reason, then the record is released and a security event is logged', async () => {
    const answer = await open('unrelated-clinician', {
      'x-hie-relationship': 'emergency',
      'x-hie-access-reason': 'Unconscious patient brought into our surgery',
      'x-request-id': 'emergency-1',
    });
    expect(answer.status).toBe(200);
    const line = await logLine(t.logs, (l) => l.requestId === 'emergency-1' && l.msg === 'emergency access');
    expect(line).toMatchObject({ level: 'warn', basis: 'emergency' });
  });

  it('when self-claimed or emergency access comes without a proper reason, then 403 asks for one, before any source is asked', async () => {
    const before = t.region.nodes.acute.requests.patient;
    const withoutReason: Record<string, string>[] = [
      { 'x-hie-relationship': 'self-claimed' },
      { 'x-hie-relationship': 'emergency' },
      { 'x-hie-relationship': 'emergency', 'x-hie-access-reason': 'because' },
    ];
    for (const headers of withoutReason) {
      const answer = await open('unrelated-clinician', headers);
      expect(answer.status).toBe(403);
      expect(JSON.stringify(answer.body)).toMatch(/needs a reason: send X-Hie-Access-Reason/);
    }
    expect(t.region.nodes.acute.requests.patient).toBe(before);
  });

  it("when the GP system is down, then other sources' word that the patient is registered there is no evidence: the GP must claim the relationship", async () => {
    t.region.nodes.gp.setFault({ fault: { kind: 'status', status: 503 } });
    try {
      // Registration counts only from the registering practice's own source (issue 13, section 3).
      expect((await open('gp', {}, DEMO_NHS_NUMBERS.restricted)).status).toBe(403);
      const claimed = await open('gp', {
        'x-hie-relationship': 'self-claimed',
        'x-hie-access-reason': 'Our practice system is down; patient in clinic now',
      });
      expect(claimed.status).toBe(200);
    } finally {
      t.heal();
    }
  });

  it('when the stated basis is not one the broker knows, then 400 names the choices', async () => {
    const answer = await open('gp', { 'x-hie-relationship': 'curious' });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toMatch(/must be one of: verified, self-claimed, emergency/);
  });
});
