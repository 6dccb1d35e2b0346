/** Why a string is not an NHS number; `null` when it is one. */
export const NHS_NUMBER_PROBLEMS = ['length', 'characters', 'check-digit'] as const;
export type NhsNumberProblem = (typeof NHS_NUMBER_PROBLEMS)[number];

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** The modulus-11 check digit for the first nine digits, or null when no valid check digit exists. */
export function nhsCheckDigit(firstNine: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine.charCodeAt(i) - 48) * WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** Checks length, characters and the modulus-11 check digit. Spaces are not accepted: callers strip them. */
export function nhsNumberProblem(value: string): NhsNumberProblem | null {
  if (!/^\d*$/.test(value)) return 'characters';
  if (value.length !== 10) return 'length';
  const check = nhsCheckDigit(value.slice(0, 9));
  if (check === null || check !== Number(value[9])) return 'check-digit';
  return null;
}

export function isValidNhsNumber(value: string): boolean {
  return nhsNumberProblem(value) === null;
}

/** 943 476 5919 → "943 476 5919", the form clinicians read. */
export function formatNhsNumber(value: string): string {
  return `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}`;
}
