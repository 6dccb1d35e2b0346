import { DEMO_NHS_NUMBERS } from '../population/types';

const SNOMED = 'http://snomed.info/sct';
const LIST_WARNING_CODE =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1';
const CLINICAL_SETTING =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ClinicalSetting-1';

/** The Lists GP Connect answers with: one per clinical area (two for allergies), by SNOMED CT code and title. */
export const GPC_LISTS = {
  allergies: { code: '886921000000105', title: 'Allergies and adverse reactions' },
  endedAllergies: { code: '1103671000000101', title: 'Ended allergies' },
  medications: { code: '933361000000108', title: 'Medications and medical devices' },
  problems: { code: '717711000000103', title: 'Problems' },
  consultations: { code: '1149501000000101', title: 'List of consultations' },
  immunisations: { code: '1102181000000102', title: 'Immunisations' },
  investigations: { code: '887191000000108', title: 'Investigations and results' },
  referrals: { code: '792931000000107', title: 'Outbound referral' },
  uncategorised: { code: '826501000000100', title: 'Miscellaneous record' },
} as const;
export type GpcListKey = keyof typeof GPC_LISTS;

export const LIST_WARNINGS = ['confidential-items', 'data-in-transit', 'data-awaiting-filing'] as const;
export type ListWarning = (typeof LIST_WARNINGS)[number];

const WARNING_NOTES: Readonly<Record<ListWarning, string>> = {
  'confidential-items': 'Items excluded due to confidentiality and/or patient preferences.',
  'data-in-transit':
    'Patient record transfer from previous GP practice not yet complete; information recorded before the transfer may be missing.',
  'data-awaiting-filing':
    'Patient data may be incomplete as there is data supplied by a third party awaiting review before becoming available.',
};

/**
 * Which patients' lists carry a warning in this simulation: the restricted patient asked the practice to keep
 * some allergy records confidential, so the allergies list says items were withheld.
 */
export const SIMULATED_LIST_WARNINGS: ReadonlyMap<string, Partial<Record<GpcListKey, ListWarning>>> = new Map(
  [[DEMO_NHS_NUMBERS.restricted, { allergies: 'confidential-items' }]],
);

/** A GP Connect List (CareConnect-GPC-List-1) of one area's items; an empty one says why it is empty. */
export function sectionList(options: {
  readonly key: GpcListKey;
  readonly patientId: string;
  readonly items: readonly string[];
  readonly date: string;
  readonly warning?: ListWarning;
}): object {
  const { code, title } = GPC_LISTS[options.key];
  const notes = [
    ...(options.warning ? [{ text: WARNING_NOTES[options.warning] }] : []),
    ...(options.items.length === 0 ? [{ text: 'Information not available' }] : []),
  ];
  return {
    resourceType: 'List',
    id: `list-${options.key}`,
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-List-1'] },
    extension: [
      {
        url: CLINICAL_SETTING,
        valueCodeableConcept: {
          coding: [{ system: SNOMED, code: '1060971000000108', display: 'General practice service' }],
        },
      },
      ...(options.warning ? [{ url: LIST_WARNING_CODE, valueCode: options.warning }] : []),
    ],
    status: 'current',
    mode: 'snapshot',
    title,
    code: { coding: [{ system: SNOMED, code, display: title }] },
    subject: { reference: `Patient/${options.patientId}` },
    date: options.date,
    ...(notes.length > 0 ? { note: notes } : {}),
    ...(options.items.length > 0
      ? { entry: options.items.map((reference) => ({ item: { reference } })) }
      : {
          emptyReason: {
            coding: [
              {
                system: 'http://hl7.org/fhir/list-empty-reason',
                code: 'no-content-recorded',
                display: 'No Content Recorded',
              },
            ],
          },
        }),
  };
}
