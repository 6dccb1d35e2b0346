import { nhsCheckDigit } from '../../core/fhir/nhs-number';
import type { Random } from './random';

/**
 * Draws `count` distinct valid NHS numbers (modulus 11), none of them in `excluded`.
 * They start with 9, as NHS test numbers do; nine digits are drawn and the check digit is computed,
 * drawing again when no valid check digit exists (one time in eleven).
 */
export function drawNhsNumbers(random: Random, count: number, excluded: ReadonlySet<string>): string[] {
  const drawn = new Set<string>();
  const numbers: string[] = [];
  while (numbers.length < count) {
    const firstNine = `9${String(random.int(0, 99_999_999)).padStart(8, '0')}`;
    const check = nhsCheckDigit(firstNine);
    if (check === null) continue;
    const candidate = `${firstNine}${check}`;
    if (excluded.has(candidate) || drawn.has(candidate)) continue;
    drawn.add(candidate);
    numbers.push(candidate);
  }
  return numbers;
}
