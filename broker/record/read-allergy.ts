import type { AllergyIntolerance } from '@medplum/fhirtypes';
import { conceptCode, conceptText, joinParts, notesText, optional, periodStart } from './fhir-text';
import { unconfirmed } from './read-condition';
import type { ItemContent } from './record-types';

/** An allergy or intolerance: the substance, each reaction with its severity, the criticality and notes. */
export function readAllergy(allergy: AllergyIntolerance): ItemContent {
  const reactions = (allergy.reaction ?? []).map((reaction) => {
    const manifestations = joinParts(reaction.manifestation?.map(conceptText), ', ');
    const what = manifestations ?? reaction.description;
    return what && reaction.severity ? `${what} (${reaction.severity})` : what;
  });
  return {
    ...optional('date', allergy.onsetDateTime ?? periodStart(allergy.onsetPeriod) ?? allergy.recordedDate),
    ...optional('title', conceptText(allergy.code)),
    ...optional(
      'detail',
      joinParts([
        joinParts(reactions, '; '),
        allergy.criticality ? `Criticality: ${allergy.criticality}` : undefined,
        unconfirmed(allergy.verificationStatus),
        notesText(allergy.note),
      ]),
    ),
    ...optional('status', conceptCode(allergy.clinicalStatus)),
  };
}
