import type { Bundle, Patient } from '@medplum/fhirtypes';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { getFhir, logContent, reasonOf, sourceIssues, statusOf } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;

describe('safety first: what belongs to someone else never reaches the view', () => {
  let t: TestRegion;
  beforeAll(async () => {
    // Generous limits: these tests are about content, and must not flake when the machine is busy.
    t = await startTestRegion({ federation: { deadlineMs: 10_000, sourceTimeoutMs: 8_000 } });
  });
  afterEach(() => t.heal());
  afterAll(() => t.close());

  const everything = (): Promise<{ body: Bundle }> =>
    getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
  const incidentsIn = async (kind: string): Promise<number> => {
    const metrics = await (await fetch(`${t.broker.url}/metrics`)).text();
    const line = metrics
      .split('\n')
      .find((l) => l.startsWith(`hie_safety_incidents_total{source="acute",kind="${kind}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const entriesFrom = (body: Bundle, sourceId: string): Bundle['entry'] =>
    (body.entry ?? []).filter(
      (e) => e.search?.mode !== 'outcome' && e.resource?.id?.startsWith(`${sourceId}-`),
    );

  it("when the acute trust returns another patient's Observation, then it is not in the view and an incident is raised without PHI", async () => {
    const dataset = t.region.population.nodes.acute;
    const ownIds = new Set(
      dataset.records.get(dataset.localIdByNhs.get(RICH)!)!.resources.map((r) => `acute-${r.id}`),
    );
    const before = await incidentsIn('other-patient');
    t.region.nodes.acute.setFault({ fault: { kind: 'other-patient' }, on: 'search' });

    const { body } = await everything();

    const acuteObservations = entriesFrom(body, 'acute')!.filter(
      (e) => e.resource?.resourceType === 'Observation',
    );
    expect(acuteObservations.length).toBeGreaterThan(0);
    for (const e of acuteObservations) expect(ownIds.has(e.resource!.id!)).toBe(true);
    for (const e of body.entry ?? []) {
      const subject = (e.resource as { subject?: { reference?: string } } | undefined)?.subject?.reference;
      if (subject?.includes('/Patient/') || subject?.startsWith('Patient/'))
        expect(subject).toBe(`Patient/${RICH}`);
    }
    expect(reasonOf(sourceIssues(body, 'acute').find((i) => reasonOf(i) === 'other-patient'))).toBe(
      'other-patient',
    );
    expect(await incidentsIn('other-patient')).toBeGreaterThan(before);
    const line = t.logs.findLast((l) => l.msg === 'safety incident' && l.kind === 'other-patient');
    expect(line).toMatchObject({ sourceId: 'acute', kind: 'other-patient' });
    expect(logContent(line)).not.toMatch(/\d{10}|Clarke|birthDate|resourceType/);
  });

  it('when the acute trust answers with a patient whose date of birth differs, then none of its data is in the view and an incident is raised', async () => {
    const before = await incidentsIn('demographic-mismatch');
    t.region.nodes.acute.setFault({ fault: { kind: 'demographics-mismatch' }, on: 'patient' });

    const { body } = await everything();

    // Not a single entry from the trust: no resource, no Provenance.
    expect(entriesFrom(body, 'acute')).toEqual([]);
    const patient = body.entry?.[0]?.resource as Patient;
    expect(patient.identifier?.some((i) => i.system?.endsWith('/source-patient/acute'))).toBe(false);
    expect(patient.meta?.tag?.map((tag) => tag.code)).not.toContain('R1X');
    expect(patient.birthDate).toBe('1957-03-14');
    const [issue] = sourceIssues(body, 'acute');
    expect(statusOf(issue)).toBe('error');
    expect(reasonOf(issue)).toBe('demographic-mismatch');
    expect(issue?.details?.text).toBe(
      'Riverside University Hospitals NHS Trust (R1X) returned a patient whose date of birth does not match the other sources; its data is not in this view.',
    );
    expect(JSON.stringify(issue)).not.toMatch(/1957|1958/);
    // The other four sources are whole.
    for (const id of ['gp', 'mental-health', 'ambulance', 'neighbouring-ics']) {
      expect(statusOf(sourceIssues(body, id)[0]) ?? 'ok').toBe('ok');
      expect(entriesFrom(body, id)!.length).toBeGreaterThan(0);
    }
    expect(await incidentsIn('demographic-mismatch')).toBe(before + 1);
    const line = t.logs.findLast((l) => l.msg === 'safety incident' && l.kind === 'demographic-mismatch');
    expect(line).toMatchObject({ sourceId: 'acute', kind: 'demographic-mismatch', count: 1 });
    expect(logContent(line)).not.toMatch(/\d{10}|1957|1958|Clarke/);
    const metrics = await (await fetch(`${t.broker.url}/metrics`)).text();
    expect(metrics).toMatch(/hie_source_outcomes_total\{source="acute",status="error"\} [1-9]/);
  });

  it('when the fault is cleared, then the trust is back in the view (nothing was remembered)', async () => {
    const { body } = await everything();
    expect(sourceIssues(body, 'acute')).toEqual([]);
    expect(entriesFrom(body, 'acute')!.length).toBeGreaterThan(0);
  });
});
