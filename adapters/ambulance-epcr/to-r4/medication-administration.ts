import type { MedicationAdministration, Quantity } from '@medplum/fhirtypes';
import type { DrugAdministration } from '../epcr-schema';
import { incidentIds } from './fhir-ids';
import type { IncidentContext } from './incident-context';
import { DMD, DOSE_UNITS, UCUM } from './r4-codes';

/** The dose as recorded; a UCUM code is added only where the unit is one we know, the value never changes. */
function dose(drug: DrugAdministration): Quantity {
  const code = DOSE_UNITS[drug.dose.unit];
  return code
    ? { value: drug.dose.value, unit: drug.dose.unit, system: UCUM, code }
    : { value: drug.dose.value, unit: drug.dose.unit };
}

export function toR4MedicationAdministration(
  context: IncidentContext,
  drug: DrugAdministration,
  index: number,
): MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id: incidentIds.medication(context.key, index),
    meta: context.meta,
    status: 'completed',
    medicationCodeableConcept: {
      ...(drug.dmdCode ? { coding: [{ system: DMD, code: drug.dmdCode, display: drug.drugName }] } : {}),
      text: drug.drugName,
    },
    subject: context.patient,
    context: context.encounter,
    effectiveDateTime: drug.administeredAt,
    performer: [{ actor: { display: drug.administeredBy } }],
    dosage: { route: { text: drug.route }, dose: dose(drug) },
  };
}
