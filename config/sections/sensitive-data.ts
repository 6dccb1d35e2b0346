import { z } from 'zod';

/** SNOMED CT concepts whose records are withheld from the shared view, in named sets. */
const sensitiveCodeSetSchema = z.strictObject({
  name: z.string().min(1),
  system: z.string().min(1).default('http://snomed.info/sct'),
  codes: z.array(z.string().regex(/^[0-9A-Za-z.-]{1,64}$/)).min(1),
});

export const sensitiveDataSchema = z.strictObject({
  /** v3-Confidentiality codes in meta.security that withhold a resource (a Patient is never withheld: see restricted). */
  withheldConfidentiality: z.array(z.enum(['U', 'L', 'M', 'N', 'R', 'V'])).default(['R', 'V']),
  /** Coded resources whose codes fall in any of these sets are withheld. */
  codeSets: z.array(sensitiveCodeSetSchema).default([]),
});

export type SensitiveDataConfig = z.infer<typeof sensitiveDataSchema>;
