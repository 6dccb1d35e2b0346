import { Router, type Request } from 'express';
import { TrustError } from '../../core/trust/trust-error';
import { EVENT_SYSTEM_SCOPE, type SystemTokens } from '../trust/system-tokens';
import { FormRejected, readForm } from './form-body';
import { locals } from './request-context';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SUPPORTED_SCOPE = 'system/*.read';

/**
 * The broker's token endpoint for peer brokers (SMART Backend Services, RFC 6749 client
 * credentials with an RFC 7523 assertion) and its SMART discovery document. Errors are OAuth2
 * error objects, as token clients expect.
 */
export function tokenRoutes(options: {
  tokens: SystemTokens;
  /** The origin for discovery links (from the request when not configured). */
  originOf: (req: Request) => string;
  /** The configured public origin: the audience of client assertions. Without it no token is issued. */
  configuredOrigin: () => string | undefined;
  /** The largest form body read (a client assertion is a few kB). */
  maxBodyBytes: number;
}): Router {
  const router = Router();
  // The audience of an assertion is the URL it was posted to (either path below), at the configured
  // public origin: never the request's Host, or an assertion made for another broker would pass here.
  const tokenUrl = (req: Request): string | undefined => {
    const origin = options.configuredOrigin();
    return origin ? `${origin}${req.path}` : undefined;
  };

  router.post(['/oauth/token', '/auth/token'], async (req, res) => {
    locals(res).route = '/oauth/token';
    res.set('Cache-Control', 'no-store');
    let form: ReadonlyMap<string, string>;
    try {
      form = await readForm(req, options.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof FormRejected)) throw error;
      res.status(400).json({
        error: 'invalid_request',
        error_description: `The token request could not be read: ${error.reason}.`,
      });
      return;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      res.status(400).json({
        error: 'unsupported_grant_type',
        error_description: 'Only client_credentials is supported.',
      });
      return;
    }
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE || !assertion) {
      res.status(400).json({
        error: 'invalid_client',
        error_description: 'A private_key_jwt client assertion is required.',
      });
      return;
    }
    const requested = form.get('scope');
    if (requested && requested !== SUPPORTED_SCOPE && requested !== EVENT_SYSTEM_SCOPE) {
      res.status(400).json({
        error: 'invalid_scope',
        error_description: `Only ${SUPPORTED_SCOPE} (peer brokers) or ${EVENT_SYSTEM_SCOPE} (event systems) is granted.`,
      });
      return;
    }
    const audience = tokenUrl(req);
    if (!audience) {
      res.status(400).json({
        error: 'invalid_client',
        error_description: 'This broker issues no tokens: its server.publicBaseUrl is not configured.',
      });
      return;
    }
    try {
      const clientId = await options.tokens.verifyAssertion(assertion, audience);
      // Each kind of client is granted its own scope, and no other.
      const scope = options.tokens.isEventSystem(clientId) ? EVENT_SYSTEM_SCOPE : SUPPORTED_SCOPE;
      if (requested && requested !== scope) {
        res
          .status(400)
          .json({ error: 'invalid_scope', error_description: `This client is granted ${scope} only.` });
        return;
      }
      const { token, expiresIn } = await options.tokens.issue(clientId, scope);
      res.json({ access_token: token, token_type: 'bearer', expires_in: expiresIn, scope });
    } catch (error) {
      if (!(error instanceof TrustError)) throw error;
      res.status(400).json({
        error: 'invalid_client',
        error_description: `The client assertion was refused: ${error.reason}.`,
      });
    }
  });

  router.get(['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration'], (req, res) => {
    locals(res).route = '/.well-known/smart-configuration';
    res.json({
      token_endpoint: `${options.originOf(req)}/oauth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['ES384', 'RS384'],
      scopes_supported: [SUPPORTED_SCOPE, ...EVENT_SYSTEM_SCOPE.split(' ')],
      capabilities: ['client-confidential-asymmetric'],
      jwks_uri: `${options.originOf(req)}/.well-known/jwks.json`,
    });
  });
  return router;
}
