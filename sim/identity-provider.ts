import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';

/** A person as the demo identity provider knows them. */
export interface Persona {
  readonly userId: string;
  readonly name: string;
  /** National RBAC role code. */
  readonly role: string;
  readonly roleName: string;
  readonly organisationOds: string;
  readonly organisationName: string;
  readonly purposeOfUse: string;
}

/** The demo's staff, one for each outcome the broker can give (see README). */
export const PERSONAS = {
  gp: {
    userId: '555000000001',
    name: 'Dr Sarah Okafor',
    role: 'R8000',
    roleName: 'Clinical Practitioner',
    organisationOds: 'Y90001',
    organisationName: 'Northbrook Health Centre',
    purposeOfUse: 'TREAT',
  },
  'ed-doctor': {
    userId: '555000000002',
    name: 'Dr Tom Achebe',
    role: 'R8000',
    roleName: 'Clinical Practitioner',
    organisationOds: 'R1X',
    organisationName: 'Riverside University Hospitals NHS Trust',
    purposeOfUse: 'TREAT',
  },
  paramedic: {
    userId: '555000000003',
    name: 'Jo Marsh',
    role: 'R8003',
    roleName: 'Health Professional',
    organisationOds: 'R1Z',
    organisationName: 'Capital Ambulance Service NHS Trust',
    purposeOfUse: 'ETREAT',
  },
  'mh-nurse': {
    userId: '555000000004',
    name: 'Joanne Reid',
    role: 'R8001',
    roleName: 'Nurse',
    organisationOds: 'R1Y',
    organisationName: 'Thameside Mental Health NHS Foundation Trust',
    purposeOfUse: 'TREAT',
  },
  'social-worker': {
    userId: '555000000005',
    name: 'Priya Nair',
    role: 'R8002',
    roleName: 'Social Care Practitioner',
    organisationOds: 'Y90301',
    organisationName: 'Northbrook Adult Social Care',
    purposeOfUse: 'TREAT',
  },
  receptionist: {
    userId: '555000000006',
    name: 'Lee Wong',
    role: 'R8010',
    roleName: 'Clerical',
    organisationOds: 'Y90001',
    organisationName: 'Northbrook Health Centre',
    purposeOfUse: 'TREAT',
  },
  'privacy-officer': {
    userId: '555000000007',
    name: 'Hannah Price',
    role: 'R8013',
    roleName: 'Health Records Manager',
    organisationOds: 'QRV',
    organisationName: 'North West London ICB',
    purposeOfUse: 'HOPERAT',
  },
  admin: {
    userId: '555000000008',
    name: 'Sam Taylor',
    role: 'R5080',
    roleName: 'Registration Authority Agent',
    organisationOds: 'QRV',
    organisationName: 'North West London ICB',
    purposeOfUse: 'HOPERAT',
  },
  'unrelated-clinician': {
    userId: '555000000009',
    name: 'Dr Ana Silva',
    role: 'R8000',
    roleName: 'Clinical Practitioner',
    organisationOds: 'Y99999',
    organisationName: 'Far Away Surgery',
    purposeOfUse: 'TREAT',
  },
} as const satisfies Record<string, Persona>;

export type PersonaId = keyof typeof PERSONAS;

export const DEMO_ISSUER = 'https://idp.demo.hie-broker.org';
export const DEMO_AUDIENCE = 'hie-broker';

/**
 * The demo's identity provider, standing in for NHS CIS2 or a clinical system's own: an ES256 key,
 * its JWKS in a file the broker is configured with, and signed user tokens for the personas.
 */
/** What each run of earlier demos left in `.demo/`: one JWKS file per run. */
const LEGACY_KEY_FILE = /^hie-demo-idp-\d+-[A-Za-z0-9_-]+\.json$/;

export class DemoIdentityProvider {
  private constructor(
    private readonly key: KeyObject,
    readonly kid: string,
    readonly jwks: { keys: JWK[] },
    /** The JWKS as a file, for the broker's `auth.issuers[].jwksFile`. */
    readonly jwksFile: string,
  ) {}

  /**
   * A new key. With a directory (the demo's `.demo/`), its JWKS is that directory's one
   * `idp-jwks.json`, replaced by each run (files earlier versions left beside it are removed); without
   * one (tests, benchmarks), a file of this process's own in the temporary directory, removed when the
   * process exits.
   */
  static async create(directory?: string): Promise<DemoIdentityProvider> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const jwks = { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] };
    let jwksFile: string;
    if (directory) {
      for (const name of readdirSync(directory)) {
        if (LEGACY_KEY_FILE.test(name)) rmSync(path.join(directory, name), { force: true });
      }
      jwksFile = path.join(directory, 'idp-jwks.json');
    } else {
      jwksFile = path.join(tmpdir(), `hie-demo-idp-${process.pid}-${kid.slice(0, 8)}.json`);
      process.once('exit', () => rmSync(jwksFile, { force: true }));
    }
    writeFileSync(jwksFile, JSON.stringify(jwks));
    return new DemoIdentityProvider(privateKey, kid, jwks, jwksFile);
  }

  /** The issuer entry a broker needs to trust this provider. */
  issuerConfig(): Record<string, unknown> {
    return {
      issuer: DEMO_ISSUER,
      jwksFile: this.jwksFile,
      algorithms: ['ES256'],
      audience: DEMO_AUDIENCE,
      typ: 'JWT',
    };
  }

  /** A signed user token for a persona (or any person), valid for `ttlSeconds` (default a working day). */
  token(
    who: PersonaId | Persona,
    options: { ttlSeconds?: number; claims?: Record<string, unknown> } = {},
  ): Promise<string> {
    const persona: Persona = typeof who === 'string' ? PERSONAS[who] : who;
    // Standard claims go in the payload (not through setters) so that a test may override any of them.
    return (
      new SignJWT({
        iss: DEMO_ISSUER,
        aud: DEMO_AUDIENCE,
        sub: persona.userId,
        name: persona.name,
        role: persona.role,
        org: persona.organisationOds,
        purpose_of_use: persona.purposeOfUse,
        ...options.claims,
      })
        .setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: 'JWT' })
        .setIssuedAt()
        // A token id, as CIS2's tokens carry: the audit records it (never the token).
        .setJti(randomUUID())
        .setExpirationTime(`${options.ttlSeconds ?? 8 * 3600}s`)
        .sign(this.key)
    );
  }
}
