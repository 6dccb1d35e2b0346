import { randomBytes } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** A client the simulated authorisation server knows: its id and where its public keys are. */
export interface RegisteredClient {
  readonly clientId: string;
  /** Read when a token is requested, so the broker may start after the node. */
  readonly jwksUrl: () => string;
}

export interface TokenEndpointOptions {
  readonly clients: readonly RegisteredClient[];
  /** Access token lifetime in seconds. */
  readonly lifetimeSeconds?: number;
}

export interface SimTokenServer {
  /** Paths under which `requireToken` guards the API. */
  requireToken(req: Request, res: Response, next: NextFunction): void;
  /** Tokens issued so far. */
  readonly issued: () => number;
  /** Forgets every token, as a server restart would: the next request with an old token gets a 401. */
  revokeAll(): void;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A SMART Backend Services token endpoint as a trust would run it: verifies the client's
 * private_key_jwt assertion against the client's JWKS (iss = sub = client id, aud = this token
 * URL, exp at most five minutes ahead, jti used once) and issues short-lived opaque tokens.
 */
export function mountTokenEndpoint(
  app: Express,
  path: string,
  options: TokenEndpointOptions,
): SimTokenServer {
  const tokens = new Map<string, number>();
  const seenJti = new Map<string, number>();
  const keySets = new Map<string, { url: string; keys: JWTVerifyGetKey }>();
  const lifetime = options.lifetimeSeconds ?? 300;
  let issued = 0;

  const keysFor = (client: RegisteredClient): JWTVerifyGetKey => {
    const url = client.jwksUrl();
    const known = keySets.get(client.clientId);
    if (known?.url === url) return known.keys;
    const keys = createRemoteJWKSet(new URL(url));
    keySets.set(client.clientId, { url, keys });
    return keys;
  };

  const refuse = (res: Response, description: string): void => {
    res.status(400).json({ error: 'invalid_client', error_description: description });
  };

  app.post(path, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, string | undefined>;
    if (form.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    if (form.client_assertion_type !== ASSERTION_TYPE || !form.client_assertion) {
      refuse(res, 'a private_key_jwt client assertion is required');
      return;
    }
    let claimed: string | undefined;
    try {
      claimed = decodeJwt(form.client_assertion).iss;
    } catch {
      refuse(res, 'the client assertion is not a JWT');
      return;
    }
    const client = options.clients.find((c) => c.clientId === claimed);
    if (!client) {
      refuse(res, 'unknown client');
      return;
    }
    const tokenUrl = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
    try {
      const { payload } = await jwtVerify(form.client_assertion, keysFor(client), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: tokenUrl,
        algorithms: ['ES384', 'RS384'],
        requiredClaims: ['exp', 'jti'],
      });
      const now = Math.floor(Date.now() / 1000);
      if (payload.exp! > now + 300) throw new Error('exp more than five minutes ahead');
      if (seenJti.has(payload.jti!)) throw new Error('jti replayed');
      seenJti.set(payload.jti!, payload.exp!);
      for (const [jti, exp] of seenJti) if (exp < now) seenJti.delete(jti);
    } catch {
      refuse(res, 'the client assertion could not be verified');
      return;
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + lifetime * 1000);
    issued++;
    res.json({
      access_token: token,
      token_type: 'bearer',
      expires_in: lifetime,
      scope: form.scope ?? 'system/*.read',
    });
  });

  return {
    requireToken(req, res, next) {
      const header = req.get('authorization') ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7) : '';
      const expires = tokens.get(token);
      if (!expires || expires < Date.now()) {
        res
          .status(401)
          .type('application/fhir+json')
          .send(
            JSON.stringify({
              resourceType: 'OperationOutcome',
              issue: [
                { severity: 'error', code: 'login', details: { text: 'A valid access token is required' } },
              ],
            }),
          );
        return;
      }
      next();
    },
    issued: () => issued,
    revokeAll: () => tokens.clear(),
  };
}
