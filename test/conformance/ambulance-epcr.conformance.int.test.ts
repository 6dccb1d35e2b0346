import { AmbulanceEpcrAdapter } from '../../adapters/ambulance-epcr/ambulance-epcr-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { startAmbulanceEpcrNode } from '../../sim/ambulance-epcr-node';
import { describeAdapterConformance } from './adapter-conformance';

const API_KEY = 'conformance-epcr-key';

describeAdapterConformance({
  name: 'Ambulance ePCR',
  datasetNode: 'ambulance',
  resourceTypes: ['Encounter', 'Observation', 'Condition', 'DocumentReference', 'MedicationAdministration'],
  startNode: (dataset) => startAmbulanceEpcrNode({ dataset, apiKey: API_KEY }),
  createAdapter: async (node, limits) =>
    new AmbulanceEpcrAdapter({
      source: {
        id: 'ambulance',
        kind: 'ambulance-epcr',
        name: 'Capital Ambulance Service NHS Trust',
        odsCode: 'R1Z',
        baseUrl: node.baseUrl,
        supplies: ['Encounter', 'Observation', 'Condition', 'DocumentReference', 'MedicationAdministration'],
      },
      client: new SourceHttpClient({ maxSockets: 8, ...limits, userAgent: 'conformance' }),
      apiKey: API_KEY,
      maxPages: 5,
      pageSize: 50,
      onFault: (error) => {
        throw error;
      },
    }),
});
