import type { PdsSourceConfig } from '../../config/schema';
import type { SigningKey } from '../../core/trust/signing-key';
import { SmartBackendAuth } from '../../adapters/auth/smart-backend-auth';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { PdsClient } from '../../adapters/pds/pds-client';

/** The demographics service's client from its configuration: its own sockets, retries and token. */
export function createPdsClient(
  source: PdsSourceConfig,
  options: { userAgent: string; signingKey: SigningKey; onFault: (error: unknown) => void },
): PdsClient {
  const client = new SourceHttpClient({
    maxSockets: source.maxSockets,
    maxResponseBytes: source.maxResponseBytes,
    userAgent: options.userAgent,
    retry: source.resilience.retry,
  });
  return new PdsClient({
    baseUrl: source.baseUrl,
    client,
    // The API platform's signed-JWT application auth: iss = sub = the API key, aud = the token URL.
    auth: new SmartBackendAuth({
      tokenUrl: source.auth.tokenUrl,
      clientId: source.auth.apiKey,
      scope: 'system/Patient.read',
      key: options.signingKey,
      client,
    }),
    onFault: options.onFault,
  });
}
