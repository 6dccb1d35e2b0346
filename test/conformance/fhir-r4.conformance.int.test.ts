import { FhirR4Adapter } from '../../adapters/fhir-r4/fhir-r4-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { startFhirNode } from '../../sim/fhir-node';
import { describeAdapterConformance } from './adapter-conformance';

describeAdapterConformance({
  name: 'FHIR R4',
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
      onFault: (error) => {
        throw error;
      },
    }),
});
