import type { Dosage, MedicationStatement, Period } from '@medplum/fhirtypes';
import { DMD, MEDICATION_STATEMENT_CATEGORY, SNOMED, coded } from '../code-systems';
import type { DosageSpec } from '../catalogue/dosages';
import { DOSE_UNITS, ROUTES, type MedicationConcept } from '../catalogue/medications';
import { displayReference, resourceMeta, type RecordContext } from '../record-context';

export interface MedicationStatementSpec {
  readonly medication: MedicationConcept;
  readonly dosage: DosageSpec;
  readonly status: 'active' | 'completed' | 'stopped' | 'on-hold';
  /** Where the statement was made: GP repeats are `community`, discharge medicines `inpatient`. */
  readonly category: 'community' | 'inpatient' | 'outpatient' | 'patientspecified';
  /** ISO date the medication was started. */
  readonly start: string;
  readonly end?: string;
  readonly assertedMs: number;
  readonly prescriber?: string;
  /** e.g. 'Repeat prescription', 'Acute prescription', 'Medicines on discharge'. */
  readonly note?: string;
}

const CATEGORY_DISPLAY = {
  community: 'Community',
  inpatient: 'Inpatient',
  outpatient: 'Outpatient',
  patientspecified: 'Patient Specified',
} as const;

export function buildDosage(medication: MedicationConcept, spec: DosageSpec): Dosage {
  const unit = DOSE_UNITS[medication.unit];
  const route = ROUTES[medication.route];
  const dosage: Dosage = {
    text: spec.text,
    timing: {
      repeat: {
        frequency: spec.frequency,
        period: spec.period,
        periodUnit: spec.periodUnit,
        ...(spec.when ? { when: [...spec.when] } : {}),
      },
    },
    route: { coding: [{ system: SNOMED, code: route.code, display: route.display }] },
    doseAndRate: [
      { doseQuantity: { value: spec.dose, unit: unit.unit, system: unit.system, code: unit.code } },
    ],
  };
  if (spec.asNeeded) dosage.asNeededBoolean = true;
  return dosage;
}

export function buildMedicationStatement(
  context: RecordContext,
  spec: MedicationStatementSpec,
): MedicationStatement {
  const effectivePeriod: Period = spec.end ? { start: spec.start, end: spec.end } : { start: spec.start };
  const statement: MedicationStatement = {
    resourceType: 'MedicationStatement',
    id: context.nextId('MedicationStatement'),
    meta: resourceMeta(context, spec.assertedMs),
    status: spec.status,
    category: coded(MEDICATION_STATEMENT_CATEGORY, spec.category, CATEGORY_DISPLAY[spec.category]),
    medicationCodeableConcept: {
      coding: [{ system: DMD, code: spec.medication.code, display: spec.medication.display }],
      text: spec.medication.display,
    },
    subject: context.patient,
    effectivePeriod,
    dateAsserted: new Date(Math.min(spec.assertedMs, context.referenceMs))
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    dosage: [buildDosage(spec.medication, spec.dosage)],
  };
  if (spec.prescriber) statement.informationSource = displayReference(spec.prescriber);
  if (spec.note) statement.note = [{ text: spec.note }];
  return statement;
}
