import { readFileSync } from 'node:fs';
import path from 'node:path';
import { round } from './stats';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that self time needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileLine {
  readonly function: string;
  /** Where it is: a package name, or a path inside the project, with its line. */
  readonly where: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time per function, most first. */
  readonly functions: readonly ProfileLine[];
  /** Self time per package or project folder (node internals, V8, GC and idle apart). */
  readonly areas: readonly { readonly area: string; readonly selfMs: number; readonly selfPercent: number }[];
}

/** A short name for a script URL: the npm package, the project folder, or node's own code. */
function area(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/');
  const inProject = dist >= 0 ? url.slice(dist + '/dist/'.length) : url.replace(/^file:\/\//, '');
  return path.dirname(inProject);
}

function where(url: string, line: number): string {
  if (url === '') return '';
  const modules = url.lastIndexOf('/node_modules/');
  const dist = url.indexOf('/dist/');
  const short =
    modules >= 0
      ? url.slice(modules + '/node_modules/'.length)
      : dist >= 0
        ? url.slice(dist + '/dist/'.length)
        : url.replace(/^file:\/\//, '');
  return `${short}:${line + 1}`;
}

/** Self time per function and per area of a CPU profile: what the broker spends its own time in. */
export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, { fn: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!;
    totalUs += us;
    const fn = frame.functionName || '(anonymous)';
    const key = `${fn}@${frame.url}:${frame.lineNumber}`;
    const entry = functions.get(key) ?? { fn, where: where(frame.url, frame.lineNumber), us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const name = ['(idle)', '(program)', '(garbage collector)'].includes(fn) ? fn : area(frame.url);
    areas.set(name, (areas.get(name) ?? 0) + us);
  }
  const percent = (us: number): number => round((100 * us) / Math.max(1, totalUs), 1);
  return {
    totalMs: round(totalUs / 1000),
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({
        function: f.fn,
        where: f.where,
        selfMs: round(f.us / 1000),
        selfPercent: percent(f.us),
      })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ area: name, selfMs: round(us / 1000), selfPercent: percent(us) })),
  };
}

/** `node dist/bench/profile-summary.js file.cpuprofile [top]`: prints the two tables. */
if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]');
    process.exit(1);
  }
  const summary = summariseProfile(file, Number(top ?? 25));
  console.log(`Total sampled: ${summary.totalMs} ms`);
  console.table(summary.areas);
  console.table(summary.functions);
}
