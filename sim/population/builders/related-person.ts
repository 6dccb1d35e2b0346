import type { RelatedPerson } from '@medplum/fhirtypes';
import { toDate } from '../clock';
import { coded } from '../code-systems';
import { resourceMeta, type RecordContext } from '../record-context';

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

/** UK Core's relationship codes: the family relationship (v3 RoleCode) and the role they hold. */
export const RELATIONSHIPS = {
  daughter: coded(ROLE_CODE, 'DAU', 'natural daughter', 'Daughter'),
  son: coded(ROLE_CODE, 'SON', 'natural son', 'Son'),
  nextOfKin: coded('http://terminology.hl7.org/CodeSystem/v2-0131', 'N', 'Next-of-Kin', 'Next of kin'),
  carer: coded(
    'https://fhir.hl7.org.uk/CodeSystem/UKCore-AdditionalRelatedPersonRole',
    '01',
    'Carer',
    'Carer',
  ),
  attorney: coded(
    'https://fhir.hl7.org.uk/CodeSystem/UKCore-AdditionalRelatedPersonRole',
    '14',
    'Lasting Power of Attorney For Personal Welfare',
    'Lasting power of attorney (health and welfare)',
  ),
  friend: coded(ROLE_CODE, 'FRND', 'unrelated friend', 'Friend'),
} as const;
export type RelationshipKey = keyof typeof RELATIONSHIPS;

export interface RelatedPersonSpec {
  readonly given: string;
  readonly family: string;
  readonly relationships: readonly RelationshipKey[];
  /** From Ofcom's drama ranges: never rings anyone. */
  readonly phone?: string;
  readonly sinceMs: number;
}

export function buildRelatedPerson(context: RecordContext, spec: RelatedPersonSpec): RelatedPerson {
  return {
    resourceType: 'RelatedPerson',
    id: context.nextId('RelatedPerson'),
    meta: resourceMeta(context, spec.sinceMs),
    active: true,
    patient: context.patient,
    relationship: spec.relationships.map((key) => RELATIONSHIPS[key]),
    name: [{ use: 'official', given: [spec.given], family: spec.family }],
    ...(spec.phone ? { telecom: [{ system: 'phone', value: spec.phone, use: 'mobile' }] } : {}),
    period: { start: toDate(spec.sinceMs) },
  };
}
