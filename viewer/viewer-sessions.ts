import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { RELATIONSHIP_BASES } from '../core/requester';
import type { Requester, StatedRelationship } from '../core/requester';
import type { SessionStore } from './session-store';

const sessionSchema = z.object({
  requester: z.object({
    userId: z.string(),
    name: z.string().optional(),
    role: z.string(),
    organisationOds: z.string(),
    purposeOfUse: z.string(),
  }),
  /** The one patient this session was launched for: a new patient needs a new launch. */
  nhsNumber: z.string().regex(/^\d{10}$/),
  /** The session's CSRF token, for its forms. */
  csrf: z.string(),
  /** Which trusted clinical system launched it (its configured name). */
  launchedBy: z.string(),
  /** The launch token's or id_token's `jti`, for the audit (never the token). */
  tokenId: z.string().optional(),
  relationship: z.object({ basis: z.enum(RELATIONSHIP_BASES), reason: z.string().optional() }).optional(),
});
export type ViewerSession = z.infer<typeof sessionSchema>;

/** The cookie's name: `__Host-` pins it to this origin, path / and Secure when served over TLS. */
const cookieName = (secure: boolean): string => (secure ? '__Host-hie-viewer' : 'hie-viewer');
export const LAUNCH_COOKIE = 'hie-viewer-launch';

/** A cookie's value from the request's Cookie header, if present and well-formed. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export function setCookie(
  res: Response,
  name: string,
  value: string,
  options: { secure: boolean; sameSite?: CookieSameSite; maxAgeSeconds?: number; path?: string },
): void {
  const sameSite = options.sameSite ?? 'Lax';
  const parts = [
    `${name}=${value}`,
    `Path=${options.path ?? '/'}`,
    'HttpOnly',
    // Lax: sent on the top-level navigation back from the clinical system's authorisation server.
    // None (a viewer framed by another site's clinical system) is only ever sent over TLS.
    `SameSite=${sameSite}`,
    ...(options.secure || sameSite === 'None' ? ['Secure'] : []),
    ...(options.maxAgeSeconds !== undefined ? [`Max-Age=${options.maxAgeSeconds}`] : []),
  ];
  res.append('Set-Cookie', parts.join('; '));
}

/** Lax by default; None when the viewer is framed by clinical systems on other sites (`viewer.embedded`). */
export type CookieSameSite = 'Lax' | 'None';

export const randomToken = (): string => randomBytes(32).toString('base64url');

/** Equal without leaking where they differ. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The store holds a hash of the cookie, so that what is kept cannot be replayed as a cookie. */
const keyOf = (id: string): string => `session:${createHash('sha256').update(id).digest('base64url')}`;

/**
 * Server-side viewer sessions: an HTTP-only, SameSite cookie holding a random id (Secure over TLS),
 * the session itself in the store, ending after `idleMs` without a request.
 */
export class ViewerSessions {
  constructor(
    private readonly store: SessionStore,
    private readonly idleMs: number,
    private readonly sameSite: CookieSameSite = 'Lax',
  ) {}

  async start(req: Request, res: Response, session: Omit<ViewerSession, 'csrf'>): Promise<void> {
    const id = randomToken();
    await this.store.set(keyOf(id), JSON.stringify({ ...session, csrf: randomToken() }), this.idleMs);
    setCookie(res, cookieName(req.secure), id, { secure: req.secure, sameSite: this.sameSite });
  }

  /** The request's session, its idle time restarted; undefined when there is none or it has ended. */
  async current(req: Request): Promise<{ id: string; session: ViewerSession } | undefined> {
    const id = readCookie(req, cookieName(req.secure));
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const raw = await this.store.get(keyOf(id));
    if (!raw) return undefined;
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return undefined;
    await this.store.set(keyOf(id), raw, this.idleMs);
    return { id, session: parsed.data };
  }

  async update(id: string, session: ViewerSession): Promise<void> {
    await this.store.set(keyOf(id), JSON.stringify(session), this.idleMs);
  }

  async end(req: Request, res: Response, id: string): Promise<void> {
    await this.store.delete(keyOf(id));
    setCookie(res, cookieName(req.secure), '', {
      secure: req.secure,
      sameSite: this.sameSite,
      maxAgeSeconds: 0,
    });
  }
}

/** The person a session's views are for, with the relationship they stated on the page, if any. */
export function requesterOf(session: ViewerSession): Requester {
  const { requester, relationship } = session;
  const stated: StatedRelationship | undefined = relationship
    ? { basis: relationship.basis, ...(relationship.reason ? { reason: relationship.reason } : {}) }
    : undefined;
  return {
    userId: requester.userId,
    ...(requester.name ? { name: requester.name } : {}),
    role: requester.role,
    organisationOds: requester.organisationOds,
    purposeOfUse: requester.purposeOfUse,
    ...(stated ? { relationship: stated } : {}),
  };
}
