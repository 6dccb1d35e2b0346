/**
 * What a broker process runs (env BROKER_ROLE; one image for all three): `all` serves the API and
 * delivers audit events in one process (the embedded default); `api` serves the API and only enqueues
 * deliveries; `worker` only delivers, serving nothing but its probes and metrics.
 */
export const PROCESS_ROLES = ['all', 'api', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** A role that cannot run as configured; the message says what to change. */
export class RoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoleError';
  }
}

export function processRole(env: Readonly<Record<string, string | undefined>>): ProcessRole {
  const raw = env.BROKER_ROLE?.trim() || 'all';
  const role = PROCESS_ROLES.find((r) => r === raw);
  if (!role) throw new RoleError(`BROKER_ROLE must be one of ${PROCESS_ROLES.join(', ')}`);
  return role;
}

/**
 * The roles that split the API from delivery need what both sides share: Redis, which carries the
 * jobs, and the PostgreSQL journal, which both read (the file journal belongs to one process).
 */
export function checkRole(
  role: ProcessRole,
  shared: { readonly redisUrl: string | undefined; readonly store: 'file' | 'postgres' },
): void {
  if (role === 'all') return;
  if (!shared.redisUrl)
    throw new RoleError(
      role === 'api'
        ? 'BROKER_ROLE=api needs Redis (set REDIS_URL or redis.url): without it no worker would deliver the audit events this process commits. Use BROKER_ROLE=all to run without Redis.'
        : 'BROKER_ROLE=worker needs Redis (set REDIS_URL or redis.url): the delivery jobs it works on travel through Redis.',
    );
  if (shared.store !== 'postgres')
    throw new RoleError(
      `BROKER_ROLE=${role} needs the PostgreSQL audit store (set DATABASE_URL or audit.store): the file journal belongs to one process, and the API and its workers must share one.`,
    );
}
