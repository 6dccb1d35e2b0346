import type { OrganisationsConfig } from '../../config/schema';

/**
 * Which organisation an ODS code belongs to, from configuration only (`organisations:` with
 * `partOf`): codes compare exactly, and a site is its trust's only when configured so. A prefix
 * means nothing (R is not R1X; R1X99 is not R1X unless configured).
 */
export class OrganisationDirectory {
  constructor(private readonly organisations: OrganisationsConfig = {}) {}

  /** The code and every organisation it is part of, nearest first (R1X01 → [R1X01, R1X]). */
  lineage(ods: string): string[] {
    const chain: string[] = [];
    let current: string | undefined = ods;
    // The schema refuses cycles; the bound keeps a hand-built directory honest too.
    while (current && !chain.includes(current) && chain.length < 16) {
      chain.push(current);
      current = this.organisations[current]?.partOf;
    }
    return chain;
  }

  /** The top of the code's lineage: the trust of a site, the code itself otherwise. */
  trustOf(ods: string): string {
    return this.lineage(ods).at(-1) ?? ods;
  }

  /** One organisation: the same code, or a site and its trust, or two sites of one trust. */
  sameOrganisation(a: string | undefined, b: string | undefined): boolean {
    if (!a || !b) return false;
    return a === b || this.trustOf(a) === this.trustOf(b);
  }

  /** Whether `ods` is `organisation` or one of its sites: what an objection to `organisation` covers. */
  within(ods: string | undefined, organisation: string): boolean {
    return Boolean(ods) && this.lineage(ods!).includes(organisation);
  }

  /** Whether `ods` is within any of `organisations`. */
  withinAny(ods: string | undefined, organisations: ReadonlySet<string>): boolean {
    return Boolean(ods) && this.lineage(ods!).some((code) => organisations.has(code));
  }
}
