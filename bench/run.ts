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
  console.log(
    `Overhead: five nodes at ${latencyMs} ms, ${connections} connections, ${rounds} rounds of ${seconds} s each`,
  );
  const result = await runOverhead({ latencyMs, seconds, rounds, connections });

  console.table(
    result.rounds.map((r, i) => ({
      round: i + 1,
      'view p50 ms': r.view.p50,
      'view p99 ms': r.view.p99,
      'views/s': r.view.perSecond,
      errors: r.view.errors,
      'slowest node': r.direct.node,
      'direct p50 ms': r.direct.p50,
      'direct p99 ms': r.direct.p99,
      'broker CPU ms/view': r.cpuMsPerView,
    })),
  );
  const m = result.median;
  console.log(`Median of ${rounds} rounds (${result.resourcesPerView} resources a view):
  view p50 ${m.viewP50} ms, p99 ${m.viewP99} ms; slowest node direct p50 ${m.directP50} ms, p99 ${m.directP99} ms
  ratio p50 ${m.ratioP50}, p99 ${m.ratioP99}; added p50 ${m.addedP50Ms} ms, p99 ${m.addedP99Ms} ms
  ${m.viewsPerSecond} views/s at ${connections} connections; broker CPU ${m.cpuMsPerView} ms a view; broker peak RSS ${result.peakRssMb} MB`);

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
