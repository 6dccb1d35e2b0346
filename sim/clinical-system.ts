import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import { PERSONAS, type Persona, type PersonaId } from './identity-provider';
import { listenNode } from './sim-faults';

/** The viewer's client id at the simulated clinical system, and the audience of its signed launches. */
export const VIEWER_CLIENT_ID = 'hie-viewer';
export const SIGNED_LAUNCH_AUDIENCE = 'hie-viewer';

export interface RunningClinicalSystem {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The FHIR base it sends as `iss` in an EHR launch (its smart-configuration is under it). */
  readonly iss: string;
  /** The issuer of its signed launch tokens, and their public keys. */
  readonly signedLaunchIssuer: string;
  readonly jwksUrl: string;
  /** Where the viewer runs: the EHR launch sends users there, and accepts its callback only. */
  connectViewer(viewerUrl: string): void;
  /** Opens a patient in the viewer for a persona through a real EHR launch, each time it is visited. */
  launchUrl(persona: PersonaId, nhsNumber: string): string;
  /** A page that opens the patient with a signed launch (form_post) when its button is pressed. */
  signedLaunchUrl(persona: PersonaId, nhsNumber: string): string;
  /** A signed launch token, for a test to POST itself. */
  launchToken(
    persona: PersonaId | Persona,
    nhsNumber: string,
    claims?: Record<string, unknown>,
  ): Promise<string>;
  close(): Promise<void>;
}

interface Context {
  readonly persona: Persona;
  readonly nhsNumber: string;
}

interface Grant extends Context {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce?: string;
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A simulated clinical system (an EPR) that opens the broker's viewer with the patient already chosen:
 * a SMART App Launch 2.x authorisation server (smart-configuration, an authorize endpoint that
 * approves the persona named in the launch, a token endpoint checking PKCE S256 that answers an access
 * token, an id_token with fhirUser, role, org and purpose claims, and the `patient` launch context),
 * and a signed launch for the same. The launch context's patient is the NHS number.
 */
export async function startClinicalSystem(
  options: { port?: number; host?: string } = {},
): Promise<RunningClinicalSystem> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const jwks: { keys: JWK[] } = { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] };
  const launches = new Map<string, Context>();
  const codes = new Map<string, Grant>();
  let viewerUrl: string | undefined;
  let url = '';

  const app = express();
  app.disable('x-powered-by');
  const redirectUri = (): string | undefined => viewerUrl && `${viewerUrl}/viewer/callback`;

  app.get('/', (_req, res) => {
    const rows = (Object.keys(PERSONAS) as PersonaId[])
      .map(
        (id) =>
          `<li>${escape(PERSONAS[id].name)} (${escape(PERSONAS[id].roleName)}): <a href="${escape(system.launchUrl(id, '9000000009'))}">EHR launch</a> · <a href="${escape(system.signedLaunchUrl(id, '9000000009'))}">signed launch</a></li>`,
      )
      .join('');
    res
      .type('html')
      .send(
        `<!DOCTYPE html><html lang="en"><title>Simulated clinical system</title><h1>Open 9000000009 in the care record</h1><ul>${rows}</ul></html>`,
      );
  });

  app.get('/launch', (req, res) => {
    const persona = PERSONAS[String(req.query.persona) as PersonaId];
    const nhsNumber = String(req.query.patient ?? '');
    if (!persona || !/^\d{10}$/.test(nhsNumber) || !viewerUrl) {
      res.status(400).type('text').send('Unknown persona or patient, or no viewer connected.');
      return;
    }
    const launch = randomUUID();
    launches.set(launch, { persona, nhsNumber });
    const target = new URL(`${viewerUrl}/launch`);
    target.search = new URLSearchParams({ iss: system.iss, launch }).toString();
    res.redirect(302, target.toString());
  });

  app.get('/signed-launch', async (req, res) => {
    const persona = PERSONAS[String(req.query.persona) as PersonaId];
    const nhsNumber = String(req.query.patient ?? '');
    if (!persona || !/^\d{10}$/.test(nhsNumber) || !viewerUrl) {
      res.status(400).type('text').send('Unknown persona or patient, or no viewer connected.');
      return;
    }
    const token = await system.launchToken(persona, nhsNumber);
    res
      .type('html')
      .send(
        `<!DOCTYPE html><html lang="en"><title>Simulated clinical system</title><form method="post" action="${escape(`${viewerUrl}/launch`)}"><input type="hidden" name="launch_token" value="${escape(token)}"><button type="submit">Open the care record</button></form></html>`,
      );
  });

  app.get('/fhir/.well-known/smart-configuration', (_req, res) => {
    res.json({
      issuer: url,
      jwks_uri: `${url}/jwks.json`,
      authorization_endpoint: `${url}/authorize`,
      token_endpoint: `${url}/token`,
      grant_types_supported: ['authorization_code'],
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: ['none'],
      scopes_supported: ['openid', 'fhirUser', 'launch', 'patient/*.rs'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['ES256'],
      capabilities: [
        'launch-ehr',
        'client-public',
        'context-ehr-patient',
        'sso-openid-connect',
        'permission-v2',
      ],
    });
  });
  app.get('/jwks.json', (_req, res) => void res.json(jwks));

  // Approves at once the persona the launch named: the user is already signed in to this system.
  app.get('/authorize', (req: Request, res: Response) => {
    const q = req.query as Record<string, string | undefined>;
    const context = q.launch ? launches.get(q.launch) : undefined;
    if (
      q.response_type !== 'code' ||
      q.client_id !== VIEWER_CLIENT_ID ||
      !redirectUri() ||
      q.redirect_uri !== redirectUri() ||
      q.code_challenge_method !== 'S256' ||
      !q.code_challenge ||
      q.aud !== system.iss ||
      !context ||
      !q.state
    ) {
      res.status(400).type('text').send('Invalid authorisation request.');
      return;
    }
    launches.delete(q.launch!);
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      ...context,
      clientId: q.client_id!,
      redirectUri: q.redirect_uri!,
      codeChallenge: q.code_challenge,
      ...(q.nonce ? { nonce: q.nonce } : {}),
    });
    const back = new URL(q.redirect_uri!);
    back.search = new URLSearchParams({ code, state: q.state, iss: url }).toString();
    res.redirect(302, back.toString());
  });

  app.post('/token', express.urlencoded({ extended: false, limit: '8kb' }), async (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    const grant = body.code ? codes.get(body.code) : undefined;
    if (body.code) codes.delete(body.code);
    const verifierHash = body.code_verifier
      ? createHash('sha256').update(body.code_verifier).digest('base64url')
      : undefined;
    if (
      body.grant_type !== 'authorization_code' ||
      !grant ||
      body.client_id !== grant.clientId ||
      body.redirect_uri !== grant.redirectUri ||
      verifierHash !== grant.codeChallenge
    ) {
      res.status(400).json({ error: 'invalid_grant' });
      return;
    }
    const { persona } = grant;
    const idToken = await new SignJWT({
      name: persona.name,
      fhirUser: `${system.iss}/Practitioner/${persona.userId}`,
      role: persona.role,
      org: persona.organisationOds,
      purpose_of_use: persona.purposeOfUse,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(url)
      .setSubject(persona.userId)
      .setAudience(grant.clientId)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(privateKey);
    res.set('Cache-Control', 'no-store').json({
      access_token: randomBytes(24).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'launch openid fhirUser',
      id_token: idToken,
      patient: grant.nhsNumber,
    });
  });

  const listening = await listenNode(app, options);
  url = `http://${listening.host}:${listening.port}`;
  const signingKey: KeyObject = privateKey;
  const system: RunningClinicalSystem = {
    url,
    iss: `${url}/fhir`,
    signedLaunchIssuer: `${url}/signed-launch`,
    jwksUrl: `${url}/jwks.json`,
    connectViewer: (viewer) => void (viewerUrl = viewer.replace(/\/+$/, '')),
    launchUrl: (persona, nhs) => `${url}/launch?${new URLSearchParams({ persona, patient: nhs })}`,
    signedLaunchUrl: (persona, nhs) =>
      `${url}/signed-launch?${new URLSearchParams({ persona, patient: nhs })}`,
    launchToken: (who, nhsNumber, claims = {}) => {
      const persona = typeof who === 'string' ? PERSONAS[who] : who;
      return new SignJWT({
        name: persona.name,
        role: persona.role,
        org: persona.organisationOds,
        purpose_of_use: persona.purposeOfUse,
        patient: nhsNumber,
        ...claims,
      })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(`${url}/signed-launch`)
        .setSubject(persona.userId)
        .setAudience(SIGNED_LAUNCH_AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime('60s')
        .sign(signingKey);
    },
    close: listening.close,
  };
  return system;
}

/** The broker's `viewer` configuration trusting this clinical system both ways. */
export function clinicalSystemViewerConfig(system: RunningClinicalSystem): Record<string, unknown> {
  return {
    enabled: true,
    smartLaunchers: [
      {
        name: 'Simulated clinical system',
        iss: system.iss,
        clientId: VIEWER_CLIENT_ID,
        frameAncestors: [system.url],
      },
    ],
    signedLaunchers: [
      {
        name: 'Simulated clinical system (signed launch)',
        token: {
          issuer: system.signedLaunchIssuer,
          jwksUrl: system.jwksUrl,
          algorithms: ['ES256'],
          audience: SIGNED_LAUNCH_AUDIENCE,
          typ: 'JWT',
        },
        frameAncestors: [system.url],
      },
    ],
  };
}
