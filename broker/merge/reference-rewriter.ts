import type { Reference } from '@medplum/fhirtypes';
import { namespacedId } from './namespaced-id';
import { maskedReference } from './sensitive-data/masked-reference';

const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export interface ReferenceRewriterOptions {
  readonly sourceId: string;
  readonly baseUrl: string;
  /** `Type/localId` of every resource from this source that is in the view. */
  readonly inView: ReadonlySet<string>;
  /** The source's own patient id, and the id the patient has in the view. */
  readonly localPatientId: string;
  readonly viewPatientId: string;
  /**
   * `Type/localId` of every resource from this source that is withheld as sensitive: a Reference to one
   * becomes a masked Reference, with nothing of the target (not its id, not its display).
   */
  readonly withheld?: ReadonlySet<string>;
  /**
   * Record types this source supplies that the view did not ask for: a reference to one of them is
   * named by its id in the view (`Encounter/{sourceId}-{id}`), which the broker can read by id with
   * every rule of a view, rather than by the source's own URL, which a client cannot follow.
   */
  readonly notAsked?: ReadonlySet<string>;
}

/** `Type/localId` when the reference points into the source at `baseUrl` (relative, or absolute under it). */
export function localTarget(reference: string, baseUrl: string): { type: string; id: string } | null {
  return localTargetUnder(reference, `${baseUrl}/`);
}

/** localTarget for one source: its base URL's prefix made once, not for every reference. */
export function localTargetsOf(baseUrl: string): (reference: string) => { type: string; id: string } | null {
  const prefix = `${baseUrl}/`;
  return (reference) => localTargetUnder(reference, prefix);
}

/** As localTarget, with the base URL's prefix (`{baseUrl}/`) made once by the caller. */
function localTargetUnder(reference: string, prefix: string): { type: string; id: string } | null {
  let relative = reference;
  if (reference.startsWith(prefix)) relative = reference.slice(prefix.length);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return null;
  const match = RELATIVE_REFERENCE.exec(relative);
  return match ? { type: match[1]!, id: match[2]! } : null;
}

/**
 * Rewrites a source's references for the merged view: to the view's patient, to the namespaced id
 * of a resource that is in the view or of a record type the view did not ask for (readable by id
 * through the broker), or to the absolute URL at the source for anything else, so a
 * reference never dangles into, or collides with, another source's ids.
 */
export class ReferenceRewriter {
  private readonly prefix: string;
  /**
   * Each distinct reference's fate, worked out once: a source's resources name the same patient,
   * practitioners and encounters over and over, and each working-out is a regex and a few strings.
   */
  private readonly known = new Map<string, { readonly rewritten: string; readonly withheld: boolean }>();

  constructor(private readonly options: ReferenceRewriterOptions) {
    this.prefix = `${options.baseUrl}/`;
  }

  /** `Type/localId` when the reference points into this source (relative, or absolute under its base URL). */
  localTarget(reference: string): { type: string; id: string } | null {
    return localTargetUnder(reference, this.prefix);
  }

  /** True when the reference points at a resource of this source that is withheld as sensitive. */
  isWithheld(reference: string): boolean {
    return this.fate(reference).withheld;
  }

  rewrite(reference: string): string {
    return this.fate(reference).rewritten;
  }

  private fate(reference: string): { readonly rewritten: string; readonly withheld: boolean } {
    let fate = this.known.get(reference);
    if (!fate) {
      const target = this.localTarget(reference);
      fate = {
        rewritten: this.rewriteTarget(reference, target),
        withheld: target !== null && this.options.withheld?.has(`${target.type}/${target.id}`) === true,
      };
      this.known.set(reference, fate);
    }
    return fate;
  }

  private rewriteTarget(reference: string, target: { type: string; id: string } | null): string {
    if (!target) return reference;
    if (target.type === 'Patient' && target.id === this.options.localPatientId)
      return `Patient/${this.options.viewPatientId}`;
    if (this.options.inView.has(`${target.type}/${target.id}`) || this.options.notAsked?.has(target.type)) {
      return `${target.type}/${namespacedId(this.options.sourceId, target.id)}`;
    }
    return `${this.options.baseUrl}/${target.type}/${target.id}`;
  }

  /**
   * A copy of a JSON resource tree with every Reference.reference rewritten, and every Reference to a
   * withheld resource masked; nothing else is changed. The top level is always a new object (the
   * merge sets its id and meta); below it, a part with nothing to rewrite is the source's own object,
   * shared rather than copied: nothing in the view changes a resource's content in place, and copying
   * every coding of every resource was most of the merge's allocation (and so of its garbage).
   */
  copy<T>(node: T): T {
    const copied = this.rewritten(node);
    if (copied !== node || typeof node !== 'object' || node === null) return copied as T;
    return (Array.isArray(node) ? [...(node as unknown[])] : { ...node }) as T;
  }

  /** The node with its references rewritten: the node itself when nothing in it changes, else a copy along the changed paths. */
  private rewritten(node: unknown): unknown {
    if (typeof node !== 'object' || node === null) return node;
    if (Array.isArray(node)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        const next = this.rewritten(item);
        if (next !== item) {
          out ??= node.slice();
          out[i] = next;
        }
      }
      return out ?? node;
    }
    const record = node as Record<string, unknown>;
    const reference = (record as Reference).reference;
    if (typeof reference === 'string' && this.isWithheld(reference)) return maskedReference();
    let out: Record<string, unknown> | undefined;
    for (const key in record) {
      const value = record[key];
      const next =
        key === 'reference' && typeof value === 'string'
          ? this.rewrite(value)
          : typeof value === 'object' && value !== null
            ? this.rewritten(value)
            : value;
      if (next !== value) {
        out ??= { ...record };
        out[key] = next;
      }
    }
    return out ?? record;
  }
}
