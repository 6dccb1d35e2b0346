import type { Bundle, Resource } from '@medplum/fhirtypes';
import { createRandom, type Random } from '../sim/population/random';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { getFhir } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

/**
 * Property: a type search answers exactly the patient's `$everything` filtered by the same criteria,
 * where the filtering is done here, by hand, from FHIR's definitions (not by the code under test).
 */

type Any = Record<string, unknown>;
type Range = readonly [number, number];

interface Subject {
  readonly type: string;
  readonly token: string;
  readonly codes: (r: Any) => string[];
  readonly date: string;
  readonly dates: (r: Any) => unknown[];
}

const conceptCodes = (c: unknown): string[] =>
  ((c as { coding?: { code?: string }[] } | undefined)?.coding ?? []).flatMap((x) =>
    x.code ? [x.code] : [],
  );
const plain = (v: unknown): string[] => (typeof v === 'string' ? [v] : []);

const SUBJECTS: readonly Subject[] = [
  {
    type: 'Observation',
    token: 'status',
    codes: (r) => plain(r.status),
    date: 'date',
    dates: (r) => [r.effectiveDateTime, r.effectiveInstant, r.effectivePeriod],
  },
  {
    type: 'Condition',
    token: 'clinical-status',
    codes: (r) => conceptCodes(r.clinicalStatus),
    date: 'onset-date',
    dates: (r) => [r.onsetDateTime, r.onsetPeriod],
  },
  {
    type: 'MedicationStatement',
    token: 'status',
    codes: (r) => plain(r.status),
    date: 'effective',
    dates: (r) => [r.effectiveDateTime, r.effectivePeriod],
  },
  {
    type: 'Encounter',
    token: 'status',
    codes: (r) => plain(r.status),
    date: 'date',
    dates: (r) => [r.period],
  },
  {
    type: 'AllergyIntolerance',
    token: 'clinical-status',
    codes: (r) => conceptCodes(r.clinicalStatus),
    date: 'date',
    dates: (r) => [r.recordedDate],
  },
  {
    type: 'Appointment',
    token: 'status',
    codes: (r) => plain(r.status),
    date: 'date',
    dates: (r) => [r.start],
  },
];

/** The range a FHIR date, dateTime or instant stands for, by its precision (UTC when it has no zone). */
function rangeOf(value: string): Range {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(T.*)?)?)?$/.exec(value)!;
  const [year, month, day, time] = [
    Number(m[1]),
    m[2] ? Number(m[2]) : undefined,
    m[3] ? Number(m[3]) : undefined,
    m[4],
  ];
  if (time) {
    const start = Date.parse(value);
    const precision = /:\d{2}:\d{2}/.test(time) ? 1000 : 60_000;
    return [start, start + precision];
  }
  if (day !== undefined) return [Date.UTC(year, month! - 1, day), Date.UTC(year, month! - 1, day + 1)];
  if (month !== undefined) return [Date.UTC(year, month - 1, 1), Date.UTC(year, month, 1)];
  return [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
}

function rangesOf(values: unknown[]): Range[] {
  return values.flatMap((v): Range[] => {
    if (typeof v === 'string') return [rangeOf(v)];
    if (v && typeof v === 'object') {
      const { start, end } = v as { start?: string; end?: string };
      if (!start && !end) return [];
      return [[start ? rangeOf(start)[0] : -Infinity, end ? rangeOf(end)[1] : Infinity]];
    }
    return [];
  });
}

type Place = 'inside' | 'before' | 'after' | 'straddles';
const placeOf = ([rs, re]: Range, [ps, pe]: Range): Place =>
  rs >= ps && re <= pe ? 'inside' : re <= ps ? 'before' : rs >= pe ? 'after' : 'straddles';

const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;
const HOLDS: Record<(typeof PREFIXES)[number], (p: Place) => boolean> = {
  eq: (p) => p === 'inside',
  ne: (p) => p !== 'inside',
  gt: (p) => p === 'after',
  sa: (p) => p === 'after',
  lt: (p) => p === 'before',
  eb: (p) => p === 'before',
  ge: (p) => p === 'inside' || p === 'after',
  le: (p) => p === 'inside' || p === 'before',
};

interface Criteria {
  readonly query: string;
  /** True / false when the criteria decide the resource; undefined when it sits on a boundary this test does not judge. */
  readonly decide: (r: Any) => boolean | undefined;
}

function drawCriteria(random: Random, subject: Subject, facts: readonly Any[]): Criteria {
  const parts: string[] = [];
  const deciders: ((r: Any) => boolean | undefined)[] = [];
  const seenCodes = [...new Set(facts.flatMap(subject.codes)), 'entered-in-error'];
  if (random.chance(0.7)) {
    const codes = [
      ...new Set([random.pick(seenCodes), ...(random.chance(0.4) ? [random.pick(seenCodes)] : [])]),
    ];
    const not = codes.length === 1 && random.chance(0.3);
    parts.push(`${subject.token}${not ? ':not' : ''}=${codes.join(',')}`);
    deciders.push((r) => {
      const has = subject.codes(r).some((c) => codes.includes(c));
      return not ? !has : has;
    });
  }
  const dated = facts.flatMap((f) => rangesOf(subject.dates(f))).filter(([s]) => Number.isFinite(s));
  if (dated.length && random.chance(0.8)) {
    const around = new Date(random.pick(dated)[0] + random.int(-40, 40) * 86_400_000).toISOString();
    const value = [around.slice(0, 4), around.slice(0, 7), around.slice(0, 10)][random.int(0, 2)]!;
    const prefix = random.pick(PREFIXES);
    parts.push(`${subject.date}=${prefix}${value}`);
    const param = rangeOf(value);
    deciders.push((r) => {
      const ranges = rangesOf(subject.dates(r));
      if (ranges.length === 0) return prefix === 'ne' ? undefined : false;
      const places = ranges.map((range) => placeOf(range, param));
      if (places.includes('straddles')) return undefined;
      return places.some(HOLDS[prefix]);
    });
  }
  return {
    query: parts.join('&'),
    decide: (r) => {
      const verdicts = deciders.map((d) => d(r));
      if (verdicts.includes(false)) return false;
      return verdicts.includes(undefined) ? undefined : true;
    },
  };
}

function membersOf(fact: Any, byKey: ReadonlyMap<string, Any>): Any[] {
  const extensions = (fact.extension ?? []) as { url?: string; valueReference?: { reference?: string } }[];
  return extensions.flatMap((e) => {
    const member = e.url?.endsWith('/grouped-duplicate')
      ? byKey.get(e.valueReference?.reference ?? '')
      : undefined;
    return member ? [member] : [];
  });
}

describe('property: a search equals $everything filtered by the same criteria', () => {
  let t: TestRegion;
  let record: Any[];
  /** Every resource of the view by `Type/id`, grouped duplicates included. */
  let byKey: Map<string, Any>;

  beforeAll(async () => {
    t = await startTestRegion({
      config: { rateLimit: { perUser: { points: 100000, durationSeconds: 60 } } },
    });
    const everything = await getFhir<Bundle>(`${t.fhir}/Patient/${DEMO_NHS_NUMBERS.rich}/$everything`);
    record = (everything.body.entry ?? [])
      .filter((e) => e.search?.mode === 'match')
      .map((e) => e.resource as unknown as Any);
    byKey = new Map(
      (everything.body.entry ?? []).map((e) => [
        `${e.resource!.resourceType}/${e.resource!.id}`,
        e.resource as unknown as Any,
      ]),
    );
  }, 60_000);
  afterAll(() => t?.close());

  it('when 60 random token and date criteria are searched, then each answer is exactly the hand-filtered record', async () => {
    const random = createRandom(16);
    let nonEmpty = 0;
    let judged = 0;
    for (let trial = 0; trial < 60; trial++) {
      const subject = random.pick(SUBJECTS);
      const facts = record.filter((r) => r.resourceType === subject.type);
      const criteria = drawCriteria(random, subject, facts);
      const answer = await getFhir<Bundle>(
        `${t.fhir}/${subject.type}?patient=${DEMO_NHS_NUMBERS.rich}${criteria.query ? `&${criteria.query}` : ''}`,
      );
      expect([criteria.query, answer.status]).toEqual([criteria.query, 200]);
      const got = new Set(
        (answer.body.entry ?? [])
          .filter((e) => e.search?.mode === 'match')
          .map((e) => (e.resource as Resource).id),
      );
      // A fact shown by its group's representative matches by it; where the representative does not
      // meet the criteria, each other member (the same fact from another source) that does is a match.
      const candidates = new Set<string>();
      const judge = (resource: Any, verdict: boolean) => {
        judged++;
        expect([subject.type, criteria.query, resource.id, got.has(resource.id as string)]).toEqual([
          subject.type,
          criteria.query,
          resource.id,
          verdict,
        ]);
      };
      for (const fact of facts) {
        candidates.add(fact.id as string);
        const verdict = criteria.decide(fact);
        const members = membersOf(fact, byKey);
        members.forEach((m) => candidates.add(m.id as string));
        if (verdict === undefined) continue;
        judge(fact, verdict);
        for (const member of members) {
          const memberVerdict = criteria.decide(member);
          if (memberVerdict !== undefined) judge(member, !verdict && memberVerdict);
        }
      }
      expect([...got].every((id) => candidates.has(id as string))).toBe(true);
      if (got.size > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(10);
    expect(judged).toBeGreaterThan(200);
  }, 120_000);
});
