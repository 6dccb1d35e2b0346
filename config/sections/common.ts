import { z } from 'zod';

export const kebabId = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case: lower-case letters, digits and single hyphens')
  .max(32, 'must be at most 32 characters');

export const positiveMs = z.number().int().positive();

/** A secret is never written inline: it is read from a file or an environment variable. */
export const secretRef = z
  .strictObject({
    file: z.string().min(1).optional(),
    env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
  })
  .refine((ref) => Boolean(ref.file) !== Boolean(ref.env), 'give exactly one of file or env');

/** An organisation's ODS code as configured. */
export const odsCode = z
  .string()
  .regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code: 3 to 10 upper-case letters or digits');
