import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/load-config';
import { runAuditWriteBench } from './audit-write';
import { runMergeBench } from './merge';
import { runOverhead } from './overhead';

const BENCHMARKS = ['overhead', 'merge', 'audit'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

function writeResult(name: Benchmark, result: unknown): void {
  const dir = path.join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`Written ${path.relative(projectRoot(), file)}`);
}

async function overhead(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const ratePerSecond = Number(process.env.BENCH_RATE ?? 20);
  console.log(
    `Overhead: five nodes at ${latencyMs} ms; ${ratePerSecond} views/s steady, then ${connections} connections saturating; ${rounds} rounds of ${seconds} s`,
  );
  const result = await runOverhead({ latencyMs, seconds, rounds, connections, ratePerSecond });

  console.table(
    result.rounds.map((r, i) => ({
      round: i + 1,
      'slowest node': r.direct.node,
      'direct p50': r.direct.p50,
      'direct p99': r.direct.p99,
      'view p50': r.view.p50,
      'view p99': r.view.p99,
      errors: r.view.errors,
      'CPU ms/view': r.cpuMsPerView,
      'max views/s': r.saturated.perSecond,
      'p99 at max': r.saturated.p99,
    })),
  );
  const m = result.median;
  console.log(`Median of ${rounds} rounds (${result.resourcesPerView} resources a view; latencies in ms):
  at ${ratePerSecond} views/s: view p50 ${m.viewP50}, p99 ${m.viewP99}; slowest node direct p50 ${m.directP50}, p99 ${m.directP99}
  ratio p50 ${m.ratioP50}, p99 ${m.ratioP99}; added p50 ${m.addedP50Ms}, p99 ${m.addedP99Ms}; broker CPU ${m.cpuMsPerView} ms a view
  saturated (${connections} connections): ${m.saturatedViewsPerSecond} views/s, p99 ${m.saturatedP99}; broker peak RSS ${result.peakRssMb} MB`);
  writeResult('overhead', result);
}

function merge(): void {
  const perSource = Number(process.env.BENCH_MERGE_PER_SOURCE ?? 2000);
  const runs = Number(process.env.BENCH_MERGE_RUNS ?? 15);
  console.log(
    `Merge: the rich patient from five sources, ${perSource} resources each, ${runs} runs after warm-up`,
  );
  const result = runMergeBench({ perSource, runs });
  console.table([
    {
      sources: result.sources,
      resources: result.resources,
      shown: result.counts.shown,
      grouped: result.counts.grouped,
      'median ms': result.medianMs,
      'min ms': result.minMs,
      'max ms': result.maxMs,
      'heap used MB': result.heapUsedMb,
      'view retains MB': result.viewRetainedMb,
    },
  ]);
  writeResult('merge', result);
}

async function audit(): Promise<void> {
  const seconds = Number(process.env.BENCH_AUDIT_SECONDS ?? 3);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const writers = (process.env.BENCH_AUDIT_WRITERS ?? '1,16,64').split(',').map(Number);
  const databaseUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  const verifyEntries = Number(process.env.BENCH_AUDIT_VERIFY_ENTRIES ?? 10_000);
  console.log(
    `Audit write: committed AuditEvents/s, file store and PostgreSQL, ${writers.join(' / ')} concurrent writers; ${rounds} rounds of ${seconds} s`,
  );
  const result = await runAuditWriteBench({ writers, seconds, rounds, databaseUrl, verifyEntries });
  console.log(`One AuditEvent body: ${result.bodyBytes} bytes of JSON`);
  for (const store of result.stores) {
    if ('skipped' in store) console.log(`${store.store}: skipped (${store.skipped})`);
  }
  const measured = result.stores.filter((s) => 'runs' in s);
  console.table(
    measured.flatMap((s) =>
      s.runs.map((r) => ({
        store: s.store,
        writers: r.writers,
        ...Object.fromEntries(r.roundsPerSecond.map((v, i) => [`round ${i + 1} /s`, v])),
        'median events/s': r.medianPerSecond,
        'p50 ms': r.p50Ms,
        'p99 ms': r.p99Ms,
      })),
    ),
  );
  console.table(
    measured.map((s) => ({
      store: s.store,
      'verified entries': s.verify.entries,
      'verify ms': s.verify.ms,
      'ms per 10,000': s.verify.msPer10k,
    })),
  );
  writeResult('audit', result);
}

/** `npm run bench [-- overhead|merge|audit]`: runs the benchmarks (all by default), prints tables and writes JSON to bench/results/. */
async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`Unknown benchmark; choose from: ${BENCHMARKS.join(', ')}`);
  const chosen = asked.length > 0 ? (asked as Benchmark[]) : [...BENCHMARKS];
  if (chosen.includes('overhead')) await overhead();
  if (chosen.includes('merge')) merge();
  if (chosen.includes('audit')) await audit();
}

main().catch((error: unknown) => {
  console.error('Benchmark failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
