import { hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

const INFO = 'hie-broker page snapshots';

/**
 * The AES-256 key page snapshots are encrypted with in Redis: HKDF-SHA256 over the private part of
 * the broker's signing key, so that every process of a cluster (which must share the signing key)
 * derives the same key, and no further secret has to be configured or rotated. Rotating the signing
 * key makes the snapshots already kept unreadable: their links answer 410, as if they had expired.
 *
 * With no signing key configured (an ephemeral one), pass nothing: the key is random for this
 * process, and its page links then work only on the process that made them, as with the memory store.
 */
export function pageSnapshotKey(signingKey?: KeyObject): Buffer {
  if (!signingKey) return randomBytes(32);
  const { d } = signingKey.export({ format: 'jwk' });
  if (!d) throw new Error('The signing key has no private part to derive the page snapshot key from');
  return Buffer.from(hkdfSync('sha256', Buffer.from(d, 'base64url'), Buffer.alloc(0), INFO, 32));
}
