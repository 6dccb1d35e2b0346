import type { Dosage, MedicationStatement } from '@medplum/fhirtypes';
import { practitionerReference } from './practice-directory';
import { gpcMeta, toStu3Values } from './stu3-values';

const PRESCRIPTION_TYPE =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-PrescriptionType-1';

/**
 * A medication as GP Connect sends it: the MedicationStatement (the summary), the MedicationRequest with intent
 * `plan` it is based on (the authorisation: repeat or acute) and the Medication both refer to.
 */
export function medicationToStu3(statement: MedicationStatement): object[] {
  const id = statement.id ?? 'medication';
  const concept = statement.medicationCodeableConcept;
  const medicationId = `${id}-medication`;
  const planId = `${id}-plan`;
  const prescriber = practitionerReference(statement.informationSource);
  const dosage = (statement.dosage ?? []).map(dosageToStu3);
  const acute = (statement.note ?? []).some((note) => /acute/i.test(note.text ?? ''));
  const start = statement.effectivePeriod?.start ?? statement.effectiveDateTime;
  const medication = {
    resourceType: 'Medication',
    id: medicationId,
    meta: gpcMeta(undefined, 'CareConnect-GPC-Medication-1'),
    ...(concept ? { code: toStu3Values(concept) } : {}),
  };
  const plan = {
    resourceType: 'MedicationRequest',
    id: planId,
    meta: gpcMeta(statement.meta, 'CareConnect-GPC-MedicationRequest-1'),
    extension: [
      {
        url: PRESCRIPTION_TYPE,
        valueCodeableConcept: {
          coding: [
            {
              system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescriptionType-1',
              code: acute ? 'acute' : 'repeat',
              display: acute ? 'Acute' : 'Repeat',
            },
          ],
        },
      },
    ],
    status:
      statement.status === 'completed' ? 'completed' : statement.status === 'stopped' ? 'stopped' : 'active',
    intent: 'plan',
    medicationReference: { reference: `Medication/${medicationId}` },
    subject: statement.subject,
    ...(start ? { authoredOn: start } : {}),
    ...(prescriber ? { requester: { agent: prescriber }, recorder: prescriber } : {}),
    dosageInstruction: dosage,
    ...(statement.effectivePeriod ? { dispenseRequest: { validityPeriod: statement.effectivePeriod } } : {}),
  };
  const { meta, medicationCodeableConcept: _c, dosage: _d, informationSource: _i, ...rest } = statement;
  const summary = {
    ...toStu3Values(rest),
    meta: gpcMeta(meta, 'CareConnect-GPC-MedicationStatement-1'),
    basedOn: [{ reference: `MedicationRequest/${planId}` }],
    medicationReference: { reference: `Medication/${medicationId}` },
    ...(prescriber ? { informationSource: prescriber } : {}),
    taken: 'unk',
    dosage,
  };
  return [summary, plan, medication];
}

function dosageToStu3(dosage: Dosage): object {
  const { doseAndRate, ...rest } = dosage;
  const first = doseAndRate?.[0];
  return {
    ...toStu3Values(rest),
    ...(first?.doseQuantity ? { doseQuantity: toStu3Values(first.doseQuantity) } : {}),
    ...(first?.doseRange ? { doseRange: toStu3Values(first.doseRange) } : {}),
    ...(first?.rateQuantity ? { rateQuantity: toStu3Values(first.rateQuantity) } : {}),
    ...(first?.rateRatio ? { rateRatio: toStu3Values(first.rateRatio) } : {}),
    ...(first?.rateRange ? { rateRange: toStu3Values(first.rateRange) } : {}),
  };
}
