import type { Resource } from '@medplum/fhirtypes';
import type { SensitiveDataConfig } from '../../../config/schema';
import { codedConcepts, type MedicationLookup } from './coded-concepts';
import { labelledWithAny } from './confidentiality';

/** The schema's defaults: what applies when a merge is given no configuration (fail closed on labels). */
export const DEFAULT_SENSITIVE_DATA: SensitiveDataConfig = {
  withheldConfidentiality: ['R', 'V'],
  codeSets: [],
};

/** Why a resource is withheld: for tests and reasoning only; a view never says which, only how many. */
export const WITHHOLD_REASONS = ['confidentiality', 'sensitive-code'] as const;
export type WithholdReason = (typeof WITHHOLD_REASONS)[number];

/**
 * The configured sensitive-data policy. A resource is withheld when it is labelled with a configured
 * v3-Confidentiality code (restricted, very restricted), or when one of the concepts it is coded with
 * (coded-concepts.ts) has a coding in a configured sensitive code set. Codes are matched exactly, by
 * system and code: a set lists the concepts it means, descendants included by listing them.
 *
 * A Patient is never withheld: R on a Patient means the person's record is restricted (S-flag), and
 * the view keeps the person while removing their contact details (restricted-patient.ts).
 */
export class SensitiveDataPolicy {
  private readonly confidentiality: ReadonlySet<string>;
  /** Sensitive codes by system: a coding is looked up as it is, with no `system|code` string made for it. */
  private readonly codes = new Map<string, Set<string>>();

  constructor(config: SensitiveDataConfig = DEFAULT_SENSITIVE_DATA) {
    this.confidentiality = new Set(config.withheldConfidentiality);
    for (const set of config.codeSets) {
      const codes = this.codes.get(set.system) ?? new Set<string>();
      for (const code of set.codes) codes.add(code);
      this.codes.set(set.system, codes);
    }
  }

  /** Why the resource is withheld, or undefined when it may be shown. */
  withholds(resource: Resource, medication: MedicationLookup): WithholdReason | undefined {
    if (resource.resourceType === 'Patient') return undefined;
    if (labelledWithAny(resource, this.confidentiality)) return 'confidentiality';
    if (this.codes.size === 0) return undefined;
    for (const concept of codedConcepts(resource, medication)) {
      for (const coding of concept.coding ?? []) {
        if (coding.code !== undefined && this.codes.get(coding.system ?? '')?.has(coding.code))
          return 'sensitive-code';
      }
    }
    return undefined;
  }
}
