import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { BROKER_CANONICAL, ODS_CODE_SYSTEM } from '../core/fhir/systems';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import { r4Errors } from './support/fhir-validator';
import { closingOutcome, getFhir } from './support/fhir-http';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
const GROUPED = `${BROKER_CANONICAL}/StructureDefinition/grouped-duplicate`;

describe('duplicates are grouped, never merged: 9000000009 over real HTTP', () => {
  let t: TestRegion;
  let bundle: Bundle;
  beforeAll(async () => {
    // Generous limits: these tests are about content, and must not flake when the machine is busy.
    t = await startTestRegion({ federation: { deadlineMs: 10_000, sourceTimeoutMs: 8_000 } });
    bundle = (await getFhir<Bundle>(`${t.fhir}/Patient/${RICH}/$everything`)).body;
  });
  afterAll(() => t.close());

  const entries = (): BundleEntry[] => bundle.entry ?? [];
  const byId = (id: string): BundleEntry => entries().find((e) => e.resource?.id === id)!;
  const codeOf = (r: Resource): string | undefined => {
    const concept =
      (r as { code?: { coding?: { code?: string }[] } }).code ??
      (r as { medicationCodeableConcept?: { coding?: { code?: string }[] } }).medicationCodeableConcept;
    return concept?.coding?.[0]?.code;
  };
  /** The match entries of a type whose own code (or, for the GP's statements, Medication's code) is `code`. */
  const matchesOf = (type: string, code: string): BundleEntry[] =>
    entries().filter((e) => {
      if (e.search?.mode !== 'match' || e.resource?.resourceType !== type) return false;
      const ref = (e.resource as { medicationReference?: { reference?: string } }).medicationReference
        ?.reference;
      const medication = ref ? byId(ref.split('/')[1]!).resource : undefined;
      return codeOf(medication ?? e.resource) === code;
    });
  const grouped = (r: Resource): string[] =>
    ((r as { extension?: { url: string; valueReference?: { reference?: string } }[] }).extension ?? [])
      .filter((x) => x.url === GROUPED)
      .map((x) => x.valueReference!.reference!);
  const odsTags = (r: Resource): string[] =>
    (r.meta?.tag ?? []).filter((tag) => tag.system === ODS_CODE_SYSTEM).map((tag) => tag.code!);

  it.each([
    ['Metformin', 'MedicationStatement', '325278007', ['MedicationStatement/acute-med-1'], ['R1X', 'Y90001']],
    [
      'the penicillin allergy',
      'AllergyIntolerance',
      '764146007',
      ['AllergyIntolerance/acute-alg-1', 'AllergyIntolerance/neighbouring-ics-nt-store-alg-1'],
      ['R1X', 'Q9X', 'Y90001'],
    ],
    [
      'type 2 diabetes',
      'Condition',
      '44054006',
      ['Condition/neighbouring-ics-nt-store-cond-1'],
      ['Q9X', 'Y90001'],
    ],
    ['the HbA1c of 2026-09-14', 'Observation', '59261-8', ['Observation/acute-obs-12'], ['R1X', 'Y90001']],
  ])(
    'when %s is recorded by several sources, then it is one match from the GP that refers to the others, which are includes',
    (_what, type, code, members, tags) => {
      const shown = matchesOf(type, code).filter((e) => grouped(e.resource!).length > 0);
      expect(shown).toHaveLength(1);
      const representative = shown[0]!.resource!;
      expect(representative.id!.startsWith('gp-')).toBe(true);
      expect(grouped(representative)).toEqual(members);
      expect(odsTags(representative)).toEqual(tags);
      expect(odsTags(representative).at(-1)).toBe('Y90001');
      for (const reference of members) {
        const member = byId(reference.split('/')[1]!);
        expect(member.search?.mode).toBe('include');
        expect(grouped(member.resource!)).toEqual([]);
      }
    },
  );

  it('when the near-misses are merged, then they stay separate matches', () => {
    // Amlodipine: same product and start, a different dose at the trust.
    expect(matchesOf('MedicationStatement', '319773006').map((e) => e.resource!.id)).toEqual([
      'gp-med-2',
      'acute-med-2',
    ]);
    // Type 2 diabetes at the trust from another onset date: its own match beside the GP's group.
    expect(matchesOf('Condition', '44054006').map((e) => e.resource!.id)).toEqual([
      'gp-cond-1',
      'acute-cond-2',
    ]);
    // Earlier HbA1c results at the GP are other facts.
    expect(matchesOf('Observation', '59261-8').length).toBeGreaterThan(1);
  });

  it('when grouped, then total counts each fact once and the Bundle is still valid FHIR R4', () => {
    const matches = entries().filter((e) => e.search?.mode === 'match');
    expect(bundle.total).toBe(matches.length);
    const members = entries().filter(
      (e) =>
        e.search?.mode === 'include' &&
        !['Provenance', 'Practitioner', 'Medication', 'Organization'].includes(e.resource!.resourceType),
    );
    expect(members.length).toBeGreaterThanOrEqual(5);
    expect(r4Errors(bundle)).toEqual([]);
    // Nothing disagrees in the demo record, so there is no conflict warning.
    expect(closingOutcome(bundle).issue.filter((i) => i.code === 'conflict')).toEqual([]);
  });

  it("when a grouped member is compared with its representative, then each keeps its own source's content", () => {
    const gp = byId('gp-med-1').resource as { dosage?: unknown; note?: { text?: string }[] };
    const acute = byId('acute-med-1').resource as { dosage?: unknown; note?: { text?: string }[] };
    expect(gp.note?.[0]?.text).toBe('Repeat prescription');
    expect(acute.note?.[0]?.text).toBe('Medicines on discharge');
    expect(acute.dosage).toEqual(gp.dosage);
  });

  it('when one type is searched, then it is grouped the same way as in $everything', async () => {
    const { body } = await getFhir<Bundle>(`${t.fhir}/AllergyIntolerance?patient=${RICH}`);
    const penicillin = (body.entry ?? []).filter((e) => e.resource && codeOf(e.resource) === '764146007');
    expect(penicillin.map((e) => [e.resource!.id, e.search?.mode])).toEqual([
      ['gp-alg-1', 'match'],
      ['acute-alg-1', 'include'],
      ['neighbouring-ics-nt-store-alg-1', 'include'],
    ]);
  });
});
