import type { Request, Response } from 'express';
import { readCookie, sameToken, setCookie } from './viewer-sessions';

/** What setCookie writes: the Set-Cookie header values it appends. */
function cookiesSet(options: Parameters<typeof setCookie>[3]): string[] {
  const appended: string[] = [];
  const res = { append: (name: string, value: string) => appended.push(`${name}: ${value}`) };
  setCookie(res as unknown as Response, 'hie-viewer', 'abc', options);
  return appended;
}

describe('viewer cookies', () => {
  it('when served without TLS, then the cookie is HTTP-only and SameSite=Lax, not Secure', () => {
    expect(cookiesSet({ secure: false })).toEqual([
      'Set-Cookie: hie-viewer=abc; Path=/; HttpOnly; SameSite=Lax',
    ]);
  });

  it('when served over TLS, then it is Secure too', () => {
    expect(cookiesSet({ secure: true })[0]).toContain('; SameSite=Lax; Secure');
  });

  it('when the viewer is embedded by other sites, then the cookie is SameSite=None and always Secure', () => {
    expect(cookiesSet({ secure: false, sameSite: 'None' })[0]).toContain('; SameSite=None; Secure');
  });

  it('when a request carries several cookies, then the named one is read, and a missing one is undefined', () => {
    const req = { headers: { cookie: 'a=1; hie-viewer=xyz=; b=2' } } as unknown as Request;
    expect(readCookie(req, 'hie-viewer')).toBe('xyz=');
    expect(readCookie(req, 'other')).toBeUndefined();
  });

  it('when two tokens differ in length or content, then they are not the same', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abd')).toBe(false);
    expect(sameToken('abc', 'abcd')).toBe(false);
  });
});
