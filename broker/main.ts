import cluster from 'node:cluster';
import { ConfigError, loadConfig } from '../config/load-config';
import { brokerProcesses, checkCluster, runClusterPrimary } from './cluster-primary';
import { checkRole, processRole, RoleError, type ProcessRole } from './jobs/process-role';
import { createLogger } from './observability/logger';
import { flushTraces } from './observability/spans';
import { startBroker, type StartBrokerOptions } from './start-broker';
import { startWorker } from './start-worker';

/** Prints why the process cannot start, one line or a list, without a stack, and exits 1. */
function refuse(text: string): never {
  process.stderr.write(`${text}\n`);
  process.exit(1);
}

/**
 * Process entry point. BROKER_ROLE picks what runs (see jobs/process-role.ts): the API with delivery
 * (`all`, the default), the API alone (`api`) or the delivery worker alone (`worker`).
 * BROKER_PROCESSES=N (default 1) runs N processes of that role behind the one port, as a cluster
 * (see cluster-primary.ts). Configuration errors are listed and exit 1, without a stack.
 */
async function main(mount: StartBrokerOptions['mount']): Promise<void> {
  let config;
  let role: ProcessRole;
  let processes: number;
  try {
    role = processRole(process.env);
    processes = cluster.isPrimary ? brokerProcesses(process.env) : 1;
    config = loadConfig();
    checkRole(role, { redisUrl: config.redis.url, store: config.audit.store.kind });
    checkCluster(processes, role, config);
  } catch (error) {
    if (error instanceof ConfigError) refuse(error.describe());
    if (error instanceof RoleError) refuse(`hie-broker failed to start: ${error.message}`);
    throw error;
  }
  const logger = createLogger({ level: config.logging.level });
  if (processes > 1) {
    runClusterPrimary({ processes, role, logger, shutdownGraceMs: config.server.shutdownGraceMs });
    return;
  }
  const running =
    role === 'worker'
      ? await startWorker(config, logger)
      : await startBroker(config, logger, {
          delivery: role === 'api' ? 'relay' : 'relay-and-deliver',
          ...(mount ? { mount } : {}),
        });
  const stop = (signal: string): void => {
    logger.info({ signal, role }, 'shutting down');
    running
      .close()
      // The spans of the last views, when traced: buffered by the exporter until now.
      .then(() => flushTraces().catch(() => undefined))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * Runs this process as the broker; `mount` adds routes to the API role's server (viewer/main.ts mounts
 * the clinician's viewer this way, so that the broker itself knows nothing of it).
 */
export function runBrokerProcess(mount?: StartBrokerOptions['mount']): void {
  main(mount).catch((error: unknown) => {
    // A setting only the composition can check (e.g. server.publicBaseUrl with peers).
    if (error instanceof ConfigError) refuse(error.describe());
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE' ? 'the port is already in use (set PORT)' : (error as Error).message;
    process.stderr.write(`hie-broker failed to start: ${message}\n`);
    process.exit(1);
  });
}

// Run directly (`node dist/broker/main.js`): the broker alone.
if (require.main === module) runBrokerProcess();
