import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One-line JSON logs. Never pass a resource, a bundle, an NHS number, a name or a token:
 * the redaction below is a backstop for headers, not a licence.
 */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'hie-broker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.authorization'],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
