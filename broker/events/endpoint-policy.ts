import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Where subscriber endpoints may point (config `events.allowHttpEndpoints` and `events.subscriberEndpoints`). */
export interface EndpointPolicyConfig {
  /** Plain http allowed (development and tests only). */
  readonly allowHttp: boolean;
  /** Loopback, private, link-local … addresses allowed (development and tests only). */
  readonly allowPrivateNetworks: boolean;
  /** Host names (exact, lower case) exempt from the address rule, e.g. an internal gateway. */
  readonly allowedHosts: readonly string[];
}

export const ENDPOINT_RULES = ['https-only', 'no-private-address', 'unresolvable'] as const;
export type EndpointRule = (typeof ENDPOINT_RULES)[number];

/** An endpoint the policy refuses; `rule` names which, the message is static (no host in logs). */
export class EndpointRefused extends Error {
  constructor(
    readonly rule: EndpointRule,
    options?: { cause?: unknown },
  ) {
    super('The subscriber endpoint is refused', options);
    this.name = 'EndpointRefused';
  }
}

/** An endpoint checked: connect to `address` (the one checked), never resolve the host again. */
export interface CheckedEndpoint {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Addresses a subscriber endpoint may not reach: the broker's own host and network, cloud metadata
 * (169.254.169.254) and anything else not on the public internet. IPv4-mapped IPv6 addresses are
 * matched against the IPv4 ranges (BlockList does so).
 */
function blockedRanges(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8], // this network, unspecified
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, cloud metadata
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, broadcast
  ] as const)
    list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of [
    ['::', 128], // unspecified
    ['::1', 128],
    ['64:ff9b::', 96], // NAT64: reaches IPv4 addresses, private ones too
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
  ] as const)
    list.addSubnet(net, prefix, 'ipv6');
  return list;
}

type Resolve = (host: string) => Promise<readonly { address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/**
 * Subscriber endpoints cannot be used to reach inside the broker's network (SSRF): https only, and a
 * host that is, or resolves to, a non-public address is refused — at creation and again at each
 * delivery, which then connects to the address it checked (a DNS answer that changes in between,
 * DNS rebinding, gains nothing). Every address the name resolves to must pass.
 */
export class EndpointPolicy {
  private readonly blocked = blockedRanges();
  private readonly allowedHosts: ReadonlySet<string>;

  constructor(
    private readonly config: EndpointPolicyConfig,
    private readonly resolve: Resolve = systemResolve,
  ) {
    this.allowedHosts = new Set(config.allowedHosts.map((h) => h.toLowerCase()));
  }

  /** The endpoint and the address to connect to; throws EndpointRefused. */
  async check(endpoint: string): Promise<CheckedEndpoint> {
    const url = new URL(endpoint);
    if (url.protocol !== 'https:' && !(this.config.allowHttp && url.protocol === 'http:'))
      throw new EndpointRefused('https-only');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const literal = isIP(host);
    let addresses: readonly { address: string; family: number }[];
    if (literal) addresses = [{ address: host, family: literal }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        throw new EndpointRefused('unresolvable', { cause: error });
      }
    }
    if (addresses.length === 0) throw new EndpointRefused('unresolvable');
    const exempt = this.config.allowPrivateNetworks || this.allowedHosts.has(host);
    if (!exempt && addresses.some((a) => this.isBlocked(a.address, a.family)))
      throw new EndpointRefused('no-private-address');
    const first = addresses[0]!;
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  private isBlocked(address: string, family: number): boolean {
    return this.blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** What a refusal tells the subscriber, naming the rule and the setting that relaxes it. */
export function endpointRuleText(rule: EndpointRule): string {
  switch (rule) {
    case 'https-only':
      return 'Subscription.channel.endpoint must be an https URL: notifications name patients (rule https-only).';
    case 'no-private-address':
      return (
        'Subscription.channel.endpoint must be on the public internet: its host is or resolves to a loopback, ' +
        'private, link-local, unspecified or multicast address (rule no-private-address; an operator may allow ' +
        'named hosts with events.subscriberEndpoints.allowedHosts).'
      );
    case 'unresolvable':
      return 'Subscription.channel.endpoint names a host that does not resolve (rule unresolvable).';
  }
}
