/**
 * Lets one log line through per key and window, and counts the rest: a sink that is down or
 * misconfigured fails every job, and one line a minute says so as well as a thousand would.
 */
export class LogThrottle {
  private readonly windows = new Map<string, { until: number; suppressed: number }>();

  constructor(private readonly windowMs: number) {}

  /** Undefined when the line is to be suppressed; otherwise how many were suppressed since the last one. */
  pass(key: string, now = Date.now()): { suppressed: number } | undefined {
    const window = this.windows.get(key);
    if (window && now < window.until) {
      window.suppressed += 1;
      return undefined;
    }
    this.windows.set(key, { until: now + this.windowMs, suppressed: 0 });
    return { suppressed: window?.suppressed ?? 0 };
  }
}
