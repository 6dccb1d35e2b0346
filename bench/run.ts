import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/load-config';
import { runAuditWriteBench } from './audit-write';
import { runEventsBench } from './events';
import { runFaults } from './faults';
import { runMergeBench } from './merge';
import { runOverhead } from './overhead';
import { runPaired } from './paired';
import {
  printFaults,
  printOverhead,
  printPaired,
  printScale,
  printTail,
  printThroughput,
  printTwoCores,
} from './report';
import { runScale } from './scale';
import { runTail } from './tail';
import { runThroughput } from './throughput';
import { runTwoCores } from './two-cores';

const BENCHMARKS = [
  'overhead',
  'throughput',
  'tail',
  'faults',
  'scale',
  'two-cores',
  'merge',
  'audit',
  'events',
  'paired',
] as const;
type Benchmark = (typeof BENCHMARKS)[number];
/** Run only when named: they need something from the caller (paired: the other build). */
const ON_REQUEST: readonly Benchmark[] = ['paired'];

function writeResult(name: Benchmark, result: unknown): void {
  const dir = path.join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`Written ${path.relative(projectRoot(), file)}`);
}

/** A number from the environment, or the benchmark's default. */
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const envList = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').map(Number);
const latencyMs = (): number => env('BENCH_LATENCY_MS', 50);

async function overhead(): Promise<void> {
  const options = {
    latencyMs: latencyMs(),
    perSource: env('BENCH_PER_SOURCE', 50),
    rates: envList('BENCH_RATES', '100,25'),
    seconds: env('BENCH_SECONDS', 10),
    rounds: env('BENCH_ROUNDS', 3),
  };
  console.log(
    `Overhead: five nodes at ${options.latencyMs} ms, ${options.perSource} resources each; ${options.rates.join(' and ')} views/s; ${options.rounds} rounds of ${options.seconds} s`,
  );
  const result = await runOverhead(options);
  printOverhead(result);
  writeResult('overhead', result);
}

const throughputConnections = '1,2,4,8,16,32';

async function throughput(): Promise<void> {
  const options = {
    latencyMs: latencyMs(),
    perSource: env('BENCH_PER_SOURCE', 200),
    connections: envList('BENCH_CONNECTIONS', throughputConnections),
    seconds: env('BENCH_SECONDS', 5),
    rounds: env('BENCH_ROUNDS', 3),
    p99LimitMs: 1000,
  };
  console.log(
    `Throughput: five nodes at ${options.latencyMs} ms, ${options.perSource} resources each; closed loop at ${options.connections.join(' / ')} connections; ${options.rounds} rounds of ${options.seconds} s a step`,
  );
  const result = await runThroughput(options);
  printThroughput(result);
  writeResult('throughput', result);
}

async function tail(): Promise<void> {
  const options = {
    latencyMs: latencyMs(),
    tailMs: env('BENCH_TAIL_MS', 2000),
    // At exactly 1% of views in the tail, a view p99 sits on the tail's edge; 2% puts it squarely in.
    callTailRatio: env('BENCH_TAIL_RATIO', 0.02),
    perSource: env('BENCH_PER_SOURCE', 50),
    ratePerSecond: env('BENCH_RATE', 30),
    seconds: env('BENCH_SECONDS', 40),
    rounds: env('BENCH_ROUNDS', 3),
  };
  console.log(
    `Tail: the acute trust's reads take ${options.tailMs} ms ${options.callTailRatio * 100}% of the time, else ${options.latencyMs} ms like the others; ${options.ratePerSecond} views/s; ${options.rounds} rounds of ${options.seconds} s each, without and with hedging to its replica`,
  );
  const result = await runTail(options);
  printTail(result);
  writeResult('tail', result);
}

async function faults(): Promise<void> {
  const options = {
    latencyMs: latencyMs(),
    perSource: env('BENCH_PER_SOURCE', 50),
    deadlineMs: env('BENCH_DEADLINE_MS', 2000),
    ratePerSecond: env('BENCH_RATE', 10),
    seconds: env('BENCH_SECONDS', 20),
    rounds: env('BENCH_ROUNDS', 3),
    extraHealthy: env('BENCH_EXTRA_HEALTHY', 2),
  };
  console.log(
    `Faults: deadline ${options.deadlineMs} ms; ${options.ratePerSecond} views/s; ${options.rounds} rounds of ${options.seconds} s, breakers disabled and default`,
  );
  const result = await runFaults(options);
  printFaults(result);
  writeResult('faults', result);
}

async function scale(): Promise<void> {
  const options = {
    latencyMs: latencyMs(),
    perSource: envList('BENCH_SCALE_PER_SOURCE', '50,500,5000'),
    sources: envList('BENCH_SCALE_SOURCES', '5,10,25,50'),
    seconds: env('BENCH_SECONDS', 10),
  };
  console.log(
    `Scale: views one at a time; five sources of ${options.perSource.join(' / ')} resources; ${options.sources.join(' / ')} sources of 50; ${options.seconds} s a point`,
  );
  const result = await runScale(options);
  printScale(result);
  writeResult('scale', result);
}

async function twoCores(): Promise<void> {
  const options = {
    latencyMs: latencyMs(),
    perSource: env('BENCH_PER_SOURCE', 200),
    connections: envList('BENCH_CONNECTIONS', throughputConnections),
    seconds: env('BENCH_SECONDS', 5),
    rounds: env('BENCH_ROUNDS', 3),
    processes: envList('BENCH_PROCESSES', '1,2'),
  };
  console.log(
    `Two cores: throughput with ${options.processes.join(' and ')} broker processes (PostgreSQL journal, Redis); ${options.perSource} resources a source; ${options.rounds} rounds`,
  );
  const result = await runTwoCores(options);
  printTwoCores(result);
  writeResult('two-cores', result);
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

async function events(): Promise<void> {
  const count = env('BENCH_EVENTS', 2000);
  const concurrency = env('BENCH_EVENTS_CONCURRENCY', 16);
  const slowDelayMs = env('BENCH_EVENTS_SLOW_MS', 250);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  console.log(
    `Events: ${count} ambulance events, ${concurrency} concurrent posts; every tenth goes to a slow subscriber (${slowDelayMs} ms a notification)`,
  );
  const pacedPerSecond = env('BENCH_EVENTS_PACED_PER_SECOND', 20);
  const result = await runEventsBench({ events: count, concurrency, slowDelayMs, redisUrl, pacedPerSecond });
  console.table(
    result.map((r) => ({
      mode: r.mode,
      load: r.load,
      events: r.events,
      seconds: r.seconds,
      'events/s (post to receipt)': r.perSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'slow subscriber got': `${r.slowReceived}/${r.slowEvents}`,
    })),
  );
  writeResult('events', result);
}

/** `npm run bench [-- name…]`: runs the benchmarks (all by default), prints tables and writes JSON to bench/results/. */
/** Two builds side by side in alternating slices: this one against BENCH_PAIRED_MAIN. */
async function paired(): Promise<void> {
  const otherMain = process.env.BENCH_PAIRED_MAIN;
  if (!otherMain) {
    throw new Error(
      'paired needs BENCH_PAIRED_MAIN=<another build>/dist/broker/main.js (add BENCH_PAIRED_FEDERATION_KEY=none for a build older than broker.federationKey)',
    );
  }
  const options = {
    latencyMs: latencyMs(),
    perSource: env('BENCH_PER_SOURCE', 50),
    ratePerSecond: env('BENCH_RATE', 25),
    sliceSeconds: env('BENCH_SECONDS', 4),
    pairs: env('BENCH_PAIRS', 10),
    otherMain,
    otherFederationKey: process.env.BENCH_PAIRED_FEDERATION_KEY !== 'none',
  };
  console.log(
    `Paired: this build and ${otherMain}, five nodes at ${options.latencyMs} ms, ${options.perSource} resources each; ${options.ratePerSecond} views/s in ${options.pairs} pairs of ${options.sliceSeconds}-s slices`,
  );
  const result = await runPaired(options);
  printPaired(result);
  writeResult('paired', result);
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`Unknown benchmark; choose from: ${BENCHMARKS.join(', ')}`);
  const chosen =
    asked.length > 0 ? (asked as Benchmark[]) : BENCHMARKS.filter((b) => !ON_REQUEST.includes(b));
  const run: Record<Benchmark, () => Promise<void> | void> = {
    overhead,
    throughput,
    tail,
    faults,
    scale,
    'two-cores': twoCores,
    merge,
    audit,
    events,
    paired,
  };
  for (const name of BENCHMARKS) if (chosen.includes(name)) await run[name]();
}

main().catch((error: unknown) => {
  console.error('Benchmark failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
