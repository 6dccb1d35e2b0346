import type { Patient } from '@medplum/fhirtypes';
import { z } from 'zod';

/** PDS's error and warning codes (Spine-ErrorOrWarningCode) that change what the broker does. */
export const PDS_ERROR_SYSTEM = 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode';

/** A Patient as PDS returns it: checked for what the broker reads, the rest passed on unchanged. */
export const pdsPatientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  id: z.string().regex(/^\d{10}$/),
  birthDate: z.string().optional(),
  gender: z.string().optional(),
  name: z.array(z.looseObject({ family: z.string().optional() })).optional(),
  deceasedDateTime: z.string().optional(),
  meta: z
    .looseObject({
      security: z
        .array(z.looseObject({ system: z.string().optional(), code: z.string().optional() }))
        .optional(),
    })
    .optional(),
});

/** PDS's search answer: a searchset whose entries carry a match score from 0 to 1 (1: an exact match). */
export const pdsSearchsetSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  total: z.number().int().min(0).optional(),
  entry: z
    .array(
      z.looseObject({
        resource: pdsPatientSchema,
        search: z.looseObject({ score: z.number().min(0).max(1) }),
      }),
    )
    .default([]),
});

export const pdsOperationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.looseObject({
        code: z.string().optional(),
        details: z
          .looseObject({
            coding: z
              .array(z.looseObject({ system: z.string().optional(), code: z.string().optional() }))
              .optional(),
          })
          .optional(),
      }),
    )
    .min(1),
});

/** The first Spine error code in an OperationOutcome PDS sent, if it is one. */
export function pdsErrorCode(body: unknown): string | undefined {
  const parsed = pdsOperationOutcomeSchema.safeParse(body);
  if (!parsed.success) return undefined;
  for (const issue of parsed.data.issue) {
    const coding = issue.details?.coding?.find((c) => c.system === PDS_ERROR_SYSTEM);
    if (coding?.code) return coding.code;
  }
  return undefined;
}

export function asPatient(parsed: z.infer<typeof pdsPatientSchema>): Patient {
  return parsed as unknown as Patient;
}
