import pino, { type Logger } from 'pino';

export type { Logger };

const TEN_DIGITS = /\b\d{3}\s?\d{3}\s?\d{4}\b/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/** Anything that looks like an NHS number or a token is replaced, wherever it turns up in a message. */
export function scrub(text: string): string {
  return text.replace(JWT, '[token]').replace(BEARER, '$1[token]').replace(TEN_DIGITS, '[number]');
}

/**
 * Errors are logged by name, message and stack only, scrubbed: an HTTP client's error carries its
 * request (URL with an NHS number, Authorization header) as properties, and none of that may reach
 * a log. Causes are followed, the same way, a few levels deep.
 */
export function safeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: scrub(String(error)).slice(0, 500) };
  return {
    type: error.name,
    message: scrub(error.message).slice(0, 500),
    ...(error.stack ? { stack: scrub(error.stack) } : {}),
    ...('code' in error && typeof error.code === 'string' ? { code: error.code } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: safeError(error.cause, depth + 1) } : {}),
  };
}

/**
 * One-line JSON logs. Never pass a resource, a bundle, an NHS number, a name or a token: the
 * error serializer and the header redaction below are backstops, not a licence.
 */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      // The pid tells apart the processes of a cluster (BROKER_PROCESSES), which share one stream.
      base: { service: 'hie-broker', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: safeError, error: safeError },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.authorization'],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
