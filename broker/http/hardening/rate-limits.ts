import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

/** So many requests (points) per window of so many seconds. */
export interface RateRule {
  readonly points: number;
  readonly durationSeconds: number;
}

export const RATE_LIMIT_SCOPES = ['user', 'organisation', 'peer'] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly scope: RateLimitScope; readonly retryAfterSeconds: number };

export interface RateLimitsOptions {
  readonly perUser: RateRule;
  readonly perOrganisation: RateRule;
  /** Every user one neighbouring broker vouches for, together. */
  readonly perPeer: RateRule;
  /** Shares the counts across pods; without it each process counts on its own. */
  readonly redis?: Redis;
  /** Prefix of every key (in Redis, and in memory): one per broker, or per test. */
  readonly keyPrefix: string;
}

/**
 * Per-user and per-organisation request budgets. With Redis, counts are shared by every pod; if
 * Redis is unreachable each pod falls back to counting in memory (rate limiting protects capacity,
 * not governance, so it degrades rather than refusing care).
 */
export class RateLimits {
  private readonly limiters: Record<RateLimitScope, RateLimiterAbstract>;

  constructor(options: RateLimitsOptions) {
    const limiter = (scope: RateLimitScope, rule: RateRule): RateLimiterAbstract => {
      const common = {
        keyPrefix: `${options.keyPrefix}${scope}`,
        points: rule.points,
        duration: rule.durationSeconds,
      };
      if (!options.redis) return new RateLimiterMemory(common);
      return new RateLimiterRedis({
        ...common,
        storeClient: options.redis,
        // A disconnected client fails over at once instead of queueing the request behind a reconnect.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(common),
      });
    };
    this.limiters = {
      user: limiter('user', options.perUser),
      organisation: limiter('organisation', options.perOrganisation),
      peer: limiter('peer', options.perPeer),
    };
  }

  /**
   * Counts one request for the user and, if the user is within budget, for their organisation: a
   * user already over their own limit does not use up their colleagues' budget. A user a peer vouches
   * for is counted under that peer (their user and organisation budgets are the peer's own, so a peer
   * cannot spend a local user's), and then against the peer's budget, which rotating the asserted user
   * or organisation does not escape.
   */
  async consume(who: { userId: string; organisationOds: string }, peer?: string): Promise<RateDecision> {
    const within = (key: string): string => (peer === undefined ? key : `peer:${peer}:${key}`);
    const budgets: (readonly [RateLimitScope, string])[] = [
      ['user', within(who.userId)],
      ['organisation', within(who.organisationOds)],
      ...(peer === undefined ? [] : [['peer', peer] as const]),
    ];
    for (const [scope, key] of budgets) {
      try {
        await this.limiters[scope].consume(key);
      } catch (outcome) {
        if (!(outcome instanceof RateLimiterRes)) throw outcome;
        return {
          allowed: false,
          scope,
          retryAfterSeconds: Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)),
        };
      }
    }
    return { allowed: true };
  }
}
