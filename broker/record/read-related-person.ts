import type { RelatedPerson } from '@medplum/fhirtypes';
import { firstConceptText, humanNameText, joinParts, nonEmpty, optional, periodStart } from './fhir-text';
import type { ItemContent } from './record-types';

/**
 * Someone in the patient's support network (next of kin, carer, lasting power of attorney): the name,
 * each relationship the source coded, and how to reach them, as the source recorded it.
 */
export function readRelatedPerson(person: RelatedPerson): ItemContent {
  const relationships = (person.relationship ?? []).map((r) => firstConceptText([r]));
  const telecom = (person.telecom ?? []).map((t) => nonEmpty(t.value));
  return {
    ...optional('date', periodStart(person.period)),
    ...optional('title', person.name?.map(humanNameText).find(Boolean)),
    ...optional('detail', joinParts([joinParts(relationships, ', '), joinParts(telecom, ', ')])),
    ...optional('status', person.active === undefined ? undefined : person.active ? 'active' : 'inactive'),
  };
}
