import { z } from 'zod';

/** The parts of a FHIR R4 searchset Bundle the adapter relies on; everything else passes through untouched. */
export const searchBundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string().optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z
    .array(
      z.looseObject({
        resource: z.looseObject({ resourceType: z.string(), id: z.string().optional() }).optional(),
        search: z.looseObject({ mode: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

export type SearchBundle = z.infer<typeof searchBundleSchema>;
