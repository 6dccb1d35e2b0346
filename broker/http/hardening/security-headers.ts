import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Helmet's defaults, with a content security policy for an API that serves JSON only: nothing may
 * load, frame or submit anything from a response (OWASP REST guidance). HSTS is on (a year, with
 * subdomains): the broker is only ever reached over TLS outside a test.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
