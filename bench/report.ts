import type { FaultsResult } from './faults';
import type { OverheadResult } from './overhead';
import type { PairedResult } from './paired';
import type { ScaleResult } from './scale';
import type { TailResult } from './tail';
import type { ThroughputResult } from './throughput';
import type { TwoCoresResult } from './two-cores';

/** The tables each benchmark prints; the JSON written beside them holds every figure. */

const kb = (bytes: number): number => Math.round(bytes / 1024);

export function printOverhead(result: OverheadResult): void {
  console.table(
    result.rounds.map((r) => ({
      'views/s asked': r.ratePerSecond,
      'slowest source': r.direct.source,
      'direct p50': r.direct.p50,
      'direct p99': r.direct.p99,
      'view p50': r.view.p50,
      'view p99': r.view.p99,
      'views/s done': r.view.perSecond,
      errors: r.view.errors,
      'of them 503 at admission': r.view.shed,
      'broker CPU ms/view': r.brokerCpuMsPerView,
      'adapters alone CPU ms/view': r.adaptersAloneCpuMsPerView,
      'region CPU ms/view': r.regionCpuMsPerView,
      'load CPU ms/view': r.loadCpuMsPerView,
    })),
  );
  console.log(
    `Median of ${result.options.rounds} rounds per rate (ms; goals at 100 views/s: added p50 <= 5, p99 <= 25):`,
  );
  console.table(
    result.median.map((m) => ({
      'views/s': m.ratePerSecond,
      'view p50': m.viewP50,
      'view p99': m.viewP99,
      'direct p50': m.directP50,
      'direct p99': m.directP99,
      'added p50': m.addedP50Ms,
      'added p99': m.addedP99Ms,
      'ratio p50': m.ratioP50,
      'ratio p99': m.ratioP99,
      'broker CPU ms/view': m.brokerCpuMsPerView,
      'adapters alone': m.adaptersAloneCpuMsPerView,
      "broker's own": m.brokerOwnCpuMsPerView,
    })),
  );
  console.log(
    "Adapters alone: the five sources asked at once by the broker's own adapters at the same rate, nothing merged or answered; the broker's own CPU is the rest.",
  );
  console.log(`Broker peak RSS ${result.peakRssMb} MB`);
}

export function printThroughput(result: ThroughputResult): void {
  console.table(
    result.rounds.flatMap((r, i) =>
      r.steps.map((s) => ({
        round: i + 1,
        connections: s.connections,
        'views/s': s.viewsPerSecond,
        p50: s.p50,
        p99: s.p99,
        errors: s.errors,
        'KB/view': kb(s.bytesPerView),
        'broker CPU ms/view': s.brokerCpuMsPerView,
        'broker cores': s.brokerCores,
        'region CPU ms/view': s.regionCpuMsPerView,
        'load CPU ms/view': s.loadCpuMsPerView,
        'peak RSS so far MB': s.peakRssMb,
        'heap used MB': s.peakHeapUsedMb,
        'external MB': s.peakExternalMb,
      })),
    ),
  );
  const f = result.floor;
  const m = result.median;
  const sent = Object.values(f.sourceBytes).reduce((a, b) => a + b, 0);
  console.log(`JSON floor of one view: JSON.parse of the ${kb(sent)} KB the sources send ${f.parseMs} ms + JSON.stringify of the ${kb(f.viewBytes)} KB answer ${f.stringifyMs} ms = ${f.floorMs} ms
Median of ${result.rounds.length} rounds, best step with p99 < 1 s: ${m.viewsPerSecond} views/s (goal >= 100), p99 ${m.p99} ms; broker CPU ${m.brokerCpuMsPerView} ms a view = ${m.cpuOverFloor} x the floor (goal <= 2)
Peak RSS up to the last step with p99 < 1 s ${m.peakRssMbWithinLimit} MB (goal <= 400); over the whole run, overloaded steps included, ${result.peakRssMb} MB`);
}

export function printTail(result: TailResult): void {
  console.table(
    result.runs.map((r) => ({
      hedging: r.hedging ? 'on' : 'off',
      views: r.count,
      errors: r.errors,
      p50: r.p50,
      p95: r.p95,
      p99: r.p99,
      'p99.9': r.p999,
      max: r.max,
      [`views >= ${result.options.tailMs} ms`]: r.slowViews,
      hedges: r.hedges,
      'hedges won': r.hedgeWins,
    })),
  );
  const { without, with: hedged } = result.median;
  console.log(`The slow node's requests meet the tail with p = ${result.requestTailRatio} (${result.requestsPerCall} requests a read: ${result.options.callTailRatio * 100}% of its reads)
Median: without hedging p50 ${without.p50} ms, p99 ${without.p99} ms; with hedging p50 ${hedged.p50} ms, p99 ${hedged.p99} ms`);
}

export function printFaults(result: FaultsResult): void {
  console.log(
    `Faults: ${Object.entries(result.faults)
      .map(([node, rule]) => `${node} ${rule.fault.kind}`)
      .join(', ')}; healthy sources' entries in a clean view: ${JSON.stringify(result.baseline)}`,
  );
  console.table(
    result.runs.map((r) => ({
      breaker: r.breaker,
      views: r.count,
      errors: r.errors,
      p50: r.p50,
      p99: r.p99,
      max: r.max,
      'healthy data complete in every view': r.complete,
    })),
  );
  const m = result.median;
  console.log(
    `Median p99: breaker disabled ${m.disabled.p99} ms, default breaker ${m.default.p99} ms (goal <= deadline + 50 = ${result.limitMs} ms)`,
  );
}

export function printScale(result: ScaleResult): void {
  console.table(
    result.points.map((p) => ({
      curve: p.curve,
      sources: p.sources,
      'resources/source': p.perSource,
      'entries in view': p.floor.viewEntries,
      'KB from sources': kb(Object.values(p.floor.sourceBytes).reduce((a, b) => a + b, 0)),
      'KB answered': kb(p.floor.viewBytes),
      views: p.views,
      p50: p.p50,
      p99: p.p99,
      'broker CPU ms/view': p.brokerCpuMsPerView,
      'adapters alone ms/view': p.adaptersAloneCpuMsPerView,
      'floor ms': p.floor.floorMs,
      'CPU / floor': p.cpuOverFloor,
      'peak RSS MB': p.peakRssMb,
    })),
  );
}

export function printTwoCores(result: TwoCoresResult): void {
  console.table(
    result.runs.flatMap(({ processes, result: t }) =>
      t.rounds[0]!.steps.map((s) => ({
        processes,
        connections: s.connections,
        'views/s': s.viewsPerSecond,
        p50: s.p50,
        p99: s.p99,
        errors: s.errors,
        'broker CPU ms/view': s.brokerCpuMsPerView,
        'broker cores': s.brokerCores,
        'region CPU ms/view': s.regionCpuMsPerView,
      })),
    ),
  );
  console.table(result.median.map((m) => ({ ...m })));
  console.log(
    `Speed-up of ${result.median.at(-1)!.processes} processes over 1: ${result.speedup} x (goal: about 2)`,
  );
}

export function printPaired(result: PairedResult): void {
  const { arms } = result;
  console.table(
    (['this', 'other'] as const).map((name) => ({
      build: name === 'this' ? 'this build' : result.options.otherMain,
      views: arms[name].views,
      'broker CPU ms/view (median slice)': arms[name].cpuMsPerView,
      'by slice': arms[name].cpuMsPerViewBySlice.join(' '),
      p50: arms[name].p50,
      p99: arms[name].p99,
      errors: arms[name].errors,
    })),
  );
  console.log(
    `This build's CPU a view over the other's, per pair: median ${result.cpuRatio.median} (min ${result.cpuRatio.min}, max ${result.cpuRatio.max}); p50 ${arms.this.p50} against ${arms.other.p50} ms, p99 ${arms.this.p99} against ${arms.other.p99} ms`,
  );
}
