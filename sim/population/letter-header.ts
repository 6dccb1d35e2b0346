import type { LetterHeader } from './catalogue/letters';
import { SIM_ORGANISATIONS } from './organisations';
import type { RecordContext } from './record-context';

/** The header of a letter a node writes about its patient, addressed to the registered GP practice by default. */
export function letterHeader(
  context: RecordContext,
  author: string,
  dateMs: number,
  recipient?: string,
): LetterHeader {
  const { person } = context;
  return {
    organisation: context.organisation.name,
    patientName: `${person.given} ${person.family}`,
    nhsNumber: person.nhsNumber,
    birthDate: person.birthDate,
    author,
    recipient: recipient ?? `${SIM_ORGANISATIONS.gp.name} (${SIM_ORGANISATIONS.gp.odsCode})`,
    dateMs,
  };
}
