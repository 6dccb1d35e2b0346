import type { Organization, Reference } from '@medplum/fhirtypes';
import { ODS_SYSTEM } from './code-systems';
import type { SimNodeId } from './types';

/** The organisation behind one simulated node. Names and ODS codes match config/demo.yaml. */
export interface SimOrganisation {
  readonly nodeId: SimNodeId;
  readonly name: string;
  readonly odsCode: string;
  /** Identifier system of the node's own patient ids. */
  readonly localIdSystem: string;
  /** Clinicians who author this node's entries (display only: the nodes serve no Practitioner). */
  readonly clinicians: readonly string[];
}

const LOCAL_ID_BASE = 'https://sim.hie-broker.org/Id';

export const SIM_ORGANISATIONS: Readonly<Record<SimNodeId, SimOrganisation>> = {
  gp: {
    nodeId: 'gp',
    name: 'Northbrook Health Centre',
    odsCode: 'Y90001',
    localIdSystem: `${LOCAL_ID_BASE}/gp-patient`,
    clinicians: [
      'Dr Sarah Okafor',
      'Dr James Whitfield',
      'Dr Meera Patel',
      'Nurse Helen Brooks',
      'Dr Tom Adeyemi',
    ],
  },
  acute: {
    nodeId: 'acute',
    name: 'Riverside University Hospitals NHS Trust',
    odsCode: 'R1X',
    localIdSystem: `${LOCAL_ID_BASE}/acute-patient`,
    clinicians: ['Dr Alan Moss', 'Dr Fiona Grant', 'Mr Rajesh Iyer', 'Dr Chloe Barker', 'Dr Samuel Osei'],
  },
  'mental-health': {
    nodeId: 'mental-health',
    name: 'Thameside Mental Health NHS Foundation Trust',
    odsCode: 'R1Y',
    localIdSystem: `${LOCAL_ID_BASE}/mental-health-patient`,
    clinicians: ['Dr Naomi Kerr', 'Dr Peter Lindqvist', 'Joanne Reid (CPN)', 'Marcus Bell (Social Worker)'],
  },
  ambulance: {
    nodeId: 'ambulance',
    name: 'Capital Ambulance Service NHS Trust',
    odsCode: 'R1Z',
    localIdSystem: `${LOCAL_ID_BASE}/ambulance-patient`,
    clinicians: ['Paramedic Dan Hughes', 'Paramedic Aisha Rahman', 'Paramedic Lee Carter', 'EMT Rosa Diaz'],
  },
  'neighbouring-ics': {
    nodeId: 'neighbouring-ics',
    name: 'North Thames Shared Care Record',
    odsCode: 'Q9X',
    localIdSystem: `${LOCAL_ID_BASE}/neighbouring-ics-patient`,
    clinicians: ['Dr Ruth Ansah', 'Dr Oliver Grey', 'Dr Hannah Liu', 'Nurse Paul Evans'],
  },
};

/** A reference to the organisation by ODS code and name: the nodes serve no Organization resources. */
export function organisationReference(organisation: SimOrganisation): Reference<Organization> {
  return { identifier: { system: ODS_SYSTEM, value: organisation.odsCode }, display: organisation.name };
}
