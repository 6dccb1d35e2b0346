import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { SourceDescriptor, SourceOutcome } from '../../core/source-contract';
import type { Requester } from '../../core/requester';
import { BROKER_CANONICAL, NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import type { RelationshipDecision } from '../../core/requester';

/**
 * FHIR R4 AuditEvents in the style of IHE Basic Audit Log Patterns (BALP): a RESTful interaction,
 * who asked (the user, with role, organisation and purpose; the client system; this broker), one
 * patient per AuditEvent, the query as received, and what each source did. Built here and nowhere
 * else; the trail (audit-trail.ts) commits them.
 */

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SECURITY_SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const PURPOSE_OF_USE = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const SDS_USER_ID = 'https://fhir.nhs.uk/Id/sds-user-id';
const SDS_ROLE = 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode';
/** The broker's own codes: what happened (views, governance reads and changes) and entity detail types. */
export const AUDIT_ACTION_SYSTEM = `${BROKER_CANONICAL}/CodeSystem/audit-action`;
export const SOURCE_OUTCOME_SYSTEM = `${BROKER_CANONICAL}/CodeSystem/source-status`;

/** FHIR AuditEvent.outcome: success, minor failure (e.g. refused), serious failure (could not answer). */
export const AUDIT_OUTCOMES = ['0', '4', '8'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The RESTful interaction the request was (BALP subtype), and the AuditEvent.action it implies. */
export const AUDIT_INTERACTIONS = ['read', 'search-type', 'operation', 'create', 'update'] as const;
export type AuditInteraction = (typeof AUDIT_INTERACTIONS)[number];
const ACTION: Record<AuditInteraction, AuditEvent['action']> = {
  read: 'R',
  'search-type': 'E',
  operation: 'E',
  create: 'C',
  update: 'U',
};

/** The system the request came through: a clinical system (by address) or a peer broker (by id). */
export interface AuditClient {
  /** A peer broker's client id, when a peer asked. */
  readonly peer?: string;
  /** The caller's network address (as express saw it, honouring trust proxy). */
  readonly address?: string;
  readonly userAgent?: string;
}

/** What was asked and by whom: the common part of every AuditEvent the broker writes. */
export interface AuditRequest {
  readonly requestId: string;
  readonly interaction: AuditInteraction;
  /** The path and query string as received, e.g. /fhir/Patient/9000000009/$everything?_type=Condition. */
  readonly query: string;
  /** The user token's (or user assertion's) `jti`; never the token itself. */
  readonly tokenId?: string;
  readonly requester: Requester;
  readonly client: AuditClient;
  /** The brokers the request passed through before this one. */
  readonly chain?: readonly string[];
}

/** This broker, as the observer and the destination of every request. */
export interface AuditBroker {
  readonly id: string;
  readonly name: string;
  readonly odsCode: string;
}

export interface AuditEventInput {
  readonly id: string;
  readonly recorded: string;
  readonly request: AuditRequest;
  readonly broker: AuditBroker;
  readonly outcome: AuditOutcome;
  /** Why it failed or was refused, in words a person can act on; or what was done. */
  readonly outcomeDesc?: string;
  /** What the broker did, e.g. `patient-view`, `audit-search`, `consent-create` (AUDIT_ACTION_SYSTEM). */
  readonly action: string;
  /** The patient (NHS number) the request was about, when known and valid. */
  readonly patient?: string;
  /** For patient views: the relationship basis, each source's outcome, and counts. */
  readonly view?: {
    readonly queryId: string;
    readonly relationship?: RelationshipDecision;
    readonly sources: readonly { readonly source: SourceDescriptor; readonly outcome: SourceOutcome }[];
    /** The national demographics service, when one was asked who the patient is: what it answered. */
    readonly identity?: {
      readonly authority: { readonly id: string; readonly name: string; readonly odsCode: string };
      readonly status: 'confirmed' | 'not-found' | 'unavailable';
      /** The number asked for was retired; the view opened under the current one. */
      readonly superseded: boolean;
    };
    readonly returned: number;
    readonly withheld: number;
  };
  /** Another resource the request was about (a Consent, an alert), by reference. */
  readonly about?: { readonly reference: string; readonly display?: string };
}

const detail = (type: string, valueString: string): NonNullable<AuditEventEntity['detail']>[number] => ({
  type,
  valueString,
});

function userAgent(request: AuditRequest): AuditEventAgent {
  const { requester } = request;
  const purpose = requester.purposeOfUse
    ? [{ coding: [{ system: PURPOSE_OF_USE, code: requester.purposeOfUse }] }]
    : undefined;
  return {
    type: {
      coding: [{ system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' }],
    },
    who: {
      identifier: { system: SDS_USER_ID, value: requester.userId },
      ...(requester.name ? { display: requester.name } : {}),
    },
    requestor: true,
    ...(requester.role ? { role: [{ coding: [{ system: SDS_ROLE, code: requester.role }] }] } : {}),
    ...(purpose ? { purposeOfUse: purpose } : {}),
    ...(request.client.address ? { network: { address: request.client.address, type: '2' } } : {}),
  };
}

function organisationAgent(request: AuditRequest): AuditEventAgent | undefined {
  const ods = request.requester.organisationOds;
  if (!ods) return undefined;
  return {
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass', code: 'PROV' }] },
    who: { identifier: { system: ODS_CODE_SYSTEM, value: ods } },
    requestor: false,
  };
}

function clientAgent(request: AuditRequest): AuditEventAgent {
  const { peer, address, userAgent: product } = request.client;
  return {
    type: { coding: [{ system: DICOM, code: '110153', display: 'Source Role ID' }] },
    who: peer
      ? { identifier: { system: `${BROKER_CANONICAL}/Id/peer-broker`, value: peer } }
      : { display: product ? product.slice(0, 200) : 'clinical system' },
    requestor: false,
    ...(address ? { network: { address, type: '2' } } : {}),
  };
}

function brokerAgent(broker: AuditBroker): AuditEventAgent {
  return {
    type: { coding: [{ system: DICOM, code: '110152', display: 'Destination Role ID' }] },
    who: {
      identifier: { system: `${BROKER_CANONICAL}/Id/broker`, value: broker.id },
      display: broker.name,
    },
    requestor: false,
  };
}

function patientEntity(nhsNumber: string): AuditEventEntity {
  return {
    what: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
    type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
  };
}

function queryEntity(input: AuditEventInput): AuditEventEntity {
  const { request, view } = input;
  const relationship = view?.relationship;
  const stated = request.requester.relationship;
  return {
    type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
    query: Buffer.from(request.query, 'utf8').toString('base64'),
    detail: [
      detail('request-id', request.requestId),
      ...(view ? [detail('query-id', view.queryId)] : []),
      ...(request.tokenId ? [detail('token-jti', request.tokenId)] : []),
      ...(request.chain?.length ? [detail('broker-chain', request.chain.join(','))] : []),
      ...((relationship ?? stated) ? [detail('relationship-basis', (relationship ?? stated)!.basis)] : []),
      ...(relationship?.evidence ? [detail('relationship-evidence', relationship.evidence)] : []),
      ...((relationship?.assertedBy ?? stated?.assertedBy)
        ? [detail('relationship-asserted-by', (relationship?.assertedBy ?? stated?.assertedBy)!)]
        : []),
      ...(stated?.reason ? [detail('relationship-reason', stated.reason)] : []),
      ...(view
        ? [
            detail('resources-returned', String(view.returned)),
            detail('resources-withheld', String(view.withheld)),
          ]
        : []),
    ],
  };
}

/** The demographics authority asked who the patient is: a source of identity, not of the record. */
function identityEntity(
  identity: NonNullable<NonNullable<AuditEventInput['view']>['identity']>,
): AuditEventEntity {
  return {
    what: {
      identifier: { system: ODS_CODE_SYSTEM, value: identity.authority.odsCode },
      display: identity.authority.name,
    },
    type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    role: { system: OBJECT_ROLE, code: '3', display: 'Report' },
    name: identity.authority.id,
    detail: [
      detail('identity-status', identity.status),
      ...(identity.superseded ? [detail('nhs-number-superseded', 'true')] : []),
    ],
  };
}

function sourceEntity(source: SourceDescriptor, outcome: SourceOutcome): AuditEventEntity {
  const reason =
    outcome.status === 'skipped'
      ? outcome.reason
      : outcome.status === 'error' || outcome.status === 'rejected'
        ? outcome.issue.reason
        : outcome.status === 'timeout'
          ? 'timeout'
          : undefined;
  return {
    what: { identifier: { system: ODS_CODE_SYSTEM, value: source.odsCode }, display: source.name },
    type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    role: { system: OBJECT_ROLE, code: '3', display: 'Report' },
    name: source.id,
    detail: [
      detail('source-status', outcome.status),
      ...(reason ? [detail('source-reason', reason)] : []),
      ...(outcome.status === 'ok'
        ? [detail('resources-received', String(outcome.record.resources.length))]
        : []),
      detail('duration-ms', String(Math.round(outcome.durationMs))),
    ],
  };
}

/** One AuditEvent for one request about (at most) one patient. */
export function auditEvent(input: AuditEventInput): AuditEvent {
  const { request, broker } = input;
  const subtype: Coding[] = [
    { system: RESTFUL_INTERACTION, code: request.interaction },
    { system: AUDIT_ACTION_SYSTEM, code: input.action },
  ];
  const organisation = organisationAgent(request);
  return {
    resourceType: 'AuditEvent',
    id: input.id,
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
    subtype,
    action: ACTION[request.interaction],
    recorded: input.recorded,
    outcome: input.outcome,
    ...(input.outcomeDesc ? { outcomeDesc: input.outcomeDesc } : {}),
    ...(request.requester.purposeOfUse
      ? { purposeOfEvent: [{ coding: [{ system: PURPOSE_OF_USE, code: request.requester.purposeOfUse }] }] }
      : {}),
    agent: [
      userAgent(request),
      ...(organisation ? [organisation] : []),
      clientAgent(request),
      brokerAgent(broker),
    ],
    source: {
      site: broker.id,
      observer: { identifier: { system: ODS_CODE_SYSTEM, value: broker.odsCode }, display: broker.name },
      type: [{ system: SECURITY_SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: [
      ...(input.patient ? [patientEntity(input.patient)] : []),
      queryEntity(input),
      ...(input.about
        ? [
            {
              what: input.about,
              type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
              role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
            },
          ]
        : []),
      ...(input.view?.sources.map((s) => sourceEntity(s.source, s.outcome)) ?? []),
      ...(input.view?.identity ? [identityEntity(input.view.identity)] : []),
    ],
  };
}

/**
 * The security alert written beside an emergency (break-glass) view: DICOM 110113 Security Alert,
 * subtype 110127 Emergency Override Started, pointing at the view's AuditEvent.
 */
export function emergencyOverrideEvent(input: {
  readonly id: string;
  readonly recorded: string;
  readonly request: AuditRequest;
  readonly broker: AuditBroker;
  readonly patient: string;
  readonly viewEventId: string;
  readonly reason?: string;
}): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id: input.id,
    type: { system: DICOM, code: '110113', display: 'Security Alert' },
    subtype: [{ system: DICOM, code: '110127', display: 'Emergency Override Started' }],
    action: 'E',
    recorded: input.recorded,
    outcome: '0',
    ...(input.reason ? { outcomeDesc: input.reason } : {}),
    purposeOfEvent: [{ coding: [{ system: PURPOSE_OF_USE, code: 'ETREAT' }] }],
    agent: [userAgent(input.request), clientAgent(input.request), brokerAgent(input.broker)],
    source: {
      site: input.broker.id,
      observer: {
        identifier: { system: ODS_CODE_SYSTEM, value: input.broker.odsCode },
        display: input.broker.name,
      },
      type: [{ system: SECURITY_SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: [
      patientEntity(input.patient),
      {
        what: { reference: `AuditEvent/${input.viewEventId}` },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '13', display: 'Security Resource' },
      },
    ],
  };
}
