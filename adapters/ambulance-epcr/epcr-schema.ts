import { z } from 'zod';

/*
 * The ambulance trust's electronic Patient Care Record (ePCR) API, version 1: the JSON a UK ambulance
 * service's ePCR platform exposes to its integration partners. Not FHIR. One ePCR is written per patient
 * per 999 incident by the attending crew; it carries the ATMIST handover, the NEWS2 observation sets, the
 * JRCALC drugs given and the conveyance decision.
 *
 *   GET {base}/v1/patients?nhsNumber={nhs}                                → PatientSearchResponse
 *   GET {base}/v1/patients/{patientId}/incidents?from=&cursor=&limit=     → IncidentPage
 *
 * Every request carries `X-API-Key` (when the trust issued one) and `X-Request-Id`. `from` is an ISO
 * instant: only incidents whose record was updated at or after it. `cursor` is the opaque `nextCursor` of
 * the previous page, never a URL. Errors are `{ error: { code, message } }` with the HTTP status: 400 bad
 * parameter, 401 missing or wrong key, 404 unknown patient id, 429 rate limited, 500 and 503.
 *
 * Fields the broker does not use pass through validation (unknown keys are ignored), so the trust can add
 * fields without breaking the adapter.
 *
 * These schemas are the contract and the source of the types; the adapter checks each body with the plain
 * checks of epcr-checks.ts, which accept exactly what these accept (epcr-checks.test.ts holds them side by side).
 */

/** An instant with its offset, as the ePCR writes every time (e.g. `2025-12-20T13:31:00Z`). */
const instant = z.iso.datetime({ offset: true });

/** Sex as recorded on the ePCR (the crew's record, not the PDS gender). */
export const EPCR_SEXES = ['male', 'female', 'indeterminate', 'unknown'] as const;

export const epcrPatientSchema = z.object({
  /** The ePCR platform's own patient id; stable across incidents. */
  patientId: z.string().min(1),
  nhsNumber: z.string(),
  /** True when the crew's NHS number was traced and verified against PDS. */
  nhsNumberVerified: z.boolean(),
  name: z.object({ given: z.array(z.string()), family: z.string() }),
  /** ISO date. */
  dateOfBirth: z.iso.date(),
  sex: z.enum(EPCR_SEXES),
});
export type EpcrPatient = z.infer<typeof epcrPatientSchema>;

export const patientSearchResponseSchema = z.object({
  /** Empty when no patient has that NHS number. */
  patients: z.array(epcrPatientSchema),
});
export type PatientSearchResponse = z.infer<typeof patientSearchResponseSchema>;

/** ACVPU: Alert, new Confusion, responds to Voice, responds to Pain, Unresponsive (NEWS2 consciousness). */
export const ACVPU_CODES = ['A', 'C', 'V', 'P', 'U'] as const;
export type AcvpuCode = (typeof ACVPU_CODES)[number];

/**
 * One set of observations. Crews do not always take every sign, so each is optional; a value is as the
 * crew recorded it, in the unit the field names.
 */
export const observationSetSchema = z.object({
  takenAt: instant,
  /** Breaths per minute. */
  respiratoryRate: z.number().optional(),
  /** Percent, pulse oximetry. */
  spo2: z.number().optional(),
  /** NEWS2 SpO2 scale: 1, or 2 for hypercapnic respiratory failure. */
  spo2Scale: z.union([z.literal(1), z.literal(2)]).optional(),
  /** On supplemental oxygen when SpO2 was measured (NEWS2 "air or oxygen"). */
  onSupplementalOxygen: z.boolean().optional(),
  /** mmHg. */
  systolicBp: z.number().optional(),
  diastolicBp: z.number().optional(),
  /** Beats per minute. */
  heartRate: z.number().optional(),
  consciousness: z.enum(ACVPU_CODES).optional(),
  temperatureC: z.number().optional(),
  /** Glasgow Coma Scale total, 3 to 15. */
  gcsTotal: z.number().int().optional(),
  /** Capillary blood glucose, mmol/L. */
  bloodGlucoseMmolL: z.number().optional(),
  /** Verbal numeric rating, 0 to 10. */
  painScore: z.number().int().optional(),
  /** NEWS2 total as the ePCR calculated it. */
  news2Score: z.number().int().optional(),
});
export type ObservationSet = z.infer<typeof observationSetSchema>;

export const drugAdministrationSchema = z.object({
  /** The dm+d product name, or the crew's wording where the ePCR's formulary has no product. */
  drugName: z.string().min(1),
  /** dm+d VMP id, when the formulary entry has one. */
  dmdCode: z
    .string()
    .regex(/^\d{6,18}$/)
    .optional(),
  dose: z.object({ value: z.number(), unit: z.string().min(1) }),
  /** Free text, e.g. "Oral", "Intravenous", "Nebulised". */
  route: z.string().min(1),
  administeredAt: instant,
  /** The role of the clinician who gave it (ePCRs name roles to partners, not people). */
  administeredBy: z.string().min(1),
});
export type DrugAdministration = z.infer<typeof drugAdministrationSchema>;

export const conveyanceSchema = z.object({
  conveyed: z.boolean(),
  destination: z.object({ name: z.string().min(1), odsCode: z.string().optional() }).optional(),
  /** E.g. "Treated at scene, referred to GP", "Patient declined conveyance". */
  reasonNotConveyed: z.string().optional(),
});
export type Conveyance = z.infer<typeof conveyanceSchema>;

export const incidentSchema = z.object({
  /** The patient care record's id (CAD incident number and PCR sequence). */
  incidentId: z.string().min(1),
  /** The ePCR patient the record belongs to. */
  patientId: z.string().min(1),
  callReceivedAt: instant,
  atPatientAt: instant,
  leftSceneAt: instant.optional(),
  handoverAt: instant.optional(),
  /** Ambulance Response Programme category: 1 life-threatening … 5 hear-and-treat / referral. */
  category: z.number().int().min(1).max(5),
  location: z.object({ description: z.string(), postcodeDistrict: z.string().optional() }),
  presentingComplaint: z.string(),
  clinicalImpression: z.object({
    text: z.string().min(1),
    snomedCode: z
      .string()
      .regex(/^\d{6,18}$/)
      .optional(),
  }),
  observations: z.array(observationSetSchema),
  drugsAdministered: z.array(drugAdministrationSchema),
  conveyance: conveyanceSchema,
  /** The ATMIST handover (or, when not conveyed, the care record left with the patient), plain text. */
  handoverNote: z.string().optional(),
  crew: z.array(z.object({ role: z.string().min(1) })),
  lastUpdated: instant,
});
export type Incident = z.infer<typeof incidentSchema>;

/**
 * A page of incidents. Incidents are validated one by one (`incidentSchema`), so that one record the
 * adapter cannot read does not hide the others.
 */
export const incidentPageSchema = z.object({
  incidents: z.array(z.unknown()),
  nextCursor: z.string().min(1).nullish(),
});
export type IncidentPage = z.infer<typeof incidentPageSchema>;

export const epcrErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
export type EpcrError = z.infer<typeof epcrErrorSchema>;
