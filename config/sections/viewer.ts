import { z } from 'zod';
import { issuerSchema } from './auth';

/** A browser origin: scheme, host and port only. */
const origin = z
  .url({ protocol: /^https?$/ })
  .transform((url) => url.replace(/\/+$/, ''))
  .refine((url) => new URL(url).origin === url, 'must be an origin: scheme, host and port only');

/**
 * A clinical system that opens the viewer with a SMART App Launch 2.x EHR launch: its `iss` (the FHIR
 * base URL it sends, whose `.well-known/smart-configuration` names its authorisation server), the client
 * id it registered for the viewer, and where it sends the user back (default: this broker's
 * `/viewer/callback` on the origin the browser used).
 */
const smartLauncherSchema = z.strictObject({
  name: z.string().min(1),
  iss: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')),
  clientId: z.string().min(1).max(200),
  redirectUri: z.url({ protocol: /^https?$/ }).optional(),
  /** The id_token claims that carry the user's role, organisation and purpose of use. */
  claims: z
    .strictObject({
      role: z.string().min(1).default('role'),
      organisation: z.string().min(1).default('org'),
      purpose: z.string().min(1).default('purpose_of_use'),
    })
    .default({ role: 'role', organisation: 'org', purpose: 'purpose_of_use' }),
  /** Origins that may show the viewer in a frame (CSP frame-ancestors), besides the viewer's own. */
  frameAncestors: z.array(origin).default([]),
});

/**
 * A clinical system without SMART: it POSTs (form_post) a short-lived JWT naming the user, role,
 * organisation, purpose and patient, signed with keys the broker trusts (as `auth.issuers`).
 */
const signedLauncherSchema = z.strictObject({
  name: z.string().min(1),
  token: issuerSchema,
  /** The longest lifetime (exp - iat) a launch token may have. */
  maxLifetimeSeconds: z.number().int().min(10).max(600).default(120),
  frameAncestors: z.array(origin).default([]),
});

export const viewerSchema = z
  .strictObject({
    /** Serve the clinician's viewer (`/launch`, `/viewer/…`) from this broker. */
    enabled: z.boolean().default(false),
    smartLaunchers: z.array(smartLauncherSchema).default([]),
    signedLaunchers: z.array(signedLauncherSchema).default([]),
    /** A viewer session ends after this long without a request (NHS guidance: short, on shared screens). */
    sessionIdleMinutes: z.number().int().min(1).max(60).default(15),
    /** A launch (authorisation request under way) must come back within this. */
    launchTimeoutSeconds: z.number().int().min(30).max(900).default(300),
    /**
     * The viewer is shown in a frame by clinical systems on other sites: its cookies are then
     * SameSite=None (and so Secure: TLS only), since a framed page gets no Lax cookie. Every form
     * carries the session's CSRF token either way.
     */
    embedded: z.boolean().default(false),
  })
  .default({
    enabled: false,
    smartLaunchers: [],
    signedLaunchers: [],
    sessionIdleMinutes: 15,
    launchTimeoutSeconds: 300,
    embedded: false,
  });

export type ViewerConfig = z.infer<typeof viewerSchema>;
export type SmartLauncherConfig = ViewerConfig['smartLaunchers'][number];
export type SignedLauncherConfig = ViewerConfig['signedLaunchers'][number];
