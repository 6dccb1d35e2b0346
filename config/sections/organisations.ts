import { z } from 'zod';
import { odsCode } from './common';

/**
 * Organisations the broker must know the shape of: a site (R1X01) belongs to its trust (R1X) only
 * when configured here with `partOf`, never because its code starts with the trust's. Used by the
 * relationship check (a site's clinicians share their trust's relationships) and by objections (an
 * objection to a trust covers its sites). Codes not listed stand alone and compare exactly.
 */
export const organisationsSchema = z
  .record(
    odsCode,
    z.strictObject({
      name: z.string().min(1).optional(),
      /** The ODS code of the organisation this one is part of (a site's trust). */
      partOf: odsCode.optional(),
    }),
  )
  .default({})
  .superRefine((organisations, ctx) => {
    for (const start of Object.keys(organisations)) {
      const seen = new Set<string>([start]);
      let parent = organisations[start]?.partOf;
      while (parent) {
        if (seen.has(parent)) {
          ctx.addIssue({
            code: 'custom',
            path: [start, 'partOf'],
            message: `forms a cycle (${[...seen, parent].join(' → ')}): an organisation cannot be part of itself`,
          });
          break;
        }
        seen.add(parent);
        parent = organisations[parent]?.partOf;
      }
    }
  });

export type OrganisationsConfig = z.infer<typeof organisationsSchema>;
