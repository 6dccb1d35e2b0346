import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import { PATIENT_SEARCH_PARAM, RECORD_RESOURCE_TYPES } from '../../core/fhir/resource-types';

export interface CapabilityOptions {
  readonly baseUrl: string;
  readonly name: string;
  readonly version: string;
  readonly date: string;
}

/** Paging of a merged result: page links read a snapshot of the same result, for the same user, for a short time. */
const COUNT_PARAM = {
  name: '_count',
  type: 'number',
  documentation:
    'Optional. Entries per page, 1 to 1000. Later pages are read through the `next` link, which reads the same ' +
    'merged result (no new request to the sources), only for the user who searched, and expires after a few ' +
    'minutes (then 410 Gone: repeat the search). `total` is the whole result.',
} as const satisfies CapabilityStatementRestResourceSearchParam;

/** The governance resources: each needs a role with the duty named, and every use is itself audited. */
const GOVERNANCE_RESOURCES: CapabilityStatementRestResource[] = [
  {
    type: 'AuditEvent',
    documentation:
      'The audit trail, newest first, for roles with the audit-read duty (privacy officers). Reading it is audited.',
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [
      { name: 'patient', type: 'reference', documentation: 'The patient, by NHS number.' },
      { name: 'agent', type: 'reference', documentation: 'The user, by SDS user id.' },
      {
        name: 'organization',
        type: 'token',
        documentation: "The user's organisation, by ODS code (custom).",
      },
      {
        name: 'date',
        type: 'date',
        documentation: 'When recorded: a day or an instant, with ge/gt/le/lt/eq; at most twice (a range).',
      },
      { name: '_count', type: 'number', documentation: '1 to 1000 (default 100); `next` links page on.' },
    ],
  },
  {
    type: 'Consent',
    documentation:
      "The objection register, for roles with the consent-manage duty: a patient's objection to sharing (provision.type " +
      'deny), to all of it or from named organisations (provision.actor by ODS code), from provision.period.start. ' +
      'Every change is a new version, audited; withdraw by PUT with status inactive. Never deleted.',
    interaction: [{ code: 'create' }, { code: 'update' }, { code: 'read' }, { code: 'search-type' }],
    versioning: 'versioned',
    updateCreate: false,
    searchParam: [
      { name: 'patient', type: 'reference', documentation: 'Required. The patient, by NHS number.' },
    ],
  },
];

/**
 * What this broker really supports: read-only JSON patient views (Patient by NHS number, $everything and
 * per-type searches), the audit trail and the objection register.
 */
export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const recordResources: CapabilityStatementRestResource[] = RECORD_RESOURCE_TYPES.map((type) => ({
    type,
    interaction: [{ code: 'search-type' }],
    searchParam: [
      {
        name: PATIENT_SEARCH_PARAM[type],
        type: 'reference',
        documentation: 'Required. The patient, by NHS number: 9000000009 or Patient/9000000009.',
      },
      COUNT_PARAM,
    ],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: { name: 'HIE Broker', version: options.version },
    implementation: { description: options.name, url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'A federated, read-only patient view. Each request is answered from the regional sources at request time; ' +
          'every entry carries its source in meta.source and meta.tag, and the last entry of every searchset is an ' +
          'OperationOutcome with the status of every source consulted.',
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              {
                name: 'identifier',
                type: 'token',
                documentation: `Required. ${NHS_NUMBER_SYSTEM}|{NHS number}.`,
              },
            ],
            operation: [
              {
                name: 'everything',
                definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
                documentation:
                  'The merged record. Supports _type, _since and _count (1 to 1000 entries a page; `next` links ' +
                  'read the same merged result and expire after a few minutes, then answer 410).',
              },
            ],
          },
          ...recordResources,
          {
            type: 'Binary',
            interaction: [{ code: 'read' }],
            documentation:
              "A document's content, fetched from its source with the same checks as a view and audited as a read " +
              'of its DocumentReference; ids are those DocumentReference.content.attachment.url gives (Binary/{id}). ' +
              'PDF, plain text and images only, up to 20 MiB.',
          },
          ...GOVERNANCE_RESOURCES,
        ],
      },
    ],
  };
}
