import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { SignedLauncherConfig } from '../config/schema';
import { isValidNhsNumber } from '../core/fhir/nhs-number';
import { LaunchRefused } from './launch-error';
import type { LaunchedUser } from './launched-user';
import type { SessionStore } from './session-store';

const MAX_TOKEN_LENGTH = 8 * 1024;

interface Launcher {
  readonly config: SignedLauncherConfig;
  readonly keys: JWTVerifyGetKey;
}

/**
 * The signed launch for clinical systems without SMART: a short-lived JWT from a trusted issuer,
 * POSTed once (form_post), naming the user (`sub`, `name`), their role, organisation and purpose
 * (claims as `token.claims` maps them) and the patient (`patient`, an NHS number). Each `jti` is
 * accepted once.
 */
export class SignedLaunch {
  private readonly launchers: ReadonlyMap<string, Launcher>;

  constructor(
    launchers: readonly SignedLauncherConfig[],
    private readonly used: SessionStore,
  ) {
    this.launchers = new Map(
      launchers.map((config) => [
        config.token.issuer,
        {
          config,
          keys: config.token.jwksUrl
            ? createRemoteJWKSet(new URL(config.token.jwksUrl))
            : createLocalJWKSet(JSON.parse(readFileSync(config.token.jwksFile!, 'utf8'))),
        },
      ]),
    );
  }

  async verify(token: string | undefined): Promise<LaunchedUser> {
    const refused = (cause?: unknown): LaunchRefused =>
      new LaunchRefused(
        'unauthenticated',
        'The launch could not be verified. Open the record again from your clinical system.',
        { cause },
      );
    if (!token || token.length > MAX_TOKEN_LENGTH) throw refused();
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch (error) {
      throw refused(error);
    }
    const launcher = issuer ? this.launchers.get(issuer) : undefined;
    if (!launcher)
      throw new LaunchRefused(
        'forbidden',
        'This clinical system is not configured to open the care record viewer. Ask the care record team to register it (viewer.signedLaunchers).',
      );
    const { token: trust, maxLifetimeSeconds } = launcher.config;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, launcher.keys, {
        issuer: trust.issuer,
        audience: trust.audience,
        algorithms: [...trust.algorithms],
        clockTolerance: trust.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        ...(trust.typ ? { typ: trust.typ } : {}),
      }));
    } catch (error) {
      throw refused(error);
    }
    if (payload.exp! - payload.iat! > maxLifetimeSeconds) throw refused();
    const claim = (name: string): string | undefined => {
      const value = payload[name];
      return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;
    };
    const jti = claim('jti');
    if (!jti) throw refused();
    // Once only: the store remembers the id a little longer than the token can live.
    const ttlMs = (maxLifetimeSeconds + trust.clockToleranceSeconds) * 1000;
    if (!(await this.used.claim(`launch-jti:${trust.issuer}:${jti}`, ttlMs)))
      throw new LaunchRefused(
        'unauthenticated',
        'This launch has already been used. Open the record again from your clinical system.',
      );
    const patient = claim('patient');
    if (!patient || !isValidNhsNumber(patient))
      throw new LaunchRefused('invalid', 'The launch did not name the patient by a valid NHS number.');
    const userId = claim(trust.claims.userId);
    const role = claim(trust.claims.role);
    const organisationOds = claim(trust.claims.organisation);
    const purposeOfUse = claim(trust.claims.purpose);
    if (!userId || !role || !organisationOds || !purposeOfUse)
      throw new LaunchRefused(
        'unauthenticated',
        'The launch did not say who you are, your role, organisation and purpose. Ask your clinical system supplier.',
      );
    const name = claim(trust.claims.name);
    return {
      requester: { userId, ...(name ? { name } : {}), role, organisationOds, purposeOfUse },
      nhsNumber: patient,
      launchedBy: launcher.config.name,
      tokenId: jti,
    };
  }
}
