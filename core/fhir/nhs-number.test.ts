import { formatNhsNumber, isValidNhsNumber, nhsCheckDigit, nhsNumberProblem } from './nhs-number';

describe('NHS number', () => {
  it('when the demo numbers are checked, then each passes modulus 11', () => {
    for (const nhs of ['9000000009', '9000000017', '9000000025', '9000000033', '9434765919']) {
      expect(nhsNumberProblem(nhs)).toBeNull();
      expect(isValidNhsNumber(nhs)).toBe(true);
    }
  });

  it('when the check digit is wrong, then the problem is the check digit', () => {
    expect(nhsNumberProblem('9000000008')).toBe('check-digit');
    expect(nhsNumberProblem('9434765918')).toBe('check-digit');
  });

  it('when the first nine digits give a remainder of 1, then no check digit is valid', () => {
    // 2×6 = 12, remainder 1 → 11 − 1 = 10: no valid NHS number starts with these nine digits.
    expect(nhsCheckDigit('000000006')).toBeNull();
    for (let d = 0; d <= 9; d++) expect(nhsNumberProblem(`000000006${d}`)).toBe('check-digit');
  });

  it('when a remainder of 0 gives 11, then the check digit is 0', () => {
    expect(nhsCheckDigit('000000000')).toBe(0);
  });

  it('when the length or characters are wrong, then it says which', () => {
    expect(nhsNumberProblem('900000000')).toBe('length');
    expect(nhsNumberProblem('90000000099')).toBe('length');
    expect(nhsNumberProblem('')).toBe('length');
    expect(nhsNumberProblem('900000000X')).toBe('characters');
    expect(nhsNumberProblem('900 000 0009')).toBe('characters');
  });

  it('when formatted, then it reads 3-3-4', () => {
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
  });
});
