import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Whether a request may read `/metrics` and `/readyz` detail: the configured bearer token, or,
 * when none is configured, a client on this machine (loopback) only.
 */
export function probeAccess(token: string | undefined): (req: IncomingMessage) => boolean {
  const expected = token ? digest(token) : undefined;
  return (req) => {
    if (!expected) return isLoopback(req.socket.remoteAddress);
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/i.exec(header);
    return Boolean(match) && timingSafeEqual(digest(match![1]!), expected);
  };
}

/** Compared as digests: equal lengths for timingSafeEqual whatever is sent. */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
