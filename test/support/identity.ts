import { DemoIdentityProvider, type PersonaId } from '../../sim/identity-provider';

let provider: Promise<DemoIdentityProvider> | undefined;

/** One identity provider for the whole test process: every test broker trusts it. */
export function testIdentity(): Promise<DemoIdentityProvider> {
  provider ??= DemoIdentityProvider.create();
  return provider;
}

/**
 * `Bearer <token>` for a persona; by default the GP, whose practice is every demo patient's
 * registered practice (a verified relationship even when the GP system itself is down).
 */
export async function bearer(persona: PersonaId = 'gp'): Promise<string> {
  return `Bearer ${await (await testIdentity()).token(persona)}`;
}
