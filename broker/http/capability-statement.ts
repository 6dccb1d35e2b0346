import { TOPICS } from '../events/event-topics';
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import {
  PATIENT_SEARCH_PARAM,
  RECORD_RESOURCE_TYPES,
  type RecordResourceType,
} from '../../core/fhir/resource-types';
import { definitionOf, includesOf, revincludesOf, supportedFilters } from '../search/search-definitions';
import { READ_WINDOW_MS, READABLE_SUPPORTING_TYPES } from './instance-read';
import { TRACE_PARAMS } from './trace-params';

export interface CapabilityOptions {
  readonly baseUrl: string;
  readonly name: string;
  readonly version: string;
  readonly date: string;
  /** Whether `GET /fhir/Patient` also traces by demographics (a demographics service is configured). */
  readonly trace?: boolean;
}

/** The demographic parameters of a trace (PDS), advertised only when a demographics service answers them. */
const TRACE_PARAM_DEFINITIONS: Record<
  (typeof TRACE_PARAMS)[number],
  Pick<CapabilityStatementRestResourceSearchParam, 'type' | 'documentation'>
> = {
  family: {
    type: 'string',
    documentation:
      'Trace: the family name. A trace needs family, birthdate and one of gender or address-postalcode; it is answered ' +
      'by the national demographics service and only a single confident match is returned (searchset with one Patient, or none).',
  },
  given: { type: 'string', documentation: 'Trace: a given name (optional; helps the match).' },
  birthdate: {
    type: 'date',
    documentation: 'Trace: the date of birth, YYYY-MM-DD, with an optional eq, ge or le prefix.',
  },
  gender: { type: 'token', documentation: 'Trace: male, female, other or unknown.' },
  'address-postalcode': { type: 'string', documentation: 'Trace: the postcode of the home address.' },
};
const TRACE_SEARCH_PARAMS = TRACE_PARAMS.map((name) => ({ name, ...TRACE_PARAM_DEFINITIONS[name] }));

/** Paging of a merged result: page links read a snapshot of the same result, for the same user, for a short time. */
const COUNT_PARAM = {
  name: '_count',
  type: 'number',
  documentation:
    'Optional. Entries per page, 1 to 1000. Later pages are read through the `next` link, which reads the same ' +
    'merged result (no new request to the sources), only for the user who searched, and expires after a few ' +
    'minutes (then 410 Gone: repeat the search). `total` is the whole result.',
} as const satisfies CapabilityStatementRestResourceSearchParam;

/** The result parameters of a type search, as the broker evaluates them. */
const RESULT_PARAMS: CapabilityStatementRestResourceSearchParam[] = [
  COUNT_PARAM,
  {
    name: '_sort',
    type: 'special',
    documentation:
      'By _lastUpdated or a date parameter of the type; prefix - for descending; entries without a value last.',
  },
  {
    name: '_summary',
    type: 'token',
    documentation: "count: the total and the sources' OperationOutcome only.",
  },
  {
    name: '_elements',
    type: 'special',
    documentation: 'Top-level elements of the matches to return (id and meta always), tagged SUBSETTED.',
  },
  {
    name: '_total',
    type: 'token',
    documentation: 'none, estimate or accurate (the default: always accurate).',
  },
];

const READ_DOCUMENTATION =
  `Read by the id a search or $everything of the patient gave this user in the last ${READ_WINDOW_MS / 60_000} ` +
  'minutes: answered by a fresh view of that patient from the one source the id names, with every rule of a view ' +
  'applied again and audited. Otherwise 404, saying nothing about any patient.';

/** A record type: read, and a search by patient with the filters, includes and result parameters the code evaluates. */
function recordResource(type: RecordResourceType): CapabilityStatementRestResource {
  const filters: CapabilityStatementRestResourceSearchParam[] = supportedFilters(type).map((code) => {
    const definition = definitionOf(type, code);
    return {
      name: code,
      ...(definition?.url ? { definition: definition.url } : {}),
      type: definition?.type ?? 'token',
      documentation:
        'Evaluated by the broker over the merged, checked view, with FHIR R4 semantics (comma OR, repeated AND).',
    };
  });
  return {
    type,
    documentation: READ_DOCUMENTATION,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchInclude: includesOf(type),
    searchRevInclude: revincludesOf(type),
    searchParam: [
      {
        name: PATIENT_SEARCH_PARAM[type],
        type: 'reference',
        documentation: 'Required. The patient, by NHS number: 9000000009 or Patient/9000000009.',
      },
      ...filters,
      ...RESULT_PARAMS,
    ],
  };
}

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

/** Topic-based Subscriptions (R5 Backport IG for R4), made by registered systems (issue 19). */
const SUBSCRIPTION_RESOURCE: CapabilityStatementRestResource = {
  type: 'Subscription',
  extension: Object.values(TOPICS).map((topic) => ({
    url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical',
    valueCanonical: topic.url,
  })),
  supportedProfile: [
    'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription',
  ],
  documentation:
    'For systems registered under events.systems, with a token from /oauth/token (SMART Backend Services). ' +
    'criteria is a topic canonical; exactly one backport-filter-criteria naming your own ODS code ' +
    `(${Object.values(TOPICS)
      .map((t) => `${t.resourceType}?${t.filterParameter}=…`)
      .join(' or ')}); a rest-hook channel with id-only payloads. Notifications are history Bundles signed ` +
    'as a detached JWS (header X-Hie-Signature) with the key at /.well-known/jwks.json; X-Hie-Notification-Id ' +
    "is stable across retries. Search returns only the calling system's own subscriptions.",
  interaction: [{ code: 'create' }, { code: 'read' }, { code: 'delete' }, { code: 'search-type' }],
  searchParam: [
    {
      name: 'status',
      type: 'token',
      documentation: 'requested, active, error or off; comma-separated alternatives.',
    },
    { name: 'url', type: 'uri', documentation: 'The channel endpoint, exactly.' },
    { name: 'criteria', type: 'string', documentation: 'A topic canonical, exactly.' },
    { name: '_count', type: 'number', documentation: 'At most this many (0 to 1000; default 100).' },
  ],
  operation: [
    {
      name: 'status',
      definition:
        'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status',
    },
  ],
};

/** The published topics in R4's Basic form (Backport IG), public like this statement. */
const TOPIC_RESOURCE: CapabilityStatementRestResource = {
  type: 'Basic',
  supportedProfile: ['http://hl7.org/fhir/5.0/StructureDefinition/profile-SubscriptionTopic'],
  documentation:
    'The SubscriptionTopics this broker publishes, as Basic resources coded http://hl7.org/fhir/fhir-types|SubscriptionTopic ' +
    '(ids: ' +
    Object.keys(TOPICS).join(', ') +
    '). No authentication needed; no other Basic resources are served.',
  interaction: [{ code: 'read' }, { code: 'search-type' }],
  searchParam: [
    {
      name: 'code',
      type: 'token',
      documentation: 'SubscriptionTopic (or http://hl7.org/fhir/fhir-types|SubscriptionTopic).',
    },
    { name: '_id', type: 'token', documentation: 'A topic id.' },
  ],
};

/**
 * What this broker really supports: read-only JSON patient views (Patient by NHS number, $everything and
 * per-type searches), the audit trail and the objection register.
 */
export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const recordResources = RECORD_RESOURCE_TYPES.map(recordResource);
  const supportingResources: CapabilityStatementRestResource[] = READABLE_SUPPORTING_TYPES.map((type) => ({
    type,
    documentation: `${READ_DOCUMENTATION} Served only within a view of a patient whose record refers to it.`,
    interaction: [{ code: 'read' }],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    kind: 'instance',
    software: { name: 'HIE Broker', version: options.version },
    implementation: { description: options.name, url: options.baseUrl },
    fhirVersion: '4.0.1',
    instantiates: [
      'http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4',
    ],
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
                documentation: options.trace
                  ? `${NHS_NUMBER_SYSTEM}|{NHS number}; or trace by demographics with the parameters below.`
                  : `Required. ${NHS_NUMBER_SYSTEM}|{NHS number}.`,
              },
              ...(options.trace ? TRACE_SEARCH_PARAMS : []),
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
          ...supportingResources,
          {
            type: 'Binary',
            interaction: [{ code: 'read' }],
            documentation:
              "A document's content, fetched from its source with the same checks as a view and audited as a read " +
              'of its DocumentReference; ids are those DocumentReference.content.attachment.url gives (Binary/{id}). ' +
              'PDF, plain text and images only, up to 20 MiB.',
          },
          ...GOVERNANCE_RESOURCES,
          SUBSCRIPTION_RESOURCE,
          TOPIC_RESOURCE,
        ],
      },
    ],
  };
}
