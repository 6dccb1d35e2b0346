import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { definitionOf, includesOf, revincludesOf, TYPE_SEARCH_PARAMS } from './search-definitions';

describe('search definitions', () => {
  it('when the broker names a search parameter for a type, then FHIR R4 defines it for that type, with an expression', () => {
    const missing = RECORD_RESOURCE_TYPES.flatMap((type) =>
      TYPE_SEARCH_PARAMS[type]
        .filter((code) => !definitionOf(type, code)?.expression)
        .map((code) => `${type}.${code}`),
    );
    expect(missing).toEqual([]);
  });

  it('when includes are listed, then the references clinical systems follow are among them', () => {
    expect(includesOf('MedicationStatement')).toContain('MedicationStatement:medication');
    expect(includesOf('MedicationRequest')).toEqual(
      expect.arrayContaining(['MedicationRequest:medication', 'MedicationRequest:requester']),
    );
    expect(includesOf('Observation')).toEqual(
      expect.arrayContaining(['Observation:performer', 'Observation:encounter']),
    );
    expect(includesOf('Condition')).toContain('Condition:asserter');
    expect(includesOf('AllergyIntolerance')).toContain('AllergyIntolerance:recorder');
    expect(revincludesOf('Encounter')).toEqual(
      expect.arrayContaining(['Provenance:target', 'Observation:encounter']),
    );
  });
});
