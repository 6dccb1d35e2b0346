import type { Resource } from '@medplum/fhirtypes';
import type { SensitiveDataConfig } from '../../config/schema';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import { SensitiveDataPolicy } from './sensitive-data/sensitive-data-policy';
import { sourceContribution, type SourceContribution } from './source-contribution';

/** What each source's contribution to a view is made with: the same for every source of the view. */
export interface ContributionSetup {
  readonly nhsNumber: string;
  /** In the same order as the outcomes; also the sources' priority (config order, most trusted first). */
  readonly sources: readonly SourceDescriptor[];
  /** What is withheld as sensitive, and what is removed for a restricted patient (broker/merge/sensitive-data). */
  readonly sensitiveData?: SensitiveDataConfig;
  /** Resources last updated before this instant are left out (sources may ignore `_lastUpdated`). */
  readonly since?: string;
  /** The record types the view asked for (see SourceContributionInput.resourceTypes). */
  readonly resourceTypes?: readonly string[];
  /**
   * Whether the patient objects to sharing from any of these ODS codes (an item's origin and the
   * sources it came through, from its `meta.tag`, as a peer broker relays them): such items are
   * withheld before anything else, and each source's count reported.
   */
  readonly objectedOrigin?: (odsCodes: readonly string[]) => boolean;
}

/** One source's contribution, and how many of its items the patient's objections withheld first. */
export interface MadeContribution {
  readonly contribution: SourceContribution;
  readonly objected: number;
}

/**
 * One `ok` source's contribution: items the patient objects to sharing withheld first, then the
 * identity guard, the sensitive-data policy, `_since`, ids and references (sourceContribution).
 */
export function contribute(
  outcome: Extract<SourceOutcome, { status: 'ok' }>,
  source: SourceDescriptor,
  setup: ContributionSetup,
  policy: SensitiveDataPolicy,
): MadeContribution {
  const { objectedOrigin } = setup;
  const objected = objectedOrigin ? outcome.record.resources.filter((r) => objectedOrigin(odsTagsOf(r))) : [];
  const record =
    objected.length === 0
      ? outcome.record
      : { ...outcome.record, resources: outcome.record.resources.filter((r) => !objected.includes(r)) };
  const contribution = sourceContribution({
    source,
    record,
    nhsNumber: setup.nhsNumber,
    policy,
    ...(setup.since ? { since: Date.parse(setup.since) } : {}),
    ...(setup.resourceTypes ? { resourceTypes: setup.resourceTypes } : {}),
  });
  return { contribution, objected: objected.length };
}

/**
 * Sources' contributions made as each source answers, while the view still waits for the slower
 * ones: the same work mergeView would do for that outcome, taken off the path between the last
 * answer and the response. Nothing is decided here that the merge does not decide the same way: a
 * contribution is used only for the very outcome object it was made from, and only by a merge of the
 * very same setup; the merge makes every other itself, and still judges every source's demographics
 * against the others' before it uses any contribution.
 */
export class EarlyContributions {
  private readonly policy: SensitiveDataPolicy;
  private readonly made = new Map<SourceOutcome, MadeContribution>();

  constructor(private readonly setup: ContributionSetup) {
    this.policy = new SensitiveDataPolicy(setup.sensitiveData);
  }

  /**
   * Told of a source's outcome as it arrives, with the source's place in `setup.sources`. Never
   * throws: a contribution that fails here is simply made again by the merge (and fails there).
   */
  add(outcome: SourceOutcome, index: number): void {
    const source = this.setup.sources[index];
    if (outcome.status !== 'ok' || source?.id !== outcome.sourceId) return;
    try {
      this.made.set(outcome, contribute(outcome, source, this.setup, this.policy));
    } catch {
      // Made again, and its error raised, by the merge.
    }
  }

  /** The contributions made so far, when they were made with exactly this setup. */
  madeFor(setup: ContributionSetup): ReadonlyMap<SourceOutcome, MadeContribution> | undefined {
    const own = this.setup;
    const same =
      own.nhsNumber === setup.nhsNumber &&
      own.sources === setup.sources &&
      own.sensitiveData === setup.sensitiveData &&
      own.since === setup.since &&
      own.resourceTypes === setup.resourceTypes &&
      own.objectedOrigin === setup.objectedOrigin;
    return same ? this.made : undefined;
  }
}

/** The ODS codes a resource's `meta.tag` carries as it arrived (a peer's items: their origin's). */
function odsTagsOf(resource: Resource): string[] {
  return (resource.meta?.tag ?? []).flatMap((tag) =>
    tag.system === ODS_CODE_SYSTEM && tag.code ? [tag.code] : [],
  );
}
