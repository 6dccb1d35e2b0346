import type { AuditRequest } from './audit-event';
import type { AuditTrail } from './audit-trail';

export interface RefusalAggregatorOptions {
  readonly trail: AuditTrail;
  /** A requester's first refusal of a kind in a window is recorded in full; the rest as one count. */
  readonly windowMs: number;
  /** Open windows kept at most; past it the oldest is closed (its count recorded) early. */
  readonly maxWindows?: number;
  readonly clock?: () => number;
}

export interface Refusal {
  /** Who was refused and how: e.g. the user id and the HTTP status. */
  readonly key: string;
  readonly request: AuditRequest;
  readonly status: number;
  readonly text: string;
}

interface Window {
  readonly started: number;
  readonly first: Refusal;
  /** Refusals after the first, not yet recorded. */
  count: number;
  /** The latest of them: the aggregate AuditEvent carries its request (its own request id). */
  latest: Refusal;
  last: number;
}

/**
 * Refusals before any view (rate limits, malformed requests, unknown routes) recorded so that a
 * flood cannot grow the journal without bound and the trail stays complete: the first refusal of a
 * requester (per status) in a window is committed in full; the rest of that window are committed
 * as one AuditEvent with their count and time span when the window closes (at the requester's next
 * refusal after it, on the periodic sweep, or at shutdown).
 */
export class RefusalAggregator {
  private readonly windows = new Map<string, Window>();
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: RefusalAggregatorOptions) {
    this.clock = options.clock ?? Date.now;
    // Twice a window: a window's count is recorded at most half a window after it ends.
    this.timer = setInterval(() => void this.sweep(), Math.max(500, options.windowMs / 2));
    this.timer.unref();
  }

  /** Records a refusal; rejects only when the full record of a first refusal could not be committed. */
  async refuse(refusal: Refusal): Promise<void> {
    const now = this.clock();
    const open = this.windows.get(refusal.key);
    if (open && now - open.started < this.options.windowMs) {
      open.count++;
      open.last = now;
      open.latest = refusal;
      return;
    }
    if (open) await this.close(refusal.key, open);
    while (this.windows.size >= (this.options.maxWindows ?? 10_000)) {
      const [oldestKey, oldest] = this.windows.entries().next().value!;
      await this.close(oldestKey, oldest);
    }
    this.windows.set(refusal.key, { started: now, first: refusal, count: 0, latest: refusal, last: now });
    await this.commit(refusal.request, refusal.status, refusal.text);
  }

  /** Closes every window whose time is up. */
  async sweep(): Promise<void> {
    const now = this.clock();
    for (const [key, window] of [...this.windows]) {
      if (now - window.started >= this.options.windowMs) await this.close(key, window).catch(() => {});
    }
  }

  /** Records every open window's count, then stops the sweep. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const [key, window] of [...this.windows]) await this.close(key, window).catch(() => {});
  }

  private async close(key: string, window: Window): Promise<void> {
    this.windows.delete(key);
    if (window.count === 0) return;
    const { first } = window;
    const span = `${new Date(window.started).toISOString()} and ${new Date(window.last).toISOString()}`;
    await this.commit(
      window.latest.request,
      first.status,
      `${window.count} further refusal${window.count === 1 ? '' : 's'} of this requester between ${span}, as the first: ${first.text}`,
    );
  }

  private async commit(request: AuditRequest, status: number, text: string): Promise<void> {
    await this.options.trail.commit({
      request,
      action: 'patient-view',
      outcome: status >= 500 ? '8' : '4',
      outcomeDesc: `HTTP ${status}: ${text}`.slice(0, 1000),
    });
  }
}
