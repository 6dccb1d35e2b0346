import type { QueryResultRow } from 'pg';
import type { UsageReport } from './journal';

type Rows = <R extends QueryResultRow>(text: string, values: unknown[]) => Promise<{ rows: R[] }>;

interface GroupRow {
  readonly organisation: string | null;
  readonly role: string | null;
  readonly views: string;
  readonly users: string;
  readonly patients: string;
  readonly grouping: number;
}

/** The usage report in two statements over one snapshot (the partial index journal_views serves both). */
export async function usageReport(
  query: Rows,
  s: string,
  bounds: { readonly from: string; readonly to: string },
): Promise<UsageReport> {
  const views = `stream = 'audit' AND action = 'patient-view' AND outcome = '0' AND recorded >= $1 AND recorded < $2`;
  const values = [bounds.from, bounds.to];
  const groups = await query<GroupRow>(
    `SELECT organisation, role, count(*) AS views, count(DISTINCT user_id) AS users,
            count(DISTINCT patient) AS patients, GROUPING(organisation, role) AS grouping
     FROM ${s}.journal WHERE ${views} GROUP BY GROUPING SETS ((), (organisation), (role))`,
    values,
  );
  const sources = await query<{ source: string; views: string }>(
    `SELECT source, count(*) AS views FROM ${s}.journal, unnest(sources) AS source WHERE ${views} GROUP BY source`,
    values,
  );
  const total = groups.rows.find((r) => r.grouping === 3);
  // GROUPING marks the columns a row is not grouped by: 1 = by organisation, 2 = by role.
  const figures = (grouping: number, key: 'organisation' | 'role') =>
    Object.fromEntries(
      groups.rows
        .filter((r) => r.grouping === grouping && r[key] !== null)
        .map((r) => [r[key]!, { views: Number(r.views), users: Number(r.users) }]),
    );
  return {
    ...bounds,
    views: Number(total?.views ?? 0),
    uniqueUsers: Number(total?.users ?? 0),
    uniquePatients: Number(total?.patients ?? 0),
    byOrganisation: figures(1, 'organisation'),
    byRole: figures(2, 'role'),
    bySource: Object.fromEntries(sources.rows.map((r) => [r.source, Number(r.views)])),
  };
}
