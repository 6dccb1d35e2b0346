import cluster, { type Worker } from 'node:cluster';
import type { BrokerConfig } from '../config/schema';
import { RoleError, type ProcessRole } from './jobs/process-role';
import type { Logger } from './observability/logger';

/** More processes than this on one host is a mistake, not a deployment. */
const MAX_PROCESSES = 64;
/** A worker that crashes is restarted after this, doubled for each crash in a row... */
const RESTART_BASE_MS = 1000;
/** ...up to this. */
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before it crashed starts the count again. */
const STABLE_AFTER_MS = 60_000;
/** Past the workers' own grace period, the primary waits this much longer before it kills them. */
const STOP_MARGIN_MS = 5000;

/** BROKER_PROCESSES: how many processes of the role serve behind one port (a cluster); default 1. */
export function brokerProcesses(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.BROKER_PROCESSES?.trim() || '1';
  const processes = Number(raw);
  if (!/^\d+$/.test(raw) || processes < 1 || processes > MAX_PROCESSES)
    throw new RoleError(`BROKER_PROCESSES must be a whole number from 1 to ${MAX_PROCESSES}`);
  return processes;
}

/**
 * What several processes must share, which one process keeps to itself: the audit journal (the file
 * journal is locked by one process), and for the API the replay checks of client assertions, the
 * rate limits and the page snapshots behind `next` links (Redis) and the key it signs with (an
 * ephemeral key would differ in every process, and a peer reading the JWKS from one would not verify
 * the others' signatures; the page snapshots' encryption key is derived from it too).
 */
export function checkCluster(
  processes: number,
  role: ProcessRole,
  config: Pick<BrokerConfig, 'audit' | 'redis' | 'broker'>,
): void {
  if (processes === 1) return;
  const asked = `BROKER_PROCESSES=${processes}`;
  if (config.audit.store.kind !== 'postgres')
    throw new RoleError(
      `${asked} needs the PostgreSQL audit store (set DATABASE_URL or audit.store): the file journal belongs to one process.`,
    );
  if (!config.redis.url)
    throw new RoleError(
      `${asked} needs Redis (set REDIS_URL or redis.url): the processes must share replay checks, rate limits, delivery jobs and page snapshots.`,
    );
  if (role !== 'worker' && !config.broker.signingKey)
    throw new RoleError(
      `${asked} needs broker.signingKey: with an ephemeral key each process would sign with a key of its own.`,
    );
}

/**
 * The cluster's primary: forks `processes` workers that each run the role (they share the listening
 * port: the primary hands each new connection to the next worker), restarts a worker that exits
 * unasked after a backoff, and on SIGTERM or SIGINT passes the signal on, waits for every worker's
 * graceful shutdown, and exits 0 (1 if one failed or had to be killed). It serves nothing itself.
 */
export function runClusterPrimary(options: {
  readonly processes: number;
  readonly role: ProcessRole;
  readonly logger: Logger;
  /** The workers' own grace period for in-flight requests (server.shutdownGraceMs). */
  readonly shutdownGraceMs: number;
}): void {
  const { processes, role, logger } = options;
  let stopping = false;
  let failed = false;
  let everListening = false;
  const crashes = new Map<number, number>();
  const startedAt = new Map<Worker, number>();

  const fork = (slot: number): void => {
    const worker = cluster.fork({ BROKER_WORKER_SLOT: String(slot) });
    startedAt.set(worker, Date.now());
    worker.once('listening', () => {
      everListening = true;
    });
    worker.once('exit', (code, signal) => {
      const ranMs = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      if (stopping) {
        // Killed by the SIGTERM passed on before it had set up its own shutdown: it was still starting.
        if (code !== 0 && signal !== 'SIGTERM') failed = true;
        if (startedAt.size === 0) process.exit(failed ? 1 : 0);
        return;
      }
      // A worker that never served (a bad port, a database that refuses it) would only fail again.
      if (!everListening) {
        logger.error({ slot, code, signal }, 'a broker worker could not start: stopping the cluster');
        failed = true;
        stop('worker-start-failed');
        return;
      }
      const inARow = ranMs >= STABLE_AFTER_MS ? 1 : (crashes.get(slot) ?? 0) + 1;
      crashes.set(slot, inARow);
      const delayMs = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (inARow - 1));
      logger.error({ slot, code, signal, restartInMs: delayMs }, 'broker worker exited: restarting it');
      // Not unref'd: with every worker down, this timer is what keeps the primary alive.
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delayMs);
    });
  };

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, role, workers: startedAt.size }, 'shutting down the cluster');
    if (startedAt.size === 0) process.exit(failed ? 1 : 0);
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    // A worker stuck past its grace period is killed, and the cluster exits as failed.
    setTimeout(() => {
      for (const worker of startedAt.keys()) worker.process.kill('SIGKILL');
      failed = true;
    }, options.shutdownGraceMs + STOP_MARGIN_MS).unref();
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  logger.info({ processes, role }, 'starting the broker cluster');
  for (let slot = 0; slot < processes; slot++) fork(slot);
}
