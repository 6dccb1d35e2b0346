import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/load-config';
import { runOverhead } from './overhead';

/** `npm run bench`: runs the benchmarks, prints a table and writes JSON to bench/results/. */
async function main(): Promise<void> {
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

  const dir = path.join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `overhead-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`Written ${path.relative(projectRoot(), file)}`);
}

main().catch((error: unknown) => {
  console.error('Benchmark failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
