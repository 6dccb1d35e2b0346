import type { PatientRecord, RecordItem, RecordSection } from '../broker/record/record-types';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;

async function getRecord(t: TestRegion, persona?: Parameters<typeof bearer>[0]): Promise<PatientRecord> {
  const response = await fetch(`${t.broker.url}/api/v1/patients/${RICH}/record`, {
    headers: { authorization: await bearer(persona) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as PatientRecord;
}

const section = (record: PatientRecord, id: RecordSection['id']): RecordSection =>
  record.sections.find((s) => s.id === id)!;
const fromSource = (items: readonly RecordItem[], sourceId: string): RecordItem[] =>
  items.filter((i) => i.sources[0]?.id === sourceId);

describe("9000000009's whole record through the demo region", () => {
  let t: TestRegion;
  let record: PatientRecord;
  beforeAll(async () => {
    t = await startTestRegion();
    record = await getRecord(t);
  });
  afterAll(() => t.close());

  it("when the record is read, then the hospital's pathology reports show their panels with results, laboratory and conclusion", () => {
    const reports = fromSource(section(record, 'results').items, 'acute').filter((i) => i.report);
    const titles = reports.map((r) => r.title);

    expect(titles).toEqual(
      expect.arrayContaining(['Full blood count', 'Urea and electrolytes', 'C-reactive protein']),
    );
    const fbc = reports.find((r) => r.title === 'Full blood count' && r.date?.startsWith('2026-09-12'))!;
    expect(fbc.report!.results.map((r) => r.title)).toEqual([
      'Haemoglobin',
      'White cell count',
      'Platelet count',
      'Mean cell volume',
    ]);
    expect(fbc.report!.results.find((r) => r.title === 'White cell count')!.result).toMatchObject({
      value: '15.8 10*9/L',
      flag: 'H',
    });
    expect(fbc.report!.laboratory).toBe('Riverside Pathology');
    expect(fbc.report!.issued).toBeDefined();
    const crp = reports.find((r) => r.title === 'C-reactive protein' && r.date?.startsWith('2026-09-12'))!;
    expect(crp.report!.conclusion).toBe('Markedly raised CRP, in keeping with the clinical picture.');
  });

  it("when the GP's investigations come through GP Connect, then each report holds its test group's results and the filing comment", () => {
    const reports = fromSource(section(record, 'results').items, 'gp').filter((i) => i.report);

    expect(reports.length).toBeGreaterThan(0);
    const grouped = reports.find((r) => r.report!.results.some((x) => x.group === 'Urea and electrolytes'))!;
    expect(
      grouped.report!.results.filter((x) => x.group === 'Urea and electrolytes').map((x) => x.title),
    ).toEqual(['Sodium', 'Potassium', 'Urea', 'Creatinine', 'eGFR']);
    expect(grouped.report!.results.at(-1)).toMatchObject({
      title: 'Comment note',
      detail: expect.stringContaining('Abnormal result reviewed'),
    });
    // A result a report holds is not listed again on its own.
    const held = new Set(reports.flatMap((r) => r.report!.results.map((x) => x.reference)));
    for (const item of section(record, 'results').items) expect(held.has(item.reference)).toBe(false);
  });

  it('when HbA1c was measured again and again, then it is one series, oldest first, each value once', () => {
    const series = section(record, 'results').series!.find((s) => s.title === 'HbA1c (IFCC)')!;

    expect(series.unit).toBe('mmol/mol');
    expect(series.points.length).toBeGreaterThanOrEqual(3);
    const times = series.points.map((p) => Date.parse(p.date));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(series.points.every((p) => p.range && typeof p.value === 'number')).toBe(true);
  });

  it('when the record is read, then the operation is in conditions, her daughter in teams and the CAMHS and drug and alcohol episodes in community', () => {
    expect(section(record, 'conditions').items).toContainEqual(
      expect.objectContaining({
        title: 'Laparoscopic cholecystectomy',
        date: '2014-05-21',
        detail: expect.stringContaining('Gallbladder structure'),
        status: 'completed',
      }),
    );
    const people = section(record, 'teams').items.filter((i) => i.reference.startsWith('RelatedPerson/'));
    expect(people).toContainEqual(
      expect.objectContaining({ title: 'Sophie Clarke', detail: expect.stringContaining('Carer') }),
    );
    expect(people).toContainEqual(
      expect.objectContaining({ title: 'Sophie Clarke', detail: expect.stringContaining('Next of kin') }),
    );
    const episodes = section(record, 'community').items.filter((i) =>
      i.reference.startsWith('EpisodeOfCare/'),
    );
    expect(episodes).toContainEqual(
      expect.objectContaining({
        title: 'Child and adolescent mental health service (CAMHS)',
        status: 'finished',
        date: '1971-10-04',
      }),
    );
    expect(episodes).toContainEqual(
      expect.objectContaining({
        title: 'Drug and alcohol service',
        detail: expect.stringContaining('Care coordinator: Ravi Patel (Recovery Worker)'),
      }),
    );
  });

  it('when the record is read, then the resuscitation decision and the ReSPECT plan are at the top, with their date and author', () => {
    expect(Object.keys(record)[0]).toBe('emergency');
    expect(record.emergency.map((i) => [i.title, i.date, i.author])).toEqual([
      [
        'Do not attempt cardiopulmonary resuscitation (DNACPR) - see ReSPECT form 15/09/2026',
        '2026-09-15',
        'Dr Fiona Grant',
      ],
      ['ReSPECT form', '2026-09-15', 'Dr Fiona Grant'],
    ]);
    expect(record.emergency.every((i) => i.sources[0]?.id === 'acute')).toBe(true);
  });

  it('when a receptionist reads the record, then no emergency item, report or episode is shown (their role sees appointments only)', async () => {
    const limited = await getRecord(t, 'receptionist');

    expect(limited.emergency).toEqual([]);
    expect(section(limited, 'results').items).toEqual([]);
    expect(section(limited, 'community').items).toEqual([]);
  });
});
