import { z } from 'zod';
import { kebabId, odsCode } from './common';

/** What a registered system may send to `POST /events/…`. */
export const EVENT_KINDS = ['ambulance-incident', 'encounter'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * A system registered for real-time events: it authenticates with SMART Backend Services (the broker
 * is the authorisation server; its private_key_jwt is checked against `jwksUrl`), may send the events
 * it `publishes`, and may subscribe to topics filtered on its own organisation (`odsCode`).
 */
const eventSystemSchema = z.strictObject({
  clientId: kebabId,
  name: z.string().min(1),
  odsCode,
  jwksUrl: z.url({ protocol: /^https?$/ }),
  publishes: z.array(z.enum(EVENT_KINDS)).default([]),
});
export type EventSystemConfig = z.infer<typeof eventSystemSchema>;

export const eventsSchema = z
  .strictObject({
    systems: z.array(eventSystemSchema).default([]),
    /**
     * Whether a Subscription may name a plain-http endpoint. Off by default: notifications name
     * patients, so they travel over TLS. For local development and tests only.
     */
    allowHttpEndpoints: z.boolean().default(false),
    /**
     * Where subscriber endpoints may point. By default a host that is, or resolves to, a loopback,
     * private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10), unspecified or multicast
     * address is refused, at creation and at every delivery (SSRF). `allowPrivateNetworks` lifts that
     * for every host (the demo and tests only); `allowedHosts` for the named hosts only.
     */
    subscriberEndpoints: z
      .strictObject({
        allowPrivateNetworks: z.boolean().default(false),
        allowedHosts: z.array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name')).default([]),
      })
      .default({ allowPrivateNetworks: false, allowedHosts: [] }),
    delivery: z
      .strictObject({
        /** Attempts per notification before it is dead-lettered. */
        attempts: z.number().int().min(1).max(20).default(6),
        /** First retry delay; doubled each attempt, with jitter. */
        backoffMs: z.number().int().min(1).max(600_000).default(1000),
        /** Each POST to a subscriber's endpoint answers within this. */
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
        /** How often the journal is swept for events and notifications not yet handled. */
        relayIntervalMs: z.number().int().min(50).max(60_000).default(2000),
        /** A subscriber's BullMQ worker idle this long is closed (freeing its Redis connection) until needed. */
        workerIdleMs: z.number().int().min(100).max(86_400_000).default(300_000),
      })
      .default({
        attempts: 6,
        backoffMs: 1000,
        timeoutMs: 5000,
        relayIntervalMs: 2000,
        workerIdleMs: 300_000,
      }),
  })
  .default({
    systems: [],
    allowHttpEndpoints: false,
    subscriberEndpoints: { allowPrivateNetworks: false, allowedHosts: [] },
    delivery: { attempts: 6, backoffMs: 1000, timeoutMs: 5000, relayIntervalMs: 2000, workerIdleMs: 300_000 },
  });
export type EventsConfig = z.infer<typeof eventsSchema>;
