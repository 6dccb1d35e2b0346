import type { Provenance, Reference } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../core/source-contract';
import { ODS_CODE_SYSTEM } from '../../core/fhir/systems';
import { namespacedId } from './namespaced-id';

const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

export interface BrokerIdentity {
  readonly name: string;
  readonly odsCode: string;
}

/** One Provenance per contributing source: which organisation's system held each entry, and who assembled the view. */
export function sourceProvenance(options: {
  source: SourceDescriptor;
  broker: BrokerIdentity;
  targets: readonly Reference[];
  recorded: string;
}): Provenance {
  const { source, broker } = options;
  return {
    resourceType: 'Provenance',
    id: namespacedId(source.id, 'provenance'),
    target: [...options.targets],
    recorded: options.recorded,
    agent: [
      {
        type: { coding: [{ system: PARTICIPANT_TYPE, code: 'custodian', display: 'Custodian' }] },
        who: { identifier: { system: ODS_CODE_SYSTEM, value: source.odsCode }, display: source.name },
      },
      {
        type: { coding: [{ system: PARTICIPANT_TYPE, code: 'assembler', display: 'Assembler' }] },
        who: { identifier: { system: ODS_CODE_SYSTEM, value: broker.odsCode }, display: broker.name },
      },
    ],
    entity: [{ role: 'source', what: { display: `${source.name} (${source.baseUrl})` } }],
  };
}
