import path from 'node:path';
import nunjucks from 'nunjucks';
import { projectRoot } from '../config/load-config';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-03-12" → "12 Mar 2026"; with a time, "12 Mar 2026 14:05" (UTC); a partial date as given. */
export function ukDate(value: unknown): string {
  if (typeof value !== 'string') return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value);
  if (!match) return value;
  const [, year, month, day, hour, minute] = match;
  const date = `${Number(day)} ${MONTHS[Number(month) - 1] ?? month} ${year}`;
  return hour && value.length > 10 ? `${date} ${hour}:${minute}` : date;
}

/** Nunjucks with autoescaping on: everything a source sent is text, never markup. */
export function createRenderer(): (template: string, context: Record<string, unknown>) => string {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(path.join(projectRoot(), 'viewer', 'templates'), { noCache: false }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );
  env.addFilter('ukDate', ukDate);
  env.addFilter('slice1', (list: unknown) => (Array.isArray(list) ? list.slice(1) : []));
  return (template, context) => env.render(template, context);
}
