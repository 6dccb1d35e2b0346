import type { Consent } from '@medplum/fhirtypes';
import type { Requester } from '../core/requester';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../core/fhir/systems';

/** SDS user id: the system of the recording clinician's identifier. */
const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';

/** What the objection form asked, once checked. */
export interface ObjectionForm {
  /** Empty: an objection to all sharing; otherwise the ODS codes of the organisations objected to. */
  readonly organisations: readonly string[];
  /** The day the patient objected (YYYY-MM-DD), from which it is in force. */
  readonly date: string;
}

/** Checks the form: a real date not in the future, and organisations among the configured sources'. */
export function readObjectionForm(
  form: ReadonlyMap<string, string>,
  knownOrganisations: readonly string[],
  today: string,
): ObjectionForm | { problem: { field: string; text: string } } {
  const scope = form.get('scope');
  const date = form.get('date') ?? '';
  if (scope !== 'all' && scope !== 'organisations')
    return { problem: { field: 'scope-all', text: 'Choose what the patient objects to' } };
  // One checkbox per organisation, each its own field (the form reader refuses repeated parameters).
  const organisations =
    scope === 'organisations' ? knownOrganisations.filter((ods) => form.get(`org-${ods}`) === 'on') : [];
  if (scope === 'organisations' && organisations.length === 0)
    return { problem: { field: 'scope-organisations', text: 'Choose at least one organisation' } };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date)) || date > today)
    return { problem: { field: 'date', text: 'Enter the date the patient objected, today or earlier' } };
  return { organisations, date };
}

/** The objection as the register holds it: a FHIR Consent (patient-privacy, OPTOUT, deny), naming who recorded it. */
export function objectionConsent(input: {
  nhsNumber: string;
  objection: ObjectionForm;
  recordedBy: Requester;
  now: Date;
}): Consent {
  const { recordedBy, objection } = input;
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { identifier: { system: NHS_NUMBER_SYSTEM, value: input.nhsNumber } },
    dateTime: input.now.toISOString(),
    performer: [
      {
        identifier: { system: SDS_USER_SYSTEM, value: recordedBy.userId },
        ...(recordedBy.name ? { display: recordedBy.name } : {}),
      },
    ],
    organization: [{ identifier: { system: ODS_CODE_SYSTEM, value: recordedBy.organisationOds } }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision: {
      type: 'deny',
      period: { start: objection.date },
      ...(objection.organisations.length
        ? {
            actor: objection.organisations.map((ods) => ({
              role: {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'CST' },
                ],
              },
              reference: { identifier: { system: ODS_CODE_SYSTEM, value: ods } },
            })),
          }
        : {}),
    },
  };
}
