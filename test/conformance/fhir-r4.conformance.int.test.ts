import { FhirR4Adapter } from '../../adapters/fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { FHIR_SEARCH_BY } from '../../core/source-contract';
import { startFhirNode } from '../../sim/fhir-node';
import { describeAdapterConformance } from './adapter-conformance';

// Both ways of searching a FHIR R4 source meet the same contract.
for (const searchBy of FHIR_SEARCH_BY) {
  describeAdapterConformance({
    name: searchBy === 'type' ? 'FHIR R4' : `FHIR R4 (searched by ${searchBy})`,
    datasetNode: 'acute',
    resourceTypes: ['Condition', 'Observation', 'Encounter'],
    startNode: (dataset) => startFhirNode({ dataset }),
    createAdapter: async (node, limits) =>
      new FhirR4Adapter({
        source: {
          id: 'acute',
          kind: 'fhir-r4',
          name: 'Riverside',
          odsCode: 'R1X',
          baseUrl: node.baseUrl,
          supplies: ['Condition', 'Observation', 'Encounter'],
        },
        client: new SourceHttpClient({ maxSockets: 8, ...limits, userAgent: 'conformance' }),
        maxPages: 5,
        pageSize: 50,
        searchBy,
        onFault: (error) => {
          throw error;
        },
      }),
  });
}
