import { subscribe } from 'node:diagnostics_channel';
import http from 'node:http';
import autocannon from 'autocannon';
import type { Bundle } from '@medplum/fhirtypes';
import { createAdapter } from '../broker/federation/create-adapter';
import type { SourceAdapter } from '../core/source-contract';
import { loadFederationKey, loadSigningKey } from '../core/trust/signing-key';
import { sourceSchema, type SourceConfig } from '../config/schema';
import { PERSONAS } from '../sim/identity-provider';
import { closedLoop } from './closed-loop';
import { serveCalls } from './ipc';
import { openLoop } from './open-loop';
import { median, round } from './stats';

/** The load generator, in a process of its own (forked by load-client.ts), so that its CPU is its own. */

export interface ViewTarget {
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface OpenLoopCall extends ViewTarget {
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly maxInFlight?: number;
  /** Count each response's entries per source (ids are prefixed with the source id), for these sources. */
  readonly countSources?: readonly string[];
}

export interface OpenLoopResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly dropped: number;
  readonly seconds: number;
  /** Responses whose status was not 200. */
  readonly non200: number;
  /** Of those, 503s: refused by the broker's admission control (or its audit store) without work. */
  readonly shed: number;
  readonly bytes: number;
  /** Per counted source, the fewest and most entries any response held from it. */
  readonly entries?: Record<string, { readonly min: number; readonly max: number }>;
  /** This process's CPU during the run, ms. */
  readonly cpuMs: number;
}

export interface ClosedLoopCall extends ViewTarget {
  readonly connections: number;
  readonly seconds: number;
}

export interface ClosedLoopResult {
  readonly count: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly bytesPerView: number;
  readonly cpuMs: number;
}

export interface DirectSetup {
  readonly sources: readonly unknown[];
  readonly signingKeyPem: string;
  /** The broker's federation key, when it has one; else the signing key signs requester assertions. */
  readonly federationKeyPem?: string;
  readonly brokerId: string;
  readonly nhsNumber: string;
}

export interface FloorResult {
  /** Bytes each source sent for one view (all its requests). */
  readonly sourceBytes: Record<string, number>;
  readonly viewBytes: number;
  /** Entries in the view (matches, includes and the outcome). */
  readonly viewEntries: number;
  /** CPU ms of JSON.parse over every source body of one view, and of JSON.stringify of the view. */
  readonly parseMs: number;
  readonly stringifyMs: number;
  readonly floorMs: number;
}

/** Every source asked at once by the broker's own adapters, as one view asks them, without the broker. */
export interface AdaptersAloneCall extends DirectSetup {
  /** Views a second (open loop), or 0 for one view at a time (closed loop). */
  readonly ratePerSecond: number;
  readonly seconds: number;
}

export interface AdaptersAloneResult {
  readonly views: number;
  readonly errors: number;
  /** Median time for all five to answer, ms. */
  readonly p50: number;
  /** This process's CPU a view, ms: round trips, bodies read and parsed, protocols converted. */
  readonly cpuMsPerView: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function get(target: ViewTarget): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(target.url, { agent, headers: target.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

let direct: { setup: DirectSetup; adapters: Map<string, SourceAdapter> } | undefined;

async function adapters(setup: DirectSetup): Promise<Map<string, SourceAdapter>> {
  if (direct && JSON.stringify(direct.setup) === JSON.stringify(setup)) return direct.adapters;
  await Promise.all([...(direct?.adapters.values() ?? [])].map((a) => a.close()));
  const signingKey = await loadSigningKey(setup.signingKeyPem);
  const federationKey = setup.federationKeyPem ? await loadFederationKey(setup.federationKeyPem) : signingKey;
  const made = new Map(
    setup.sources.map((raw) => {
      const source: SourceConfig = sourceSchema.parse(raw);
      const adapter = createAdapter(source, {
        userAgent: 'bench-direct',
        signingKey,
        federationKey,
        brokerId: setup.brokerId,
        onFault: (_id, error) => {
          throw error;
        },
      });
      return [source.id, adapter] as const;
    }),
  );
  direct = { setup, adapters: made };
  return made;
}

/** One source's record asked for directly by its own adapter, as the broker asks it. */
async function directRecord(setup: DirectSetup, sourceId: string): Promise<void> {
  const adapter = (await adapters(setup)).get(sourceId);
  if (!adapter) throw new Error(`no source ${sourceId}`);
  const outcome = await adapter.fetch(
    {
      queryId: 'bench',
      nhsNumber: setup.nhsNumber,
      resourceTypes: adapter.source.supplies,
      // The view's own user (the ED doctor): a neighbouring broker lets ours vouch only for the roles and
      // organisations it registered, so a made-up organisation would be refused there.
      requester: {
        userId: PERSONAS['ed-doctor'].userId,
        role: PERSONAS['ed-doctor'].role,
        organisationOds: PERSONAS['ed-doctor'].organisationOds,
        purposeOfUse: 'TREAT',
      },
      deadline: Date.now() + 10_000,
      chain: [],
    },
    { signal: AbortSignal.timeout(10_000), trace: { requestId: 'bench' } },
  );
  if (outcome.status !== 'ok')
    throw new Error(
      `${sourceId} answered ${outcome.status}${'issue' in outcome ? `: ${outcome.issue.reason} ${outcome.issue.text}` : ''}`,
    );
}

/** Entries per source in a view (the broker prefixes every resource id with its source's id). */
function entriesBySource(body: Buffer, sources: readonly string[]): Record<string, number> {
  const bundle = JSON.parse(body.toString('utf8')) as Bundle;
  const counts = Object.fromEntries(sources.map((s) => [s, 0]));
  for (const entry of bundle.entry ?? []) {
    const id = entry.resource?.id;
    if (!id || entry.search?.mode === 'outcome' || entry.resource?.resourceType === 'Provenance') continue;
    for (const source of sources) if (id.startsWith(`${source}-`)) counts[source]! += 1;
  }
  return counts;
}

serveCalls(
  {
    'open-loop': async (call: OpenLoopCall): Promise<OpenLoopResult> => {
      let non200 = 0;
      let shed = 0;
      let bytes = 0;
      const entries: Record<string, { min: number; max: number }> = {};
      const cpu0 = cpuMs();
      const run = await openLoop({
        ratePerSecond: call.ratePerSecond,
        seconds: call.seconds,
        ...(call.maxInFlight ? { maxInFlight: call.maxInFlight } : {}),
        task: async () => {
          const { status, body } = await get(call);
          bytes += body.length;
          if (status !== 200) {
            non200++;
            if (status === 503) shed++;
            throw new Error(`HTTP ${status}`);
          }
          if (call.countSources) {
            for (const [source, n] of Object.entries(entriesBySource(body, call.countSources))) {
              const seen = entries[source] ?? { min: n, max: n };
              entries[source] = { min: Math.min(seen.min, n), max: Math.max(seen.max, n) };
            }
          }
        },
      });
      return {
        ...run,
        non200,
        shed,
        bytes,
        ...(call.countSources ? { entries } : {}),
        cpuMs: round(cpuMs() - cpu0),
      };
    },
    'closed-loop': async (call: ClosedLoopCall): Promise<ClosedLoopResult> => {
      const cpu0 = cpuMs();
      const result = await autocannon({
        url: call.url,
        headers: call.headers,
        connections: call.connections,
        duration: call.seconds,
        // A view answers within the broker's deadline; well past it, count a timeout.
        timeout: 30,
      });
      return {
        count: result.requests.total,
        perSecond: round(result.requests.total / call.seconds, 1),
        p50: round(result.latency.p50),
        p99: round(result.latency.p99),
        errors: result.errors + result.non2xx + result.timeouts,
        bytesPerView: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
        cpuMs: round(cpuMs() - cpu0),
      };
    },
    /** Each source briefly at concurrency 1: its median latency asked directly. */
    'direct-medians': async (setup: DirectSetup): Promise<Record<string, number>> => {
      const medians: Record<string, number> = {};
      for (const sourceId of (await adapters(setup)).keys()) {
        await directRecord(setup, sourceId); // fails loudly, with the source's reason
        const run = await closedLoop({
          concurrency: 1,
          seconds: 1,
          task: () => directRecord(setup, sourceId),
        });
        medians[sourceId] = median(run.latencies);
      }
      return medians;
    },
    'direct-open-loop': async (
      call: DirectSetup & { sourceId: string; ratePerSecond: number; seconds: number },
    ): Promise<OpenLoopResult> => {
      const cpu0 = cpuMs();
      const run = await openLoop({
        ratePerSecond: call.ratePerSecond,
        seconds: call.seconds,
        task: () => directRecord(call, call.sourceId),
      });
      return { ...run, non200: 0, shed: 0, bytes: 0, cpuMs: round(cpuMs() - cpu0) };
    },
    /**
     * What asking the sources costs on its own: every source asked at once by the broker's own
     * adapters (its HTTP client, retries, body limits, protocol conversion), at a rate or one view at a
     * time, with nothing merged, checked, audited or answered. The least CPU a view can cost any broker
     * that asks these sources in Node, to set the broker's own cost apart from the sources'.
     */
    'adapters-alone': async (call: AdaptersAloneCall): Promise<AdaptersAloneResult> => {
      const ids = [...(await adapters(call)).keys()];
      const all = async (): Promise<void> => {
        await Promise.all(ids.map((id) => directRecord(call, id)));
      };
      for (let i = 0; i < 5; i++) await all(); // tokens fetched, sockets open, code warm: not part of a view
      const cpu0 = cpuMs();
      const run =
        call.ratePerSecond > 0
          ? await openLoop({ ratePerSecond: call.ratePerSecond, seconds: call.seconds, task: all })
          : await closedLoop({ concurrency: 1, seconds: call.seconds, task: all });
      const views = Math.max(1, run.latencies.length);
      return {
        views: run.latencies.length,
        errors: run.errors,
        p50: round(median(run.latencies)),
        cpuMsPerView: round((cpuMs() - cpu0) / views, 2),
      };
    },
    /**
     * The JSON floor of one view: the exact bytes every source sends for it (captured off the wire as
     * each source's adapter reads its record) parsed with bare JSON.parse, and the broker's exact
     * response for the view serialised with bare JSON.stringify; CPU ms each, averaged over `iterations`.
     */
    floor: async (call: DirectSetup & ViewTarget & { iterations: number }): Promise<FloorResult> => {
      const made = await adapters(call);
      const bodies: { source: string; text: string }[] = [];
      let capturing: string | undefined;
      subscribe('http.client.response.finish', (message) => {
        const { response } = message as { response: http.IncomingMessage };
        const source = capturing;
        if (!source) return;
        const chunks: Buffer[] = [];
        // Paused first, so that listening does not start the flow before the adapter reads the body.
        response.pause();
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => bodies.push({ source, text: Buffer.concat(chunks).toString('utf8') }));
      });
      for (const sourceId of made.keys()) {
        await directRecord(call, sourceId); // tokens fetched, sockets open: not part of a view
        capturing = sourceId;
        await directRecord(call, sourceId);
        capturing = undefined;
      }
      const view = await get(call);
      if (view.status !== 200) throw new Error(`the view answered HTTP ${view.status}`);
      const viewBody = JSON.parse(view.body.toString('utf8')) as Bundle;
      const texts = bodies.map((b) => b.text);
      const time = (work: () => void): number => {
        for (let i = 0; i < 3; i++) work();
        const t0 = cpuMs();
        for (let i = 0; i < call.iterations; i++) work();
        return (cpuMs() - t0) / call.iterations;
      };
      const parseMs = time(() => {
        for (const text of texts) JSON.parse(text);
      });
      const stringifyMs = time(() => JSON.stringify(viewBody));
      const sourceBytes: Record<string, number> = {};
      for (const b of bodies)
        sourceBytes[b.source] = (sourceBytes[b.source] ?? 0) + Buffer.byteLength(b.text);
      return {
        sourceBytes,
        viewBytes: view.body.length,
        viewEntries: viewBody.entry?.length ?? 0,
        parseMs: round(parseMs, 3),
        stringifyMs: round(stringifyMs, 3),
        floorMs: round(parseMs + stringifyMs, 3),
      };
    },
  },
  async () => {
    agent.destroy();
    await Promise.all([...(direct?.adapters.values() ?? [])].map((a) => a.close()));
  },
);
