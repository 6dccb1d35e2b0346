import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { pageSnapshotKey } from './page-snapshot-key';

describe('pageSnapshotKey', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;

  it('when every process loads the same signing key, then each derives the same 32-byte key, whatever the PEM form', () => {
    const pkcs8 = ec.export({ type: 'pkcs8', format: 'pem' });
    const sec1 = ec.export({ type: 'sec1', format: 'pem' });

    const key = pageSnapshotKey(createPrivateKey(pkcs8));
    expect(key).toHaveLength(32);
    expect(pageSnapshotKey(createPrivateKey(sec1)).equals(key)).toBe(true);
  });

  it('when the signing key differs (EC or RSA), then so does the key, and it is not the private part itself', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const other = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;

    const keys = [ec, other, rsa].map((k) => pageSnapshotKey(k).toString('hex'));
    expect(new Set(keys).size).toBe(3);
    expect(Buffer.from(ec.export({ format: 'jwk' }).d!, 'base64url').toString('hex')).not.toContain(keys[0]);
  });

  it('when there is no configured signing key, then the key is random for this process', () => {
    const a = pageSnapshotKey();
    expect(a).toHaveLength(32);
    expect(a.equals(pageSnapshotKey())).toBe(false);
  });
});
