import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { SmartLauncherConfig } from '../config/schema';
import { isValidNhsNumber } from '../core/fhir/nhs-number';
import { LaunchRefused } from './launch-error';
import type { LaunchedUser } from './launched-user';

const DISCOVERY_TIMEOUT_MS = 5000;
const SCOPE = 'launch openid fhirUser';

/** The part of `.well-known/smart-configuration` the EHR launch needs (SMART App Launch 2.x). */
const smartConfigurationSchema = z.object({
  issuer: z.url(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  id_token_signing_alg_values_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).refine((m) => m.includes('S256'), {
    message: 'the authorisation server must support PKCE S256',
  }),
});

/** What the viewer keeps between sending the user to the authorisation server and their return. */
export const pendingLaunchSchema = z.object({
  iss: z.string(),
  state: z.string(),
  nonce: z.string(),
  codeVerifier: z.string(),
  redirectUri: z.string(),
  server: z.object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    id_token_signing_alg_values_supported: z.array(z.string()).optional(),
  }),
});
export type PendingLaunch = z.infer<typeof pendingLaunchSchema>;

/**
 * The SMART App Launch 2.x EHR launch, with oauth4webapi: discovery from the launching system's
 * `iss`, authorization code with PKCE S256, a checked `state` and `nonce`, and the user (id_token,
 * signature verified against the server's JWKS) and patient (launch context) from the token response.
 * Only configured systems are accepted.
 */
export class SmartLaunch {
  private readonly launchers: ReadonlyMap<string, SmartLauncherConfig>;
  private readonly keys = new Map<string, JWTVerifyGetKey>();

  constructor(launchers: readonly SmartLauncherConfig[]) {
    this.launchers = new Map(launchers.map((l) => [l.iss, l]));
  }

  /** Starts a launch: where to send the browser, and what to keep until it comes back. */
  async begin(input: {
    iss: string;
    launch: string;
    /** The viewer's callback on the origin the browser used, unless the launcher configures one. */
    defaultRedirectUri: string;
  }): Promise<{ authorizationUrl: string; pending: PendingLaunch }> {
    const launcher = this.launchers.get(input.iss.replace(/\/+$/, ''));
    if (!launcher)
      throw new LaunchRefused(
        'forbidden',
        'This clinical system is not configured to open the care record viewer. Ask the care record team to register it (viewer.smartLaunchers).',
      );
    const server = await discover(launcher);
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const redirectUri = launcher.redirectUri ?? input.defaultRedirectUri;
    const url = new URL(server.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: launcher.clientId,
      redirect_uri: redirectUri,
      scope: SCOPE,
      state,
      nonce,
      aud: launcher.iss,
      launch: input.launch,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    }).toString();
    return {
      authorizationUrl: url.toString(),
      pending: { iss: launcher.iss, state, nonce, codeVerifier, redirectUri, server },
    };
  }

  /** Completes a launch from the callback URL: the user and the patient, or LaunchRefused. */
  async complete(pending: PendingLaunch, callbackUrl: URL): Promise<LaunchedUser> {
    const launcher = this.launchers.get(pending.iss);
    if (!launcher)
      throw new LaunchRefused('forbidden', 'This clinical system is no longer trusted to launch.');
    const as: oauth.AuthorizationServer = pending.server;
    const client: oauth.Client = { client_id: launcher.clientId };
    const insecure = { [oauth.allowInsecureRequests]: launcher.iss.startsWith('http:') };
    let result: oauth.TokenEndpointResponse;
    try {
      const params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state);
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        pending.redirectUri,
        pending.codeVerifier,
        insecure,
      );
      result = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: pending.nonce,
        requireIdToken: true,
      });
    } catch (error) {
      throw new LaunchRefused(
        'unauthenticated',
        'The clinical system did not complete the sign-in. Open the record again from your clinical system.',
        { cause: error },
      );
    }
    // oauth4webapi checks the id_token's claims; its signature is checked here too (the answer may not be over TLS in a test).
    const { payload } = await jwtVerify(result.id_token!, this.keysFor(as), {
      issuer: as.issuer,
      audience: launcher.clientId,
    }).catch((error: unknown) => {
      throw new LaunchRefused('unauthenticated', 'The sign-in could not be verified.', { cause: error });
    });
    const patient = typeof result.patient === 'string' ? result.patient : undefined;
    if (!patient || !isValidNhsNumber(patient))
      throw new LaunchRefused(
        'invalid',
        'The clinical system did not say which patient to open (an NHS number as the launch context).',
      );
    const claim = (name: string): string | undefined => {
      const value = payload[name];
      return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;
    };
    const userId = claim('sub');
    const role = claim(launcher.claims.role);
    const organisationOds = claim(launcher.claims.organisation);
    const purposeOfUse = claim(launcher.claims.purpose);
    if (!userId || !role || !organisationOds || !purposeOfUse)
      throw new LaunchRefused(
        'unauthenticated',
        'The sign-in did not say who you are, your role, organisation and purpose. Ask your clinical system supplier.',
      );
    const name = claim('name');
    const jti = claim('jti');
    return {
      requester: { userId, ...(name ? { name } : {}), role, organisationOds, purposeOfUse },
      nhsNumber: patient,
      launchedBy: launcher.name,
      ...(jti ? { tokenId: jti } : {}),
    };
  }

  private keysFor(as: oauth.AuthorizationServer): JWTVerifyGetKey {
    const uri = as.jwks_uri!;
    let keys = this.keys.get(uri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS });
      this.keys.set(uri, keys);
    }
    return keys;
  }
}

async function discover(launcher: SmartLauncherConfig): Promise<PendingLaunch['server']> {
  try {
    const response = await fetch(`${launcher.iss}/.well-known/smart-configuration`, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`smart-configuration answered ${response.status}`);
    const parsed = smartConfigurationSchema.parse(await response.json());
    return {
      issuer: parsed.issuer,
      authorization_endpoint: parsed.authorization_endpoint,
      token_endpoint: parsed.token_endpoint,
      jwks_uri: parsed.jwks_uri,
      ...(parsed.id_token_signing_alg_values_supported
        ? { id_token_signing_alg_values_supported: parsed.id_token_signing_alg_values_supported }
        : {}),
    };
  } catch (error) {
    throw new LaunchRefused(
      'unavailable',
      "The clinical system's sign-in service could not be reached. Try again in a minute.",
      { cause: error },
    );
  }
}
