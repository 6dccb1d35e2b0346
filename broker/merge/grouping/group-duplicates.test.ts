import type { AllergyIntolerance, Medication } from '@medplum/fhirtypes';
import type { MergedEntry } from '../merged-entry';
import { groupDuplicates } from './group-duplicates';

const SNOMED = 'http://snomed.info/sct';

function allergy(sourceId: string, id: string, code = '764146007'): MergedEntry {
  const resource: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: `${sourceId}-${id}`,
    patient: { reference: 'Patient/9000000009' },
    code: { coding: [{ system: SNOMED, code }] },
    note: [{ text: `as ${sourceId} recorded it` }],
  };
  return { sourceId, resource };
}

const noMedications = (): Medication | undefined => undefined;
const group = (entries: MergedEntry[], sourceOrder = ['gp', 'acute', 'neighbouring-ics']): MergedEntry[] =>
  groupDuplicates({ entries, sourceOrder, resolveMedication: noMedications });

describe('groupDuplicates', () => {
  it('when three sources record the same allergy, then the highest-priority source leads and lists the others', () => {
    const entries = [allergy('neighbouring-ics', 'a1'), allergy('acute', 'a1'), allergy('gp', 'a1')];
    const grouped = group(entries);
    const lead = grouped.find((e) => e.sourceId === 'gp')!;
    expect(lead.groupedUnder).toBeUndefined();
    expect(lead.duplicates).toEqual([
      { sourceId: 'acute', reference: 'AllergyIntolerance/acute-a1' },
      { sourceId: 'neighbouring-ics', reference: 'AllergyIntolerance/neighbouring-ics-a1' },
    ]);
    for (const member of grouped.filter((e) => e.sourceId !== 'gp')) {
      expect(member.groupedUnder).toBe('AllergyIntolerance/gp-a1');
      expect(member.duplicates).toBeUndefined();
    }
  });

  it('when grouped, then every resource is the very same object, content unchanged, and order is kept', () => {
    const entries = [allergy('gp', 'a1'), allergy('acute', 'a1'), allergy('gp', 'a2', '387494007')];
    const grouped = group(entries);
    expect(grouped.map((e) => e.resource)).toEqual(entries.map((e) => e.resource));
    grouped.forEach((e, i) => expect(e.resource).toBe(entries[i]!.resource));
  });

  it('when one source records the same allergy twice, then its two records are never grouped together', () => {
    const grouped = group([allergy('gp', 'a1'), allergy('gp', 'a2')]);
    expect(grouped.every((e) => !e.groupedUnder && !e.duplicates)).toBe(true);
  });

  it('when one source has it twice and another once, then the other joins the first, and the second stays alone', () => {
    const grouped = group([allergy('gp', 'a1'), allergy('gp', 'a2'), allergy('acute', 'a1')]);
    expect(grouped[0]!.duplicates).toEqual([{ sourceId: 'acute', reference: 'AllergyIntolerance/acute-a1' }]);
    expect(grouped[1]).toEqual(allergy('gp', 'a2'));
    expect(grouped[2]!.groupedUnder).toBe('AllergyIntolerance/gp-a1');
  });

  it('when the substances differ, then nothing groups', () => {
    const grouped = group([allergy('gp', 'a1'), allergy('acute', 'a1', '387494007')]);
    expect(grouped.every((e) => !e.groupedUnder && !e.duplicates)).toBe(true);
  });
});
