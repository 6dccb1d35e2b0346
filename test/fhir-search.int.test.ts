import type { Bundle, Coding, Condition, Observation, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { AuditEvent, CapabilityStatement } from '@medplum/fhirtypes';
import { RECORD_RESOURCE_TYPES } from '../core/fhir/resource-types';
import { includesOf, supportedFilters } from '../broker/search/search-definitions';
import { Client } from 'fhir-kit-client';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { bearer } from './support/identity';
import { r4Errors } from './support/fhir-validator';
import { closingOutcome, getFhir } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
const LOINC = 'http://loinc.org';
const HBA1C = '59261-8';

const matches = (bundle: Bundle): Resource[] =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!);
const included = (bundle: Bundle, type?: string): Resource[] =>
  (bundle.entry ?? [])
    .filter((e) => e.search?.mode === 'include' && (!type || e.resource?.resourceType === type))
    .map((e) => e.resource!);
const ids = (resources: readonly Resource[]): string[] => resources.map((r) => r.id!).sort();
const codings = (concept: { coding?: Coding[] } | undefined): Coding[] => concept?.coding ?? [];
const effective = (o: Observation): string | undefined => o.effectiveDateTime ?? o.effectiveInstant;

describe('FHIR search parameters over the merged view', () => {
  let t: TestRegion;
  /** The facts of 9000000009's record, as $everything shows them: what every search is checked against. */
  let record: Resource[];
  /** Every resource of that view, grouped duplicates included. */
  let everyResource: Resource[];
  const search = (query: string) => getFhir<Bundle>(`${t.fhir}/${query}`);
  const membersOf = (fact: Resource): Resource[] =>
    ((fact as { extension?: { url?: string; valueReference?: { reference?: string } }[] }).extension ?? [])
      .filter((e) => e.url?.endsWith('/grouped-duplicate'))
      .flatMap((e) =>
        everyResource.filter((r) => `${r.resourceType}/${r.id}` === e.valueReference?.reference),
      );
  const factsOf = <T extends Resource>(type: string): T[] =>
    record.filter((r) => r.resourceType === type) as T[];

  beforeAll(async () => {
    t = await startTestRegion({
      config: { rateLimit: { perUser: { points: 100000, durationSeconds: 60 } } },
    });
    const everything = await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`);
    expect(everything.status).toBe(200);
    record = matches(everything.body);
    everyResource = (everything.body.entry ?? []).map((e) => e.resource!);
  }, 60_000);
  afterAll(() => t?.close());

  describe('token', () => {
    it('when searching Observation by system|code, then exactly the HbA1c results come back, every source agreeing', async () => {
      const answer = await search(`Observation?patient=${RICH}&code=${LOINC}|${HBA1C}`);
      expect(answer.status).toBe(200);
      const expected = factsOf<Observation>('Observation').filter((o) =>
        codings(o.code).some((c) => c.system === LOINC && c.code === HBA1C),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(matches(answer.body))).toEqual(ids(expected));
      expect(answer.body.total).toBe(expected.length);
      expect(closingOutcome(answer.body).resourceType).toBe('OperationOutcome');
    });

    it('when the code is given without a system, with an empty system, or negated, then FHIR token semantics hold', async () => {
      const all = factsOf<Observation>('Observation');
      const hba1c = all.filter((o) => codings(o.code).some((c) => c.code === HBA1C));
      const anySystem = await search(`Observation?patient=${RICH}&code=${HBA1C}`);
      expect(ids(matches(anySystem.body))).toEqual(ids(hba1c));
      const noSystem = await search(`Observation?patient=${RICH}&code=|${HBA1C}`);
      expect(matches(noSystem.body)).toEqual([]);
      const not = await search(`Observation?patient=${RICH}&code:not=${LOINC}|${HBA1C}`);
      expect(ids(matches(not.body))).toEqual(ids(all.filter((o) => !hba1c.includes(o))));
    });

    it('when searching active problems, then only conditions whose clinical status is active come back; a comma is OR', async () => {
      const conditions = factsOf<Condition>('Condition');
      const withStatus = (...codes: string[]) =>
        conditions.filter((c) => codings(c.clinicalStatus).some((s) => codes.includes(s.code ?? '')));
      const active = await search(`Condition?patient=${RICH}&clinical-status=active`);
      expect(active.status).toBe(200);
      expect(withStatus('active').length).toBeGreaterThan(0);
      expect(ids(matches(active.body))).toEqual(ids(withStatus('active')));
      const either = await search(`Condition?patient=${RICH}&clinical-status=active,resolved`);
      expect(ids(matches(either.body))).toEqual(ids(withStatus('active', 'resolved')));
    });

    it('when searching by :text, then the words of the code (display or text) match, ignoring case', async () => {
      const answer = await search(`Observation?patient=${RICH}&code:text=hba1c`);
      const expected = factsOf<Observation>('Observation').filter((o) =>
        [o.code?.text, ...codings(o.code).map((c) => c.display)].some((s) =>
          s?.toLowerCase().includes('hba1c'),
        ),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(matches(answer.body))).toEqual(ids(expected));
    });

    it('when a string is searched, then it matches from the start by default, anywhere with :contains, and whole with :exact', async () => {
      const docs = factsOf<Resource & { description?: string }>('DocumentReference').filter(
        (d) => d.description,
      );
      expect(docs.length).toBeGreaterThan(0);
      const description = docs[0]!.description!;
      const found = async (query: string) =>
        matches((await search(`DocumentReference?patient=${RICH}&${query}`)).body).map((r) => r.id);
      expect(
        await found(`description=${encodeURIComponent(description.slice(0, 5).toUpperCase())}`),
      ).toContain(docs[0]!.id);
      expect(await found(`description=${encodeURIComponent(description.slice(3))}`)).not.toContain(
        docs[0]!.id,
      );
      expect(await found(`description:contains=${encodeURIComponent(description.slice(3))}`)).toContain(
        docs[0]!.id,
      );
      expect(await found(`description:exact=${encodeURIComponent(description)}`)).toContain(docs[0]!.id);
      expect(await found(`description:exact=${encodeURIComponent(description.toUpperCase())}`)).not.toContain(
        docs[0]!.id,
      );
    });

    it('when a value is missing and :missing is asked, then resources without the element match', async () => {
      const answer = await search(`Observation?patient=${RICH}&category:missing=true`);
      const expected = factsOf<Observation>('Observation').filter((o) => !o.category?.length);
      expect(ids(matches(answer.body))).toEqual(ids(expected));
    });
  });

  describe('date', () => {
    const hba1cAt = '2026-09-14T09:32:00Z';

    it('when searching by a day, a month, a year and an instant with an offset, then each matches the same result', async () => {
      for (const value of ['2026-09-14', '2026-09', '2026-09-14T10:32:00+01:00']) {
        const answer = await search(`Observation?patient=${RICH}&code=${LOINC}|${HBA1C}&date=${value}`);
        expect([value, (matches(answer.body) as Observation[]).map(effective)]).toEqual([
          value,
          matches(answer.body).map(() => hba1cAt),
        ]);
        expect(matches(answer.body).length).toBeGreaterThan(0);
      }
    });

    it('when every prefix is used around the result, then ge/le/gt/lt/sa/eb/ne/eq/ap answer as FHIR defines', async () => {
      const day = await search(`Observation?patient=${RICH}&code=${LOINC}|${HBA1C}&date=2026-09-14`);
      const ids = matches(day.body).map((r) => r.id!);
      expect(ids.length).toBeGreaterThan(0);
      const expectations: [string, boolean][] = [
        ['eq2026-09-14', true],
        ['ne2026-09-14', false],
        ['ge2026-09-14', true],
        ['le2026-09-14', true],
        ['gt2026-09-14', false],
        ['lt2026-09-14', false],
        ['gt2026-09-13', true],
        ['sa2026-09-13', true],
        ['eb2026-09-15', true],
        ['eb2026-09-14', false],
        ['ap2026-09-14', true],
        ['eq2026', true],
        ['lt2026', false],
        // The timezone boundary: 09:32Z is 10:32 in +01:00, after 10:00 there and before 11:00.
        ['ge2026-09-14T10:00:00+01:00', true],
        ['ge2026-09-14T11:00:00%2B01:00', false],
        ['lt2026-09-14T09:32:00-01:00', true],
      ];
      for (const [value, found] of expectations) {
        const answer = await search(`Observation?patient=${RICH}&_id=${ids.join(',')}&date=${value}`);
        expect([value, matches(answer.body).length]).toEqual([value, found ? ids.length : 0]);
      }
    });

    it('when the same date parameter is repeated, then both must hold (a range)', async () => {
      const inside = await search(
        `Observation?patient=${RICH}&code=${HBA1C}&date=ge2026-09-01&date=lt2026-10-01`,
      );
      expect(matches(inside.body).length).toBeGreaterThan(0);
      const outside = await search(
        `Observation?patient=${RICH}&code=${HBA1C}&date=ge2026-09-15&date=lt2026-10-01`,
      );
      expect(matches(outside.body)).toEqual([]);
    });

    it('when asking for HbA1c results since January, then exactly those dated since come back, newest first with _sort=-date', async () => {
      const answer = await search(
        `Observation?patient=${RICH}&code=${LOINC}|${HBA1C}&date=ge2026-01-01&_sort=-date`,
      );
      const got = matches(answer.body) as Observation[];
      const expected = factsOf<Observation>('Observation').filter(
        (o) =>
          codings(o.code).some((c) => c.system === LOINC && c.code === HBA1C) &&
          Date.parse(effective(o) ?? '') >= Date.parse('2026-01-01T00:00:00Z'),
      );
      expect(ids(got)).toEqual(ids(expected));
      const times = got.map((o) => Date.parse(effective(o)!));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });
  });

  describe('sorting, counting, elements, totals', () => {
    it('when sorted by date ascending and descending, then the order follows the effective time, missing values last', async () => {
      const up = matches((await search(`Observation?patient=${RICH}&_sort=date`)).body) as Observation[];
      const down = matches((await search(`Observation?patient=${RICH}&_sort=-date`)).body) as Observation[];
      const times = (list: Observation[]) =>
        list
          .map((o) => effective(o) ?? o.effectivePeriod?.start)
          .filter(Boolean)
          .map((s) => Date.parse(s!));
      expect(times(up)).toEqual([...times(up)].sort((a, b) => a - b));
      expect(times(down)).toEqual([...times(down)].sort((a, b) => b - a));
      expect(ids(up)).toEqual(ids(down));
    });

    it("when _summary=count, then only the total and the sources' OperationOutcome come back", async () => {
      const answer = await search(`Condition?patient=${RICH}&clinical-status=active&_summary=count`);
      expect(answer.body.total).toBe(
        factsOf<Condition>('Condition').filter((c) =>
          codings(c.clinicalStatus).some((s) => s.code === 'active'),
        ).length,
      );
      expect(answer.body.entry?.map((e) => e.search?.mode)).toEqual(['outcome']);
    });

    it('when _elements names elements, then matches carry only those (and id, meta), tagged SUBSETTED', async () => {
      const answer = await search(`Observation?patient=${RICH}&_elements=code,status,effective`);
      const first = matches(answer.body)[0]!;
      const keys = Object.keys(first).filter((k) => !k.startsWith('effective'));
      expect(keys.sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status']);
      expect(first.meta?.tag?.some((tag) => tag.code === 'SUBSETTED')).toBe(true);
      expect(first.meta?.source).toBeDefined();
    });

    it('when _total=none, then no total is given; by default it is accurate', async () => {
      expect((await search(`Flag?patient=${RICH}&_total=none`)).body.total).toBeUndefined();
      expect((await search(`Flag?patient=${RICH}&status=active`)).body.total).toBeGreaterThanOrEqual(0);
    });

    it("when searching by the _id of a duplicate grouped under another source's fact, then that source's resource is the match", async () => {
      const member = everyResource.find((r) => r.resourceType === 'Observation' && !record.includes(r))!;
      expect(member).toBeDefined();
      const answer = await search(`Observation?patient=${RICH}&_id=${member.id}`);
      expect(ids(matches(answer.body))).toEqual([member.id]);
    });

    it('when searching by _id and _lastUpdated, then the one resource, and those updated in the range, come back', async () => {
      const one = factsOf<Condition>('Condition')[0]!;
      expect(ids(matches((await search(`Condition?patient=${RICH}&_id=${one.id}`)).body))).toEqual([one.id]);
      const updated = factsOf<Condition>('Condition').filter((c) => c.meta?.lastUpdated);
      const answer = await search(`Condition?patient=${RICH}&_lastUpdated=ge1900-01-01`);
      expect(ids(matches(answer.body))).toEqual(ids(updated));
    });
  });

  describe('includes', () => {
    it('when current medications are asked for with their Medication resources, then each referenced Medication is included', async () => {
      const answer = await search(
        `MedicationStatement?patient=${RICH}&status=active&_include=MedicationStatement:medication`,
      );
      expect(answer.status).toBe(200);
      const statements = matches(answer.body) as { medicationReference?: { reference?: string } }[];
      expect(statements.length).toBeGreaterThan(0);
      const medications = new Set(included(answer.body, 'Medication').map((m) => `Medication/${m.id}`));
      for (const s of statements) {
        if (s.medicationReference?.reference?.startsWith('Medication/'))
          expect(medications.has(s.medicationReference.reference)).toBe(true);
      }
    });

    it('when Observations are asked for with their Encounters, then the referenced Encounters come as includes', async () => {
      const answer = await search(`Observation?patient=${RICH}&_include=Observation:encounter`);
      const refs = new Set(
        (matches(answer.body) as Observation[]).flatMap((o) =>
          o.encounter?.reference ? [o.encounter.reference] : [],
        ),
      );
      const encounters = included(answer.body, 'Encounter').map((e) => `Encounter/${e.id}`);
      for (const ref of refs) if (ref.startsWith('Encounter/')) expect(encounters).toContain(ref);
      expect(matches(answer.body).every((r) => r.resourceType === 'Observation')).toBe(true);
    });

    it('when Provenance:target is revincluded, then every match is the target of an included Provenance', async () => {
      const answer = await search(`Condition?patient=${RICH}&_revinclude=Provenance:target`);
      const targets = new Set(
        included(answer.body, 'Provenance').flatMap((p) =>
          (p as { target: { reference?: string }[] }).target.map((t) => t.reference),
        ),
      );
      for (const c of matches(answer.body)) expect(targets.has(`Condition/${c.id}`)).toBe(true);
    });
  });

  describe('reference', () => {
    it('when Observations are searched by their encounter, then exactly those referring to it come back', async () => {
      const withEncounter = factsOf<Observation>('Observation').filter((o) =>
        o.encounter?.reference?.startsWith('Encounter/'),
      );
      expect(withEncounter.length).toBeGreaterThan(0);
      const encounter = withEncounter[0]!.encounter!.reference!;
      const answer = await search(`Observation?patient=${RICH}&encounter=${encounter}`);
      const refersTo = (r: Resource) => (r as Observation).encounter?.reference === encounter;
      // A fact matches by the resource shown for it, or, where that one does not refer to it, by the
      // duplicates from other sources that do.
      const expected = record
        .filter((r) => r.resourceType === 'Observation')
        .flatMap((fact) => (refersTo(fact) ? [fact] : membersOf(fact).filter(refersTo)));
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(matches(answer.body))).toEqual(ids(expected));
    });

    it('when an Encounter is searched with the Observations that refer to it, then they come as includes', async () => {
      const withEncounter = factsOf<Observation>('Observation').filter((o) =>
        o.encounter?.reference?.startsWith('Encounter/'),
      );
      const encounterId = withEncounter[0]!.encounter!.reference!.slice('Encounter/'.length);
      const answer = await search(
        `Encounter?patient=${RICH}&_id=${encounterId}&_revinclude=Observation:encounter`,
      );
      expect(ids(matches(answer.body))).toEqual([encounterId]);
      // Grouped duplicates refer to it too: they are included like the facts they are grouped under.
      const referring = everyResource.filter(
        (r) =>
          r.resourceType === 'Observation' &&
          (r as Observation).encounter?.reference === `Encounter/${encounterId}`,
      );
      expect(ids(included(answer.body, 'Observation'))).toEqual(ids(referring));
    });
  });

  describe('audit', () => {
    it('when a filtered search is answered, then its AuditEvent counts the record items it returned, not the whole view', async () => {
      const answer = await getFhir<Bundle>(`${t.fhir}/Condition?patient=${RICH}&clinical-status=active`, {
        headers: { authorization: await bearer(), 'x-request-id': 'search-audit-1' },
      });
      const returned = (answer.body.entry ?? []).filter(
        (e) => e.resource?.resourceType === 'Condition',
      ).length;
      // The filter left some of the patient's conditions out: the audit must not count them.
      expect(returned).toBeLessThan(everyResource.filter((r) => r.resourceType === 'Condition').length);
      const trail = await getFhir<Bundle>(`${t.fhir}/AuditEvent?patient=${RICH}&_count=100`, {
        headers: { authorization: await bearer('privacy-officer') },
      });
      const event = (trail.body.entry ?? [])
        .map((e) => e.resource as AuditEvent)
        .find((e) => JSON.stringify(e).includes('search-audit-1'));
      const detail = event?.entity
        ?.flatMap((e) => e.detail ?? [])
        .find((d) => d.type === 'resources-returned');
      expect(detail?.valueString).toBe(String(returned));
    });
  });

  describe('refusals', () => {
    it('when a parameter is not supported, then 400 names it and lists what the type supports', async () => {
      const answer = await getFhir<OperationOutcome>(`${t.fhir}/Condition?patient=${RICH}&severity=severe`);
      expect(answer.status).toBe(400);
      const text = answer.body.issue[0]?.details?.text ?? '';
      expect(text).toContain('"severity"');
      expect(text).toMatch(/clinical-status, verification-status, category, code, onset-date/);
      expect(answer.body.issue[0]?.expression).toEqual(['severity']);
    });

    it('when a modifier, a date, a sort, an include or _summary is not supported, then 400 says what is', async () => {
      const cases: [string, RegExp][] = [
        [`Observation?patient=${RICH}&date:exact=2026`, /:missing/],
        [`Observation?patient=${RICH}&date=last-week`, /ge2026-01/],
        [`Observation?patient=${RICH}&_sort=code`, /Sort by: _lastUpdated, date \(/],
        [`Observation?patient=${RICH}&_include=Observation:subject`, /Observation:encounter/],
        [`Observation?patient=${RICH}&_include:iterate=Observation:encounter`, /_include:iterate/],
        [`Observation?patient=${RICH}&_summary=true`, /count/],
        [`Observation?patient=${RICH}&status=`, /needs a value/],
        [`Observation?code=${HBA1C}`, /patient=\{NHS number\}/],
      ];
      for (const [query, text] of cases) {
        const answer = await getFhir<OperationOutcome>(`${t.fhir}/${query}`);
        expect([query, answer.status]).toEqual([query, 400]);
        expect(answer.body.issue[0]?.details?.text).toMatch(text);
        expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.ts:\d+/);
      }
    });
  });

  describe('the CapabilityStatement', () => {
    it('when read, then it lists per type exactly the filters, includes and result parameters the broker evaluates, as valid R4', async () => {
      const capability = (await getFhir<CapabilityStatement>(`${t.fhir}/metadata`)).body;
      expect(r4Errors(capability)).toEqual([]);
      const resources = capability.rest![0]!.resource!;
      for (const type of RECORD_RESOURCE_TYPES) {
        const resource = resources.find((r) => r.type === type)!;
        const names = resource.searchParam!.map((p) => p.name);
        expect([type, names]).toEqual([
          type,
          ['patient', ...supportedFilters(type), '_count', '_sort', '_summary', '_elements', '_total'],
        ]);
        expect(resource.searchInclude).toEqual(includesOf(type));
        expect(resource.searchRevInclude).toContain('Provenance:target');
        expect(resource.interaction!.map((i) => i.code)).toEqual(['read', 'search-type']);
      }
      const observation = resources.find((r) => r.type === 'Observation')!;
      expect(observation.searchParam!.find((p) => p.name === 'date')).toMatchObject({
        type: 'date',
        definition: 'http://hl7.org/fhir/SearchParameter/clinical-date',
      });
      expect(resources.find((r) => r.type === 'Medication')?.interaction).toEqual([{ code: 'read' }]);
      // No demographics service here: Patient is searched by NHS number only.
      const patient = resources.find((r) => r.type === 'Patient')!;
      expect(patient.searchParam!.map((p) => p.name)).toEqual(['identifier']);
    });

    it('when a search names a parameter the CapabilityStatement lists, then it is accepted; one it does not, refused', async () => {
      const capability = (await getFhir<CapabilityStatement>(`${t.fhir}/metadata`)).body;
      const flag = capability.rest![0]!.resource!.find((r) => r.type === 'Flag')!;
      expect(flag.searchParam!.map((p) => p.name)).toContain('status');
      expect((await search(`Flag?patient=${RICH}&status=active`)).status).toBe(200);
      expect((await search(`Flag?patient=${RICH}&category=x`)).status).toBe(400);
    });
  });

  describe('paging a filtered search', () => {
    it('when a filtered search is paged, then the pages together hold exactly the filtered result, in order', async () => {
      const whole = await search(`Observation?patient=${RICH}&status=final&_sort=-date`);
      const expected = matches(whole.body).map((r) => r.id);
      expect(expected.length).toBeGreaterThan(3);
      const seen: (string | undefined)[] = [];
      let page = await search(`Observation?patient=${RICH}&status=final&_sort=-date&_count=3`);
      expect(page.body.total).toBe(expected.length);
      for (;;) {
        seen.push(...matches(page.body).map((r) => r.id));
        const next = page.body.link?.find((l) => l.relation === 'next')?.url;
        if (!next) break;
        page = await getFhir<Bundle>(next);
        expect(page.status).toBe(200);
      }
      expect(seen).toEqual(expected);
    });

    it('when fhir-kit-client pages a filtered search with nextPage, then it reads every page of exactly the filtered result', async () => {
      const client = new Client({ baseUrl: t.fhir, bearerToken: (await bearer()).slice('Bearer '.length) });
      const whole = matches((await search(`Observation?patient=${RICH}&status=final&_sort=date`)).body).map(
        (r) => r.id,
      );
      let page = (await client.search({
        resourceType: 'Observation',
        searchParams: { patient: RICH, status: 'final', _sort: 'date', _count: '4' },
      })) as unknown as Bundle;
      const seen = matches(page).map((r) => r.id);
      let pages = 1;
      while (page.link?.some((l) => l.relation === 'next')) {
        page = (await client.nextPage({ bundle: page as never })) as unknown as Bundle;
        seen.push(...matches(page).map((r) => r.id));
        pages++;
      }
      expect(pages).toBeGreaterThan(1);
      expect(seen).toEqual(whole);
    });
  });
});
