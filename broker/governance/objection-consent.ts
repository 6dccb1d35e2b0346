import type { Consent } from '@medplum/fhirtypes';
import { z } from 'zod';
import { isValidNhsNumber } from '../../core/fhir/nhs-number';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../../core/fhir/systems';

/**
 * What the objection register accepts: a FHIR R4 Consent that records a patient's objection (a
 * `deny` provision) to sharing their record — all of it, or only what named source organisations
 * hold (provision.actor by ODS code) — from a date (provision.period.start). Withdrawn by setting
 * status `inactive`. Anything else the resource carries is kept as sent.
 */

export const CONSENT_SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';

const codeable = z.looseObject({
  coding: z.array(z.looseObject({ system: z.string().optional(), code: z.string().optional() })).optional(),
  text: z.string().optional(),
});

const dateTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'must be a FHIR date or dateTime with a time zone, e.g. 2026-11-22 or 2026-11-22T09:00:00Z',
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a real date');

const consentSchema = z.looseObject({
  resourceType: z.literal('Consent', 'must be Consent'),
  id: z.string().optional(),
  status: z.enum(['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error']),
  scope: codeable.refine(
    (scope) => scope.coding?.some((c) => c.system === CONSENT_SCOPE_SYSTEM && c.code === 'patient-privacy'),
    `must be ${CONSENT_SCOPE_SYSTEM}|patient-privacy (this register holds objections to sharing)`,
  ),
  category: z.array(codeable).min(1, 'needs at least one category (R4 requires it)'),
  patient: z.looseObject({
    identifier: z.looseObject({
      system: z.literal(NHS_NUMBER_SYSTEM, `must be ${NHS_NUMBER_SYSTEM}`),
      value: z.string().refine(isValidNhsNumber, 'must be a valid NHS number (10 digits, modulus 11)'),
    }),
  }),
  dateTime: dateTime.optional(),
  policy: z.array(z.looseObject({})).optional(),
  policyRule: codeable.optional(),
  provision: z.looseObject({
    type: z.literal('deny', 'must be deny: the register records objections'),
    period: z.looseObject({ start: dateTime.optional(), end: dateTime.optional() }).optional(),
    actor: z
      .array(
        z.looseObject({
          role: codeable,
          reference: z.looseObject({
            identifier: z.looseObject({
              system: z.literal(ODS_CODE_SYSTEM, `must be ${ODS_CODE_SYSTEM}`),
              value: z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code'),
            }),
          }),
        }),
      )
      .optional(),
  }),
});

/** A request's Consent, checked; or the problems, each with the element it is about. */
export function readObjectionConsent(
  body: unknown,
): { ok: true; consent: Consent } | { ok: false; problems: { path: string; message: string }[] } {
  const result = consentSchema.safeParse(body);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.slice(0, 10).map((issue) => ({
        path: ['Consent', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    };
  }
  const consent = result.data as unknown as Consent;
  if (!consent.policy?.length && !consent.policyRule) {
    return {
      ok: false,
      problems: [
        {
          path: 'Consent.policyRule',
          message:
            'give policy or policyRule (R4 ppc-1), e.g. policyRule http://terminology.hl7.org/CodeSystem/v3-ActCode|OPTOUT',
        },
      ],
    };
  }
  return { ok: true, consent };
}

/** The NHS number a checked Consent is about. */
export const consentPatient = (consent: Consent): string => consent.patient!.identifier!.value!;

/** The ODS codes of the source organisations a checked Consent names; empty = all sharing. */
export const consentOrganisations = (consent: Consent): string[] =>
  (consent.provision?.actor ?? []).map((actor) => actor.reference.identifier!.value!);

/** Whether an objection is in force at `at`: active, started, not ended. */
export function inForce(consent: Consent, at: Date): boolean {
  if (consent.status !== 'active') return false;
  const { start, end } = consent.provision?.period ?? {};
  if (start && Date.parse(start) > at.getTime()) return false;
  if (end && Date.parse(end) <= at.getTime()) return false;
  return true;
}
