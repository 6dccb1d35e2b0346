import type { AdapterContext, SourceIssue } from '../../core/source-contract';
import { UpstreamFailure } from '../upstream-failure';
import { isIncident } from './epcr-checks';
import type { Incident } from './epcr-schema';
import { fetchIncidentPage, type EpcrEndpoint } from './epcr-requests';

export interface CollectIncidentsOptions {
  readonly patientId: string;
  /** ISO instant: only incidents updated at or after it. */
  readonly from?: string;
  readonly maxPages: number;
  readonly pageSize: number;
}

export interface CollectedIncidents {
  readonly incidents: readonly Incident[];
  readonly warnings: readonly SourceIssue[];
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/**
 * The patient's incidents, following the opaque `nextCursor` up to `maxPages` pages. The first page
 * failing fails the search; a later page failing (other than by time running out) keeps what came before
 * and says so, as does stopping at the cap. Incidents that are not valid ePCR incidents are left out and
 * counted.
 */
export async function collectIncidents(
  endpoint: EpcrEndpoint,
  options: CollectIncidentsOptions,
  ctx: AdapterContext,
): Promise<CollectedIncidents> {
  const byId = new Map<string, Incident>();
  const warnings: SourceIssue[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  let invalid = 0;
  for (let page = 0; ; page++) {
    if (page === options.maxPages) {
      warnings.push({
        severity: 'warning',
        code: 'too-costly',
        reason: 'truncated',
        text: `incident search: more than ${options.maxPages} pages; the rest was not fetched`,
      });
      break;
    }
    let result;
    try {
      result = await fetchIncidentPage(
        endpoint,
        {
          patientId: options.patientId,
          limit: options.pageSize,
          ...(options.from ? { from: options.from } : {}),
          ...(cursor ? { cursor } : {}),
        },
        ctx,
      );
    } catch (error) {
      const keepGoing = page > 0 && error instanceof UpstreamFailure && error.status !== 'timeout';
      if (!keepGoing || ctx.signal.aborted) throw error;
      warnings.push({
        ...error.issue,
        severity: 'warning',
        text: `incident search: page ${page + 1} failed, the incidents after page ${page} are missing: ${error.issue.text}`,
      });
      break;
    }
    for (const raw of result.incidents) {
      if (isIncident(raw)) byId.set(raw.incidentId, raw);
      else invalid++;
    }
    const next = result.nextCursor ?? undefined;
    if (!next) break;
    if (seenCursors.has(next)) {
      warnings.push({
        severity: 'warning',
        code: 'processing',
        reason: 'cursor-loop',
        text: 'incident search: the source repeated a page cursor; paging was stopped',
      });
      break;
    }
    seenCursors.add(next);
    cursor = next;
  }
  if (invalid > 0) {
    warnings.push({
      severity: 'warning',
      code: 'structure',
      reason: 'invalid-response',
      text: `incident search: ${invalid} ${plural(invalid, 'entry was', 'entries were')} not a valid ePCR incident and ${plural(invalid, 'was', 'were')} left out`,
    });
  }
  return { incidents: [...byId.values()], warnings };
}
