import { GpConnectAdapter } from '../../adapters/gp-connect/gp-connect-adapter';
import { SourceHttpClient } from '../../adapters/http/source-http-client';
import { startGpConnectNode } from '../../sim/gp-connect-node';
import { describeAdapterConformance } from './adapter-conformance';

describeAdapterConformance({
  name: 'GP Connect',
  datasetNode: 'gp',
  resourceTypes: ['Condition', 'MedicationStatement', 'AllergyIntolerance', 'Observation'],
  startNode: (dataset) => startGpConnectNode({ dataset }),
  createAdapter: async (node, limits) =>
    new GpConnectAdapter({
      source: {
        id: 'gp',
        kind: 'gp-connect',
        name: 'Northbrook Health Centre',
        odsCode: 'Y90001',
        baseUrl: node.baseUrl,
        supplies: ['Condition', 'MedicationStatement', 'AllergyIntolerance', 'Observation'],
      },
      client: new SourceHttpClient({ maxSockets: 8, ...limits, userAgent: 'conformance' }),
      config: {
        fromAsid: '200000000359',
        toAsid: '918999198738',
        includeResolvedAllergies: true,
        medicationMonths: 24,
        includeConsultations: true,
        includeImmunisations: true,
        includeInvestigations: true,
        includeReferrals: true,
        includeUncategorisedData: true,
      },
      onFault: (error) => {
        throw error;
      },
    }),
});
