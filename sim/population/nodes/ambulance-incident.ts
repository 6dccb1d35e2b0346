import type { Resource } from '@medplum/fhirtypes';
import { handoverNoteText } from '../catalogue/letters';
import { PRESENTATIONS, type PresentationKey } from '../catalogue/presentations';
import { VITAL_SIGNS, news2Score, type VitalSignSet } from '../catalogue/vital-signs';
import { buildCondition } from '../builders/condition';
import { buildDocumentReference } from '../builders/document-reference';
import { buildEncounter } from '../builders/encounter';
import {
  buildAcvpuObservation,
  buildBloodPressureObservation,
  buildNews2Observation,
  buildVitalSignObservation,
  type ObservationContext,
} from '../builders/observation';
import { MINUTE_MS, toInstant } from '../clock';
import { letterHeader } from '../letter-header';
import type { Random } from '../random';
import type { RecordContext } from '../record-context';

export interface IncidentTimes {
  readonly callMs: number;
  readonly atPatientMs: number;
  readonly handoverMs: number;
}

/** The observations one set of vital signs becomes: each sign its own Observation, as the ePCR sends them. */
export function vitalSignObservations(
  context: RecordContext,
  vitals: VitalSignSet,
  at: ObservationContext,
): Resource[] {
  return [
    buildVitalSignObservation(context, VITAL_SIGNS.respiratoryRate, vitals.respiratoryRate, at),
    buildVitalSignObservation(context, VITAL_SIGNS.oxygenSaturation, vitals.oxygenSaturation, at),
    buildBloodPressureObservation(context, vitals.systolic, vitals.diastolic, at),
    buildVitalSignObservation(context, VITAL_SIGNS.heartRate, vitals.heartRate, at),
    buildVitalSignObservation(context, VITAL_SIGNS.bodyTemperature, vitals.temperature, at),
    buildAcvpuObservation(context, vitals.acvpu, at),
    buildVitalSignObservation(context, VITAL_SIGNS.glasgowComaScore, vitals.glasgowComaScore, at),
    buildVitalSignObservation(context, VITAL_SIGNS.bloodGlucose, vitals.bloodGlucose, at),
    buildNews2Observation(context, news2Score(vitals), at),
  ];
}

function describe(vitals: VitalSignSet): string[] {
  return [
    `RR ${vitals.respiratoryRate}/min, SpO2 ${vitals.oxygenSaturation}% ${vitals.onOxygen ? 'on oxygen' : 'on air'}`,
    `BP ${vitals.systolic}/${vitals.diastolic} mmHg, HR ${vitals.heartRate}/min`,
    `Temp ${vitals.temperature.toFixed(1)} C, ACVPU ${vitals.acvpu}, GCS ${vitals.glasgowComaScore}/15`,
    `Capillary glucose ${vitals.bloodGlucose.toFixed(1)} mmol/L`,
  ];
}

/**
 * One 999 incident: the emergency encounter, the crew's observations (one or two sets), their clinical
 * impression and the handover note given to the receiving hospital.
 */
export function buildAmbulanceIncident(
  context: RecordContext,
  random: Random,
  presentationKey: PresentationKey,
  times: IncidentTimes,
  vitalSets: readonly VitalSignSet[],
): Resource[] {
  const presentation = PRESENTATIONS[presentationKey];
  const crew = random.sample(context.organisation.clinicians, 2).join(' and ');
  const destination = random.pick([
    'Riverside Hospital Emergency Department',
    'Riverside Hospital Same Day Emergency Care',
  ]);
  const encounter = buildEncounter(context, {
    encounterClass: 'EMER',
    type: { text: 'Emergency ambulance response (999)' },
    service: 'Emergency ambulance',
    status: 'finished',
    startMs: times.callMs,
    endMs: times.handoverMs,
    reason: presentation.complaint,
    clinician: crew,
    dischargeDisposition: `Conveyed to ${destination}`,
  });
  const encounterId = encounter.id ?? '';
  const resources: Resource[] = [encounter];

  vitalSets.forEach((vitals, index) => {
    const effectiveMs = index === 0 ? times.atPatientMs + 8 * MINUTE_MS : times.handoverMs - 10 * MINUTE_MS;
    resources.push(...vitalSignObservations(context, vitals, { effectiveMs, performer: crew, encounterId }));
  });

  resources.push(
    buildCondition(context, {
      code: presentation.code,
      display: presentation.display,
      clinicalStatus: 'active',
      verificationStatus: 'provisional',
      category: 'encounter-diagnosis',
      onset: toInstant(times.callMs),
      recordedMs: times.handoverMs,
      recorder: crew,
      encounterId,
      note: 'Clinical impression of the attending crew',
    }),
  );

  const first = vitalSets[0];
  resources.push(
    buildDocumentReference(context, {
      type: 'encounterReport',
      title: 'Ambulance patient handover',
      description: `Handover at ${destination}`,
      text: handoverNoteText(letterHeader(context, crew, times.handoverMs, destination), {
        incident: presentation.complaint,
        callMs: times.callMs,
        atPatientMs: times.atPatientMs,
        handoverMs: times.handoverMs,
        observations: first ? describe(first) : [],
        news2: first ? news2Score(first) : 0,
        impression: presentation.display,
        treatment: presentation.preHospitalTreatment,
        destination,
      }),
      dateMs: times.handoverMs,
      author: crew,
      encounterId,
      periodStartMs: times.callMs,
      periodEndMs: times.handoverMs,
    }),
  );
  return resources;
}
