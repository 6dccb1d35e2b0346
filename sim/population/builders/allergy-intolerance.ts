import type { AllergyIntolerance } from '@medplum/fhirtypes';
import { ALLERGY_CLINICAL, ALLERGY_VERIFICATION, SNOMED, coded, snomed } from '../code-systems';
import { MANIFESTATIONS, type AllergenConcept } from '../catalogue/allergies';
import { displayReference, resourceMeta, type RecordContext } from '../record-context';

export interface AllergySpec {
  readonly allergen: AllergenConcept;
  /** Index into the allergen's usual reactions. */
  readonly reactionIndex: number;
  readonly clinicalStatus: 'active' | 'inactive' | 'resolved';
  readonly verificationStatus: 'confirmed' | 'unconfirmed';
  /** ISO date of the first reaction. */
  readonly onset: string;
  readonly recordedMs: number;
  readonly recorder?: string;
  readonly note?: string;
}

export function buildAllergyIntolerance(context: RecordContext, spec: AllergySpec): AllergyIntolerance {
  const reactions = spec.allergen.reactions;
  const reaction = reactions[spec.reactionIndex % reactions.length] ?? reactions[0];
  const manifestation = reaction ? MANIFESTATIONS[reaction.manifestation] : MANIFESTATIONS.rash;
  const severity = reaction?.severity ?? 'mild';
  const allergy: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: context.nextId('AllergyIntolerance'),
    meta: resourceMeta(context, spec.recordedMs),
    clinicalStatus: coded(ALLERGY_CLINICAL, spec.clinicalStatus, capitalise(spec.clinicalStatus)),
    verificationStatus: coded(
      ALLERGY_VERIFICATION,
      spec.verificationStatus,
      capitalise(spec.verificationStatus),
    ),
    type: spec.allergen.type,
    category: [spec.allergen.category],
    criticality: severity === 'severe' ? 'high' : 'low',
    code: snomed(spec.allergen.code, spec.allergen.display),
    patient: context.patient,
    onsetDateTime: spec.onset,
    recordedDate: new Date(Math.min(spec.recordedMs, context.referenceMs)).toISOString().slice(0, 10),
    reaction: [
      {
        substance: snomed(spec.allergen.code, spec.allergen.display),
        manifestation: [{ coding: [{ system: SNOMED, ...manifestation }], text: manifestation.display }],
        severity,
        onset: spec.onset,
      },
    ],
  };
  if (spec.recorder) allergy.recorder = displayReference(spec.recorder);
  if (spec.note) allergy.note = [{ text: spec.note }];
  return allergy;
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
