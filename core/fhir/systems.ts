/** Identifier and code systems used at the broker's edges. */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** The broker's own canonical base for the code systems and extensions it defines. */
export const BROKER_CANONICAL = 'https://fhir.hie-broker.org';
export const SOURCE_STATUS_SYSTEM = `${BROKER_CANONICAL}/CodeSystem/source-status`;
export const SOURCE_ISSUE_SYSTEM = `${BROKER_CANONICAL}/CodeSystem/source-issue`;
export const SOURCE_EXTENSION_URL = `${BROKER_CANONICAL}/StructureDefinition/source`;
/** On an issue a peer broker reported about one of its sources: that source, as the peer attributed it. */
export const NESTED_SOURCE_EXTENSION_URL = `${BROKER_CANONICAL}/StructureDefinition/nested-source`;
/** Local identifiers a source holds for the patient are given this system, suffixed by the source id. */
export const SOURCE_LOCAL_ID_SYSTEM_BASE = `${BROKER_CANONICAL}/Id/source-patient`;
