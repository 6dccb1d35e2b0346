import type {
  CodeableConcept,
  Dosage,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Reference,
} from '@medplum/fhirtypes';
import {
  conceptText,
  joinParts,
  notesText,
  optional,
  periodStart,
  quantityText,
  referenceText,
} from './fhir-text';
import type { ReaderContext } from './reader-context';
import type { ItemContent } from './record-types';

/** The product: the coded concept, else the Medication resource it refers to in the view. */
export function medicationName(
  medication: { medicationCodeableConcept?: CodeableConcept; medicationReference?: Reference },
  ctx: ReaderContext,
): string | undefined {
  return (
    conceptText(medication.medicationCodeableConcept) ??
    referenceText(medication.medicationReference, ctx.resolve)
  );
}

/** The dosage's own text ("One tablet twice a day"), else its dose and route. */
export function dosageText(dosage: Dosage): string | undefined {
  return (
    dosage.text ?? joinParts([quantityText(dosage.doseAndRate?.[0]?.doseQuantity), conceptText(dosage.route)])
  );
}

export function readMedicationStatement(statement: MedicationStatement, ctx: ReaderContext): ItemContent {
  return {
    ...optional(
      'date',
      statement.effectiveDateTime ?? periodStart(statement.effectivePeriod) ?? statement.dateAsserted,
    ),
    ...optional('title', medicationName(statement, ctx)),
    ...optional(
      'detail',
      joinParts([...(statement.dosage ?? []).map(dosageText), notesText(statement.note)]),
    ),
    ...optional('status', statement.status),
  };
}

export function readMedicationRequest(request: MedicationRequest, ctx: ReaderContext): ItemContent {
  return {
    ...optional('date', request.authoredOn ?? periodStart(request.dispenseRequest?.validityPeriod)),
    ...optional('title', medicationName(request, ctx)),
    ...optional(
      'detail',
      joinParts([...(request.dosageInstruction ?? []).map(dosageText), notesText(request.note)]),
    ),
    ...optional('status', request.status),
  };
}

export function readMedicationAdministration(
  administration: MedicationAdministration,
  ctx: ReaderContext,
): ItemContent {
  const dosage = administration.dosage;
  return {
    ...optional('date', administration.effectiveDateTime ?? periodStart(administration.effectivePeriod)),
    ...optional('title', medicationName(administration, ctx)),
    ...optional(
      'detail',
      joinParts([
        dosage?.text,
        quantityText(dosage?.dose),
        conceptText(dosage?.route),
        notesText(administration.note),
      ]),
    ),
    ...optional('status', administration.status),
  };
}
