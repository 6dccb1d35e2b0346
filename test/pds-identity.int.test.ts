import type { AuditEvent, Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { SUPERSEDED_DEMO_NUMBER } from '../sim/pds-node';
import { closingOutcome, getFhir, reasonOf, sourceIssues } from './support/fhir-http';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const SELF_CLAIMED = {
  'X-Hie-Relationship': 'self-claimed',
  'X-Hie-Access-Reason': 'Seeing the patient in clinic today',
};

const identifier = (nhs: string): string =>
  `Patient?identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${nhs}`)}`;

function issueWith(outcome: OperationOutcome, reason: string): OperationOutcome['issue'][number] | undefined {
  return outcome.issue.find((i) => reasonOf(i) === reason);
}

describe('identity from the national demographics service (PDS)', () => {
  let t: TestRegion;

  beforeAll(async () => {
    t = await startTestRegion({
      pds: {
        restricted: [DEMO_NHS_NUMBERS.restricted, DEMO_NHS_NUMBERS.gpAndNeighbour],
        deceased: { [DEMO_NHS_NUMBERS.rich]: '2026-10-30T08:15:00+00:00' },
      },
    });
  });
  afterEach(() => {
    t.heal();
    t.pds!.setFault(null);
  });
  afterAll(() => t.close());

  // The restricted demo patient is known to the GP, acute and mental health: two FHIR trusts can outvote the GP.
  const twoTrustsDisagree = (): void => {
    for (const id of ['acute', 'mental-health'] as const)
      t.region.nodes[id].setFault({ fault: { kind: 'demographics-mismatch' }, on: 'patient' });
  };

  it('when two sources agree on a birth date PDS contradicts, then both are excluded and the source agreeing with PDS is shown', async () => {
    twoTrustsDisagree();
    const { status, body } = await getFhir<Bundle>(`${t.fhir}/${identifier(DEMO_NHS_NUMBERS.restricted)}`);
    expect(status).toBe(200);
    for (const id of ['acute', 'mental-health']) {
      const [issue] = sourceIssues(body, id);
      expect(reasonOf(issue)).toBe('demographic-mismatch');
      expect(issue?.details?.text).toContain('Personal Demographics Service');
    }
    expect(sourceIssues(body, 'gp').map(reasonOf)).not.toContain('demographic-mismatch');
    expect(issueWith(closingOutcome(body), 'identity-unconfirmed')).toBeUndefined();
  });

  it('when PDS is down, then the sources majority decides and the view says identity was not confirmed', async () => {
    twoTrustsDisagree();
    t.pds!.setFault({ fault: { kind: 'status', status: 500 } });
    // The GP's own source is the one outvoted, so its clinician states the relationship.
    const { status, body } = await getFhir<Bundle>(`${t.fhir}/${identifier(DEMO_NHS_NUMBERS.restricted)}`, {
      headers: SELF_CLAIMED,
    });
    expect(status).toBe(200);
    // Today's majority rule: the two trusts outvote the GP.
    expect(reasonOf(sourceIssues(body, 'gp')[0])).toBe('demographic-mismatch');
    const warning = issueWith(closingOutcome(body), 'identity-unconfirmed');
    expect(warning?.severity).toBe('warning');
    expect(warning?.details?.text).toMatch(/could not be asked .*agreement between the sources/);
  });

  it('when PDS hangs, then the view falls back within its PDS time limit', async () => {
    t.pds!.setFault({ fault: { kind: 'hang' } });
    const { status, body, elapsedMs } = await getFhir<Bundle>(
      `${t.fhir}/${identifier(DEMO_NHS_NUMBERS.rich)}`,
    );
    expect(status).toBe(200);
    expect(issueWith(closingOutcome(body), 'identity-unconfirmed')?.details?.text).toContain(
      'did not answer in time',
    );
    expect(elapsedMs).toBeLessThan(4000);
  });

  it('when PDS alone flags the patient restricted, then address, telecom and registered GP are stripped', async () => {
    const { status, body } = await getFhir<Patient>(`${t.fhir}/Patient/${DEMO_NHS_NUMBERS.gpAndNeighbour}`);
    expect(status).toBe(200);
    expect(body.address).toBeUndefined();
    expect(body.telecom).toBeUndefined();
    expect(body.generalPractitioner).toBeUndefined();
    expect(body.meta?.security?.map((c) => c.code)).toContain('R');
  });

  it('when a view is audited, then the demographics service is one of its entities, with what it answered', async () => {
    const requestId = `pds-audit-${Date.now()}`;
    await getFhir<Bundle>(`${t.fhir}/Patient/${SUPERSEDED_DEMO_NUMBER}/$everything`, {
      headers: { authorization: await bearer(), 'x-request-id': requestId },
    });
    const trail = await getFhir<Bundle>(`${t.fhir}/AuditEvent?patient=${DEMO_NHS_NUMBERS.rich}&_count=100`, {
      headers: { authorization: await bearer('privacy-officer') },
    });
    const view = (trail.body.entry ?? [])
      .map((e) => e.resource as AuditEvent)
      .find((e) => JSON.stringify(e).includes(requestId));
    expect(view).toBeDefined();
    const pds = view!.entity!.find((e) => e.name === 'pds');
    expect(pds?.what?.display).toBe('Personal Demographics Service');
    expect(pds?.detail).toEqual([
      { type: 'identity-status', valueString: 'confirmed' },
      { type: 'nhs-number-superseded', valueString: 'true' },
    ]);
  });

  it('when a superseded NHS number is read, then the current record opens with a notice in the view and the banner', async () => {
    const read = await getFhir<Patient>(`${t.fhir}/Patient/${SUPERSEDED_DEMO_NUMBER}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(DEMO_NHS_NUMBERS.rich);

    const search = await getFhir<Bundle>(`${t.fhir}/${identifier(SUPERSEDED_DEMO_NUMBER)}`);
    const notice = issueWith(closingOutcome(search.body), 'nhs-number-superseded');
    expect(notice?.details?.text).toBe(
      `NHS number ${SUPERSEDED_DEMO_NUMBER} has been superseded by ${DEMO_NHS_NUMBERS.rich}: this is the record under the current number. Update your system's record of this patient.`,
    );

    const response = await fetch(`${t.broker.url}/api/v1/patients/${SUPERSEDED_DEMO_NUMBER}/record`, {
      headers: { authorization: await bearer() },
    });
    const record = (await response.json()) as {
      patient: { nhsNumber: string; superseded?: string; registeredGp?: string };
    };
    expect(response.status).toBe(200);
    expect(record.patient.nhsNumber).toBe('900 000 0009');
    expect(record.patient.superseded).toContain(SUPERSEDED_DEMO_NUMBER);
    expect(record.patient.registeredGp).toContain('Y90001');
  });

  it('when PDS records a date of death, then the view says so and the banner shows it', async () => {
    const search = await getFhir<Bundle>(`${t.fhir}/${identifier(DEMO_NHS_NUMBERS.rich)}`);
    expect(issueWith(closingOutcome(search.body), 'patient-deceased')?.details?.text).toBe(
      'The Personal Demographics Service records that this patient died on 2026-10-30.',
    );
    const response = await fetch(`${t.broker.url}/api/v1/patients/${DEMO_NHS_NUMBERS.rich}/record`, {
      headers: { authorization: await bearer() },
    });
    const record = (await response.json()) as { patient: { deceased?: string } };
    expect(record.patient.deceased).toBe('2026-10-30');
  });

  it('when PDS does not know an NHS number, then the view says so and the sources decide', async () => {
    const { status, body } = await getFhir<Bundle>(`${t.fhir}/${identifier('9000000076')}`, {
      headers: SELF_CLAIMED,
    });
    expect(status).toBe(200);
    expect(issueWith(closingOutcome(body), 'identity-unconfirmed')?.details?.text).toContain(
      'does not know this NHS number',
    );
  });
});
