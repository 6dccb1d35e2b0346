import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

function stat(pid: number): string[] | undefined {
  try {
    // The command name may hold spaces; the fields after it are space-separated.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU time a process has used so far, in ms (0 once it has gone). */
export function cpuMsOf(pid: number): number {
  const fields = stat(pid);
  // utime and stime are fields 14 and 15 of stat: indexes 11 and 12 after the command name.
  return fields ? (Number(fields[11]) + Number(fields[12])) * TICK_MS : 0;
}

/** Peak resident set size (VmHWM) of a process so far, in MB. */
export function peakRssMbOf(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return Number(line?.split(/\s+/)[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** The live children of a process (e.g. a cluster primary's workers). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // ppid is field 4: index 1 after the command name.
    if (Number(stat(Number(name))?.[1]) === pid) children.push(Number(name));
  }
  return children;
}

/** CPU of a process and its children, e.g. the broker's primary and its workers. */
export function treeCpuMs(pid: number): number {
  return [pid, ...childrenOf(pid)].reduce((sum, p) => sum + cpuMsOf(p), 0);
}
