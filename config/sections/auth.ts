import { z } from 'zod';
import { RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';
import { kebabId, odsCode } from './common';

/** Asymmetric signature algorithms only: never `none`, never HS* (a public key is no secret). */
export const USER_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export const issuerSchema = z
  .strictObject({
    issuer: z.string().min(1),
    /** Where the issuer's public keys are (fetched, cached, refetched at most once per cooldown)... */
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** ...or a file holding them (a JWKS document). */
    jwksFile: z.string().min(1).optional(),
    algorithms: z.array(z.enum(USER_TOKEN_ALGORITHMS)).min(1),
    audience: z.string().min(1),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** The token's `typ` header, when the issuer sets one (e.g. JWT or at+jwt). */
    typ: z.string().min(1).optional(),
    /** Which claims carry what; dotted paths reach into objects. */
    claims: z
      .strictObject({
        userId: z.string().min(1).default('sub'),
        name: z.string().min(1).default('name'),
        role: z.string().min(1).default('role'),
        organisation: z.string().min(1).default('org'),
        purpose: z.string().min(1).default('purpose_of_use'),
      })
      .default({ userId: 'sub', name: 'name', role: 'role', organisation: 'org', purpose: 'purpose_of_use' }),
  })
  .refine((i) => Boolean(i.jwksUrl) !== Boolean(i.jwksFile), 'give exactly one of jwksUrl or jwksFile');

/** So many requests (points) per window of so many seconds. */
export const rateRuleSchema = z.strictObject({
  points: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(1).max(86_400),
});

/**
 * Governance duties a role may hold, apart from seeing records: reading the audit trail, working
 * privacy-officer alerts, managing the objection register, reading the usage report, listing and
 * redelivering dead-lettered notifications (`notifications-manage`: subscriber endpoints, no patient data).
 */
/**
 * `objection-record` is the narrow duty of a clinician to whom a patient says they object: recording that
 * objection from the viewer (it takes effect at once and alerts the privacy officer), without reading,
 * changing or withdrawing anyone's.
 */
export const GOVERNANCE_DUTIES = [
  'audit-read',
  'alerts',
  'consent-manage',
  'usage-read',
  'objection-record',
  'notifications-manage',
] as const;
export type GovernanceDuty = (typeof GOVERNANCE_DUTIES)[number];

const roleSchema = z.strictObject({
  name: z.string().min(1),
  /** The record types this role may see: every one, a list, or none (a governance-only role). */
  types: z.union([z.literal('all'), z.literal('none'), z.array(z.enum(RECORD_RESOURCE_TYPES)).min(1)]),
  duties: z.array(z.enum(GOVERNANCE_DUTIES)).default([]),
});

const roleCode = z.string().regex(/^[A-Z0-9]{2,12}$/, 'must be a role code such as R8000');

/** An organisation a peer's users may belong to, and its sites (each listed: codes compare exactly). */
const peerOrganisationSchema = z.strictObject({
  odsCode,
  /** Sites of this organisation whose users the peer may also vouch for, e.g. RQM01. */
  sites: z.array(odsCode).default([]),
});

/**
 * Neighbouring brokers allowed to query this one as systems: each authenticates with SMART
 * Backend Services against /auth/token using the keys at its JWKS URL, and forwards its user's
 * identity in an assertion signed with the same keys. Each may vouch only for the roles and
 * organisations listed here (nothing by default); governance duties (audit-read, alerts,
 * consent-manage, usage-read, notifications-manage) are never granted to a vouched-for user, whatever the role.
 */
export const peersSchema = z
  .array(
    z.strictObject({
      clientId: kebabId,
      name: z.string().min(1),
      jwksUrl: z.url({ protocol: /^https?$/ }),
      /** National RBAC roles this peer may vouch for; any other is a 403. */
      roles: z.array(roleCode).min(1, 'list the roles this peer may vouch for'),
      /** Organisations (with their sites) whose users this peer may vouch for; any other is a 403. */
      organisations: z
        .array(peerOrganisationSchema)
        .min(1, 'list the organisations whose users this peer may vouch for'),
    }),
  )
  .default([]);

export const authSchema = z
  .strictObject({
    /** Identity providers whose user tokens the broker accepts (CIS2-style, or a clinical system's own). */
    issuers: z.array(issuerSchema).default([]),
    /** National RBAC role codes and what each may see; a role not listed here sees nothing. */
    roles: z.record(roleCode, roleSchema).default({}),
  })
  .default({ issuers: [], roles: {} });
