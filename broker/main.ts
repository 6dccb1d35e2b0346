import { ConfigError, loadConfig } from '../config/load-config';
import { createLogger } from './observability/logger';
import { startBroker } from './start-broker';

/** Process entry point: configuration errors are listed and exit 1, without a stack. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.describe()}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logging.level });
  const broker = await startBroker(config, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    broker.close().then(
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

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const message = code === 'EADDRINUSE' ? 'the port is already in use (set PORT)' : (error as Error).message;
  process.stderr.write(`hie-broker failed to start: ${message}\n`);
  process.exit(1);
});
