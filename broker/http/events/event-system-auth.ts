import type { Request } from 'express';
import type { EventSystemConfig } from '../../../config/schema';
import { OutcomeError, operationOutcome } from '../../../core/outcome-error';
import { TrustError } from '../../../core/trust/trust-error';
import type { EventSystemRegistry } from '../../trust/event-system-registry';
import type { SystemTokens } from '../../trust/system-tokens';

const unauthorised = (text: string): OutcomeError =>
  new OutcomeError('unauthenticated', operationOutcome('error', 'login', text), {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

/**
 * The registered system a request comes from: a bearer token this broker issued to it (SMART Backend
 * Services, `/oauth/token`). A peer's token, a user's token, or none is a 401.
 */
export async function eventSystemOf(
  req: Request,
  tokens: SystemTokens,
  systems: EventSystemRegistry,
): Promise<EventSystemConfig> {
  const authorization = req.get('authorization');
  if (!authorization?.startsWith('Bearer '))
    throw unauthorised(
      "Send Authorization: Bearer <token>, a token from this broker's /oauth/token (SMART Backend Services, private_key_jwt) for a system registered under events.systems.",
    );
  try {
    const grant = await tokens.verifyEventSystemToken(authorization.slice('Bearer '.length).trim());
    return systems.get(grant.clientId)!;
  } catch (error) {
    if (error instanceof TrustError)
      throw unauthorised(
        'The access token is not valid for events: request a new one from /oauth/token as a registered event system.',
      );
    throw error;
  }
}
