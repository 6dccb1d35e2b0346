import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { FileJournal } from '../broker/audit/journal/file-journal';
import type { Journal, NewJournalEntry } from '../broker/audit/journal/journal';
import { PostgresJournal } from '../broker/audit/journal/postgres-journal';
import { createLogger } from '../broker/observability/logger';
import { median, percentile, round } from './stats';

export interface AuditWriteOptions {
  /** Concurrent writers, each appending one AuditEvent at a time and waiting for its commit. */
  readonly writers: readonly number[];
  readonly seconds: number;
  readonly rounds: number;
  /** PostgreSQL to write to (a schema of its own, dropped afterwards). */
  readonly databaseUrl: string;
  /** Verification is timed over at least this many entries. */
  readonly verifyEntries: number;
}

export interface WriterRun {
  readonly writers: number;
  /** Committed events a second, per round. */
  readonly roundsPerSecond: readonly number[];
  readonly medianPerSecond: number;
  /** Append latency (ms) in the median round. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface Measured {
  readonly runs: readonly WriterRun[];
  /** verify() over the whole journal, median of the rounds. */
  readonly verify: { readonly entries: number; readonly ms: number; readonly msPer10k: number };
}

export type StoreRun =
  | ({ readonly store: 'file' | 'postgres' } & Measured)
  | { readonly store: 'file' | 'postgres'; readonly skipped: string };

export interface AuditWriteResult {
  readonly options: AuditWriteOptions;
  /** Bytes of one AuditEvent body as JSON. */
  readonly bodyBytes: number;
  readonly stores: readonly StoreRun[];
}

const NHS = ['9000000009', '9000000017', '9000000025', '9000000033'];

/**
 * An AuditEvent the size and shape the audit trail writes for one patient view (IHE BALP style):
 * user, client system and broker agents, the patient and query entities, one detail per source.
 */
export function benchAuditEntry(i: number): NewJournalEntry {
  const id = randomUUID();
  const recorded = new Date().toISOString();
  const patient = NHS[i % NHS.length]!;
  const user = `user-${i % 500}`;
  const organisation = ['A81001', 'RJ122', 'RV505', 'RRU'][i % 4]!;
  const sources = ['gp-a81001', 'acute-rj1', 'mh-rv5', 'ambulance-rru', 'region-north'];
  const query = `GET /fhir/Patient/${patient}/$everything?_type=Condition,MedicationStatement,AllergyIntolerance,Observation`;
  return {
    id,
    stream: 'audit',
    recorded,
    keys: {
      patient,
      user,
      organisation,
      role: 'R8000',
      action: 'patient-view',
      outcome: '0',
      sources,
      ref: randomUUID(),
    },
    body: {
      resourceType: 'AuditEvent',
      id,
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] },
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
        code: 'rest',
        display: 'RESTful Operation',
      },
      subtype: [
        { system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type', display: 'search-type' },
      ],
      action: 'E',
      recorded,
      outcome: '0',
      purposeOfEvent: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
      ],
      agent: [
        {
          type: {
            coding: [
              {
                system: 'http://dicom.nema.org/resources/ontology/DCM',
                code: '110153',
                display: 'Source Role ID',
              },
            ],
          },
          who: {
            identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: user },
            display: 'Dr Alex Example',
          },
          requestor: true,
          role: [
            {
              coding: [
                {
                  system: 'https://fhir.nhs.uk/CodeSystem/job-role-code',
                  code: 'R8000',
                  display: 'Clinical Practitioner Access Role',
                },
              ],
            },
          ],
          purposeOfUse: [
            { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
          ],
          extension: [{ url: 'https://hie.example/relationship', valueString: 'registered-gp' }],
        },
        {
          type: {
            coding: [
              {
                system: 'http://dicom.nema.org/resources/ontology/DCM',
                code: '110150',
                display: 'Application',
              },
            ],
          },
          who: {
            identifier: { system: 'https://hie.example/client-id', value: 'epr-client-01' },
            display: 'Acute EPR',
          },
          requestor: false,
          network: { address: '10.12.34.56', type: '2' },
        },
        {
          type: {
            coding: [
              {
                system: 'http://dicom.nema.org/resources/ontology/DCM',
                code: '110152',
                display: 'Destination Role ID',
              },
            ],
          },
          who: {
            identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'X26' },
            display: 'HIE Broker',
          },
          requestor: false,
        },
      ],
      source: {
        site: 'hie-broker',
        observer: { display: 'HIE Broker X26' },
        type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4' }],
      },
      entity: [
        {
          what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: patient } },
          type: {
            system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
            code: '1',
            display: 'Person',
          },
          role: {
            system: 'http://terminology.hl7.org/CodeSystem/object-role',
            code: '1',
            display: 'Patient',
          },
        },
        {
          type: {
            system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
            code: '2',
            display: 'System Object',
          },
          role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
          query: Buffer.from(query).toString('base64'),
          detail: [
            { type: 'request-id', valueString: randomUUID() },
            { type: 'token-jti', valueString: randomUUID() },
            { type: 'resources-returned', valueString: '184' },
            { type: 'resources-withheld', valueString: '2' },
            ...sources.map((source, n) => ({
              type: `source:${source}`,
              valueString: n === 3 ? 'timeout' : 'ok',
            })),
          ],
        },
      ],
    },
  };
}

async function saturate(
  journal: Journal,
  writers: number,
  seconds: number,
  next: () => number,
): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        const entry = benchAuditEntry(next());
        const t = performance.now();
        await journal.append([entry]);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
  };
}

async function measure(journal: Journal, options: AuditWriteOptions): Promise<Measured> {
  let counter = 0;
  const next = (): number => counter++;
  await saturate(journal, 4, 0.5, next); // warm-up: connections, JIT, page cache
  const runs: WriterRun[] = [];
  for (const writers of options.writers) {
    const rounds = [];
    for (let r = 0; r < options.rounds; r++)
      rounds.push(await saturate(journal, writers, options.seconds, next));
    const mid = [...rounds].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds.length / 2)]!;
    runs.push({
      writers,
      roundsPerSecond: rounds.map((r) => r.perSecond),
      medianPerSecond: median(rounds.map((r) => r.perSecond)),
      p50Ms: mid.p50Ms,
      p99Ms: mid.p99Ms,
    });
  }
  // Verification reads everything: top the journal up to the size it is timed over.
  let entries = (await journal.verify()).entries;
  while (entries < options.verifyEntries) {
    const batch = Math.min(500, options.verifyEntries - entries);
    await journal.append(Array.from({ length: batch }, () => benchAuditEntry(next())));
    entries += batch;
  }
  const times: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const t = performance.now();
    const verification = await journal.verify();
    times.push(performance.now() - t);
    if (!verification.ok) throw new Error(`the chain broke during the benchmark at ${verification.brokenAt}`);
    entries = verification.entries;
  }
  const ms = median(times);
  return { runs, verify: { entries, ms: round(ms), msPer10k: round((ms / entries) * 10_000) } };
}

/**
 * Committed audit events a second, for the file store and PostgreSQL, with 1, 16 and 64 writers
 * each appending one AuditEvent and waiting for it (group commit batches what they send together);
 * the median of the rounds. Then how long verify() takes per 10,000 entries.
 */
export async function runAuditWriteBench(options: AuditWriteOptions): Promise<AuditWriteResult> {
  const logger = createLogger({ level: 'warn' });
  const stores: StoreRun[] = [];

  const directory = mkdtempSync(path.join(tmpdir(), 'hie-bench-journal-'));
  try {
    const journal = await FileJournal.open(directory, { logger });
    try {
      stores.push({ store: 'file', ...(await measure(journal, options)) });
    } finally {
      await journal.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const schema = `bench_journal_${process.pid}`;
  let journal: Journal | undefined;
  try {
    journal = await PostgresJournal.open({ url: options.databaseUrl, schema, poolSize: 10 }, { logger });
    stores.push({ store: 'postgres', ...(await measure(journal, options)) });
  } catch (error) {
    if (journal) throw error;
    stores.push({ store: 'postgres', skipped: (error as Error).message });
  } finally {
    await journal?.close();
    if (journal) await dropSchema(options.databaseUrl, schema);
  }
  return { options, bodyBytes: Buffer.byteLength(JSON.stringify(benchAuditEntry(0).body)), stores };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
