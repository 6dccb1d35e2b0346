import { DemoIdentityProvider, type PersonaId } from '../../sim/identity-provider';

let provider: Promise<DemoIdentityProvider> | undefined;

/** One identity provider for the whole test process: every test broker trusts it. */
export function testIdentity(): Promise<DemoIdentityProvider> {
  provider ??= DemoIdentityProvider.create();
  return provider;
}

/** `Bearer <token>` for a persona; by default the emergency department doctor (a clinician). */
export async function bearer(persona: PersonaId = 'ed-doctor'): Promise<string> {
  return `Bearer ${await (await testIdentity()).token(persona)}`;
}
