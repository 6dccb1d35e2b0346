import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, type JWTPayload } from 'jose';
import { loadSigningKey, type SigningKey } from '../../core/trust/signing-key';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The person a peer vouches for; any claim may be overridden, `undefined` removes it. */
export interface VouchedClaims extends JWTPayload {
  readonly role?: string;
  readonly org?: string;
  readonly purpose?: string;
  readonly rel?: string;
  readonly reason?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

/**
 * A neighbouring broker as an attacker who controls one sees it: a registered peer's own key (its
 * JWKS served on port 0), with which it asks for access tokens and signs whatever requester
 * assertions it likes. Its PEM can also be given to a real broker, which then is that peer.
 */
export interface HostilePeer {
  readonly clientId: string;
  readonly jwksUrl: string;
  readonly pem: string;
  readonly key: SigningKey;
  /** An access token from the broker's token endpoint. */
  accessToken(tokenUrl: string, options?: { scope?: string }): Promise<string>;
  /** A client assertion for the token endpoint (aud = the token URL). */
  clientAssertion(audience: string): Promise<string>;
  /**
   * A requester assertion: by default a GP (R8000, Y90001) for direct care, for `patient`, living
   * two minutes, with a fresh jti.
   */
  requesterAssertion(options: {
    audience: string;
    patient?: string;
    claims?: VouchedClaims;
    lifetimeSeconds?: number;
  }): Promise<string>;
  close(): Promise<void>;
}

/** The patient claim of a requester assertion, as the wire format says: the SHA-256 (base64url) of the NHS number. */
const patientHash = (nhsNumber: string): string => createHash('sha256').update(nhsNumber).digest('base64url');

export async function startHostilePeer(clientId: string): Promise<HostilePeer> {
  const pem = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const key = await loadSigningKey(pem);
  const jwks = JSON.stringify({ keys: [key.publicJwk] });
  const server: Server = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(jwks),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;

  const sign = (payload: JWTPayload): Promise<string> =>
    new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);

  const clientAssertion = (audience: string): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return sign({ iss: clientId, sub: clientId, aud: audience, exp: now + 120, jti: randomUUID() });
  };

  return {
    clientId,
    jwksUrl,
    pem,
    key,
    clientAssertion,
    async accessToken(tokenUrl, options = {}) {
      const answer = await send(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: await clientAssertion(tokenUrl),
          scope: options.scope ?? 'system/*.read',
        }).toString(),
      });
      if (answer.status !== 200) throw new Error(`token refused: ${answer.text}`);
      return answer.body.access_token as string;
    },
    requesterAssertion({ audience, patient, claims = {}, lifetimeSeconds = 120 }) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: clientId,
        sub: '555000000123',
        aud: audience,
        iat: now,
        exp: now + lifetimeSeconds,
        jti: randomUUID(),
        role: 'R8000',
        org: 'Y90001',
        purpose: 'TREAT',
        ...(patient ? { nhs_sha256: patientHash(patient) } : {}),
        ...claims,
      };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return sign(payload as JWTPayload);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * One request with node:http, which (unlike fetch) sends the Host header it is given: for requests
 * that claim to be for another server.
 */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          accept: 'application/fhir+json',
          ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Not JSON: the test reads `text`.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
