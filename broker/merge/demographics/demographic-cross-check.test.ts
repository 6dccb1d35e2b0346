import type { HumanName, Patient } from '@medplum/fhirtypes';
import type { SourceOutcome } from '../../../core/source-contract';
import { demographicMismatchOutcome, demographicMismatches } from './demographic-cross-check';
import { familyNames, familyNamesAgree, normaliseFamilyName } from './family-names';

const NOW = new Date('2026-11-01T09:00:00Z');

function patient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    id: 'p',
    name: [{ use: 'official', family: 'Clarke', given: ['Amelia'] }],
    birthDate: '1957-03-14',
    gender: 'female',
    ...overrides,
  };
}

const named = (...names: HumanName[]): Patient => patient({ name: names });
const check = (...patients: Patient[]): Record<string, string[]> =>
  Object.fromEntries(
    demographicMismatches(
      patients.map((p, i) => ({ sourceId: `s${i + 1}`, patient: p })),
      NOW,
    ),
  );

describe('demographicMismatches', () => {
  it('when the authority disagrees with two sources that agree, then those two are excluded, not the one agreeing with it', () => {
    const other = patient({ birthDate: '1958-03-15' });
    const mismatches = demographicMismatches(
      [
        { sourceId: 's1', patient: patient() },
        { sourceId: 's2', patient: other },
        { sourceId: 's3', patient: other },
      ],
      NOW,
      patient(),
    );
    expect(Object.fromEntries(mismatches)).toEqual({ s2: ['birthDate'], s3: ['birthDate'] });
  });

  it('when only one source answers and it disagrees with the authority, then it is excluded', () => {
    const mismatches = demographicMismatches(
      [{ sourceId: 's1', patient: patient({ gender: 'male' }) }],
      NOW,
      patient(),
    );
    expect(Object.fromEntries(mismatches)).toEqual({ s1: ['gender'] });
  });

  it('when every source agrees, then nobody is excluded', () => {
    expect(check(patient(), patient(), patient())).toEqual({});
  });

  it('when one of three has another date of birth, then that one is excluded, naming the field', () => {
    expect(check(patient(), patient({ birthDate: '1958-03-15' }), patient())).toEqual({ s2: ['birthDate'] });
  });

  it('when the highest-priority source is the odd one out, then the majority still decides', () => {
    expect(check(patient({ gender: 'male' }), patient(), patient())).toEqual({ s1: ['gender'] });
  });

  it('when two sources disagree one to one, then the higher-priority source is the reference', () => {
    expect(check(patient(), patient({ birthDate: '1975-03-14' }))).toEqual({ s2: ['birthDate'] });
  });

  it('when a source disagrees on several fields, then it names them all', () => {
    const other = patient({ birthDate: '1960-01-01', gender: 'male', name: [{ family: 'Jones' }] });
    expect(check(patient(), other, patient())).toEqual({ s2: ['birthDate', 'gender', 'family'] });
  });

  it('when a source lacks a date of birth, or says sex unknown, then it cannot disagree on it', () => {
    expect(check(patient(), patient({ birthDate: undefined, gender: 'unknown' }))).toEqual({});
  });

  it('when one source has only year and month of birth, then it agrees at that precision', () => {
    expect(check(patient(), patient({ birthDate: '1957-03' }))).toEqual({});
    expect(check(patient(), patient({ birthDate: '1957-04' }))).toEqual({ s2: ['birthDate'] });
  });

  it('when family names differ only in case, accents, hyphens, spaces or apostrophes, then they agree', () => {
    expect(check(named({ family: "O'Brien-Smythe" }), named({ family: 'obrien smythe' }))).toEqual({});
    expect(check(named({ family: 'Müller' }), named({ family: 'MULLER' }))).toEqual({});
    expect(check(named({ family: 'Zoë Núñez' }), named({ family: 'zoe-nunez' }))).toEqual({});
  });

  it('when a source keeps the surname another source has as an old name, then they agree', () => {
    const married = named({ use: 'official', family: 'Clarke' }, { use: 'old', family: 'Barnes' });
    expect(check(married, named({ family: 'Barnes' }))).toEqual({});
    const ended = named({ family: 'Clarke' }, { family: 'Barnes', period: { end: '1990-06-01' } });
    expect(check(named({ family: 'Barnes' }), ended)).toEqual({});
  });

  it("when the surnames differ and neither is recorded as the other's previous name, then they disagree", () => {
    expect(check(named({ family: 'Clarke' }), named({ family: 'Clark' }))).toEqual({ s2: ['family'] });
    // A name whose period has not ended is current, not previous.
    const future = named({ family: 'Clarke' }, { family: 'Barnes', period: { end: '2030-01-01' } });
    expect(check(named({ family: 'Barnes' }), future)).toEqual({});
    expect(familyNames(future, NOW).current.has('barnes')).toBe(true);
  });

  it('when a source has no family name (or only a nickname), then it cannot disagree on it', () => {
    expect(
      check(
        named({ family: 'Clarke' }),
        named({ text: 'A Clarke' }),
        named({ use: 'nickname', family: 'X' }),
      ),
    ).toEqual({});
  });
});

describe('family names', () => {
  it('when normalised, then only letters and digits are compared, without case or diacritics', () => {
    expect(normaliseFamilyName(' D’Arcy-Ó Súilleabháin ')).toBe('darcyosuilleabhain');
  });

  it('when both only share an old name, then they do not agree (each changed it to something else)', () => {
    const a = familyNames(named({ family: 'Smith' }, { use: 'old', family: 'Jones' }), NOW);
    const b = familyNames(named({ family: 'Brown' }, { use: 'old', family: 'Jones' }), NOW);
    expect(familyNamesAgree(a, b)).toBe(false);
  });
});

describe('demographicMismatchOutcome', () => {
  const ok: SourceOutcome = {
    sourceId: 'acute',
    status: 'ok',
    durationMs: 42,
    warnings: [],
    record: { patient: patient({ birthDate: '1958-03-15' }), resources: [] },
  };

  it('when a source is excluded, then its outcome is an error naming the fields and never the values', () => {
    const outcome = demographicMismatchOutcome(ok, ['birthDate', 'gender']);
    expect(outcome).toEqual({
      sourceId: 'acute',
      status: 'error',
      durationMs: 42,
      issue: {
        severity: 'error',
        code: 'business-rule',
        reason: 'demographic-mismatch',
        text: 'returned a patient whose date of birth and sex do not match the other sources',
      },
    });
    expect(JSON.stringify(outcome)).not.toMatch(/1958|1957|female/);
  });
});
