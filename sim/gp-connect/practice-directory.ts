import type { Reference } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from '../population/code-systems';
import { SIM_ORGANISATIONS } from '../population/organisations';
import { gpcMeta } from './stu3-values';

export const PRACTICE_ORGANIZATION_ID = 'practice';

const practice = SIM_ORGANISATIONS.gp;

/** The practice's clinicians, as GP Connect names them: Practitioner ids by display name. */
const PRACTITIONER_IDS: ReadonlyMap<string, string> = new Map(
  practice.clinicians.map((name, index) => [name, `practitioner-${index + 1}`]),
);

/** The patients' usual GP, named in Patient.generalPractitioner. */
export const USUAL_GP_ID = 'practitioner-1';

/**
 * A reference to the practice clinician of that name (the population names clinicians by display only);
 * anyone else (a laboratory, another organisation's clinician) stays a display-only reference.
 */
export function practitionerReference(reference: Reference | undefined): Reference | undefined {
  if (!reference) return undefined;
  const id = reference.display ? PRACTITIONER_IDS.get(reference.display) : undefined;
  return id ? { reference: `Practitioner/${id}`, display: reference.display } : reference;
}

export function practiceOrganization(): object {
  return {
    resourceType: 'Organization',
    id: PRACTICE_ORGANIZATION_ID,
    meta: gpcMeta(undefined, 'CareConnect-GPC-Organization-1'),
    identifier: [{ system: ODS_SYSTEM, value: practice.odsCode }],
    name: practice.name,
  };
}

/** The Practitioner resources for the practice clinicians a record refers to. */
export function practitioners(ids: ReadonlySet<string>): object[] {
  return [...PRACTITIONER_IDS].filter(([, id]) => ids.has(id)).map(([name, id]) => practitioner(id, name));
}

function practitioner(id: string, display: string): object {
  const words = display.split(' ');
  const prefix = words[0] === 'Dr' ? ['Dr'] : [];
  const given = words.slice(prefix.length === 0 && words[0] === 'Nurse' ? 1 : prefix.length, -1);
  return {
    resourceType: 'Practitioner',
    id,
    meta: gpcMeta(undefined, 'CareConnect-GPC-Practitioner-1'),
    identifier: [
      {
        system: 'https://fhir.nhs.uk/Id/sds-user-id',
        value: `G${String(8000000 + Number(id.split('-')[1])).padStart(7, '0')}`,
      },
    ],
    name: [
      {
        use: 'usual',
        text: display,
        family: words[words.length - 1],
        given,
        ...(prefix.length ? { prefix } : {}),
      },
    ],
  };
}
