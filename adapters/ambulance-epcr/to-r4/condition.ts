import type { Condition } from '@medplum/fhirtypes';
import { incidentIds } from './fhir-ids';
import type { IncidentContext } from './incident-context';
import { CONDITION_CATEGORY, CONDITION_CLINICAL, CONDITION_VERIFICATION, SNOMED } from './r4-codes';

/**
 * The crew's clinical impression as an encounter diagnosis: provisional (a working impression, not a
 * confirmed diagnosis), its SNOMED CT code when the ePCR gives one, its text always.
 */
export function toR4Condition(context: IncidentContext): Condition {
  const { incident } = context;
  const impression = incident.clinicalImpression;
  return {
    resourceType: 'Condition',
    id: incidentIds.condition(context.key),
    meta: context.meta,
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active', display: 'Active' }] },
    verificationStatus: {
      coding: [{ system: CONDITION_VERIFICATION, code: 'provisional', display: 'Provisional' }],
    },
    category: [
      {
        coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }],
      },
    ],
    code: {
      ...(impression.snomedCode ? { coding: [{ system: SNOMED, code: impression.snomedCode }] } : {}),
      text: impression.text,
    },
    subject: context.patient,
    encounter: context.encounter,
    onsetDateTime: incident.callReceivedAt,
    recordedDate: incident.handoverAt ?? incident.leftSceneAt ?? incident.atPatientAt,
    note: [{ text: 'Clinical impression of the attending ambulance crew' }],
  };
}
