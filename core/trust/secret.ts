import { readFileSync } from 'node:fs';

export interface SecretRef {
  readonly file?: string | undefined;
  readonly env?: string | undefined;
}

/** Reads a secret named in configuration (a file path or an environment variable); never logged. */
export function readSecret(
  ref: SecretRef,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  if (ref.file) {
    try {
      return readFileSync(ref.file, 'utf8').trim();
    } catch (cause) {
      throw new Error('The secret file named in the configuration cannot be read', { cause });
    }
  }
  const value = ref.env ? env[ref.env] : undefined;
  if (!value) throw new Error('The environment variable named in the configuration for a secret is not set');
  return value.trim();
}
