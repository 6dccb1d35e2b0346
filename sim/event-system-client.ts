import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A system registered with the broker for events (the ambulance service's CAD, an ED's EPR): its own
 * key pair, its JWKS served on port 0, and SMART Backend Services tokens from the broker.
 */
export class EventSystemClient {
  private constructor(
    readonly clientId: string,
    private readonly privateKey: CryptoKey,
    private readonly server: Server,
    readonly jwksUrl: string,
  ) {}

  static async start(clientId: string): Promise<EventSystemClient> {
    const pair = await generateKeyPair('ES384');
    const jwks = JSON.stringify({
      keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384' }],
    });
    const server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    return new EventSystemClient(clientId, pair.privateKey, server, url);
  }

  /** A fresh access token from the broker (`brokerUrl` is its origin, e.g. http://127.0.0.1:8080). */
  async token(brokerUrl: string): Promise<string> {
    const tokenUrl = `${brokerUrl}/oauth/token`;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' })
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setAudience(tokenUrl)
      .setExpirationTime('4m')
      .setJti(randomUUID())
      .sign(this.privateKey);
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
      }),
    });
    const body = (await response.json()) as { access_token?: string; error_description?: string };
    if (!response.ok || !body.access_token)
      throw new Error(
        `No token for ${this.clientId}: HTTP ${response.status} ${body.error_description ?? ''}`,
      );
    return body.access_token;
  }

  /** POSTs JSON to the broker with a fresh token; resolves with the status and parsed body. */
  async post(brokerUrl: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const token = await this.token(brokerUrl);
    return this.send(brokerUrl, path, { method: 'POST', token, body });
  }

  async send(
    brokerUrl: string,
    path: string,
    options: { method: string; token?: string; body?: unknown },
  ): Promise<{ status: number; body: unknown }> {
    const token = options.token ?? (await this.token(brokerUrl));
    const response = await fetch(`${brokerUrl}${path}`, {
      method: options.method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/fhir+json',
        ...(options.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
