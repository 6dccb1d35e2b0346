import type { RecordResourceType } from '../../core/fhir/resource-types';

/** The `gpConnect` block of a gp-connect source's configuration (config/sections/sources.ts). */
export interface GpConnectOptions {
  /** The broker's ASID (Ssp-From) and the practice system's (Ssp-To), as issued by Spine. */
  readonly fromAsid: string;
  readonly toAsid: string;
  readonly includeResolvedAllergies: boolean;
  /** Medications from this many months back; omitted, all of them. */
  readonly medicationMonths?: number | undefined;
  readonly includeConsultations: boolean;
  readonly includeImmunisations: boolean;
  readonly includeInvestigations: boolean;
  readonly includeReferrals: boolean;
  readonly includeUncategorisedData: boolean;
}

/** The clinical areas of GP Connect Access Record: Structured, by their `$gpc.getstructuredrecord` parameter. */
export const GPC_SECTIONS = [
  'includeAllergies',
  'includeMedication',
  'includeProblems',
  'includeConsultations',
  'includeImmunisations',
  'includeInvestigations',
  'includeReferrals',
  'includeUncategorisedData',
] as const;
export type GpcSection = (typeof GPC_SECTIONS)[number];

/**
 * The R4 types each area supplies to the broker. Consultations are asked for when encounters are wanted: the
 * items recorded in them also come in their own areas. Investigations supply test reports (DiagnosticReport,
 * with their Specimens) and their test groups, results and filing comments (Observation).
 */
export const SECTION_TYPES: Readonly<Record<GpcSection, readonly RecordResourceType[]>> = {
  includeAllergies: ['AllergyIntolerance'],
  includeMedication: ['MedicationStatement', 'MedicationRequest'],
  includeProblems: ['Condition'],
  includeConsultations: ['Encounter'],
  includeImmunisations: ['Immunization'],
  includeInvestigations: ['DiagnosticReport', 'Observation'],
  includeReferrals: ['ServiceRequest'],
  includeUncategorisedData: ['Observation'],
};

/** The R4 types a GP Connect source can supply at all. */
export const GPC_RECORD_TYPES: readonly RecordResourceType[] = [
  ...new Set(Object.values(SECTION_TYPES).flat()),
];

const CONFIGURED: Readonly<Record<GpcSection, (options: GpConnectOptions) => boolean>> = {
  includeAllergies: () => true,
  includeMedication: () => true,
  includeProblems: () => true,
  includeConsultations: (o) => o.includeConsultations,
  includeImmunisations: (o) => o.includeImmunisations,
  includeInvestigations: (o) => o.includeInvestigations,
  includeReferrals: (o) => o.includeReferrals,
  includeUncategorisedData: (o) => o.includeUncategorisedData,
};

/** The areas to ask for: configured for the source, and supplying at least one of the wanted types. */
export function sectionsFor(
  wanted: readonly RecordResourceType[],
  options: GpConnectOptions,
): readonly GpcSection[] {
  return GPC_SECTIONS.filter(
    (section) => CONFIGURED[section](options) && SECTION_TYPES[section].some((type) => wanted.includes(type)),
  );
}

/** GP Connect's List codes (SNOMED CT) and how the broker names each area in what it tells the user. */
export const SECTION_LISTS: Readonly<Record<string, string>> = {
  '886921000000105': 'Allergies',
  '1103671000000101': 'Ended allergies',
  '933361000000108': 'Medications',
  '717711000000103': 'Problems',
  '1149501000000101': 'Consultations',
  '325851000000107': 'Consultations',
  '1102181000000102': 'Immunisations',
  '887191000000108': 'Investigations',
  '792931000000107': 'Referrals',
  '826501000000100': 'Uncategorised data',
};
