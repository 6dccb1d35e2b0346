/*
 * The ePCR API v1 as the simulated ambulance service writes it. A simulator keeps its own copy of the
 * wire format it serves, as a real counterparty would (the GP Connect simulator does the same): the
 * adapter's schema (adapters/ambulance-epcr/epcr-schema.ts) is the reader's, this is the writer's, and a
 * disagreement between them shows as a failing conformance test rather than agreeing with itself.
 */

export interface EpcrPatient {
  patientId: string;
  nhsNumber: string;
  nhsNumberVerified: boolean;
  name: { given: string[]; family: string };
  /** ISO date. */
  dateOfBirth: string;
  sex: 'male' | 'female' | 'indeterminate' | 'unknown';
}

/** ACVPU: Alert, new Confusion, Voice, Pain, Unresponsive. */
export type AcvpuCode = 'A' | 'C' | 'V' | 'P' | 'U';

export interface ObservationSet {
  takenAt: string;
  respiratoryRate?: number;
  spo2?: number;
  spo2Scale?: 1 | 2;
  onSupplementalOxygen?: boolean;
  systolicBp?: number;
  diastolicBp?: number;
  heartRate?: number;
  consciousness?: AcvpuCode;
  temperatureC?: number;
  gcsTotal?: number;
  bloodGlucoseMmolL?: number;
  painScore?: number;
  news2Score?: number;
}

export interface DrugAdministration {
  drugName: string;
  dmdCode?: string;
  dose: { value: number; unit: string };
  route: string;
  administeredAt: string;
  administeredBy: string;
}

export interface Conveyance {
  conveyed: boolean;
  destination?: { name: string; odsCode?: string };
  reasonNotConveyed?: string;
}

export interface Incident {
  incidentId: string;
  patientId: string;
  callReceivedAt: string;
  atPatientAt: string;
  leftSceneAt?: string;
  handoverAt?: string;
  category: number;
  location: { description: string; postcodeDistrict?: string };
  presentingComplaint: string;
  clinicalImpression: { text: string; snomedCode?: string };
  observations: ObservationSet[];
  drugsAdministered: DrugAdministration[];
  conveyance: Conveyance;
  handoverNote?: string;
  crew: { role: string }[];
  lastUpdated: string;
}

export interface PatientSearchResponse {
  patients: EpcrPatient[];
}

export interface IncidentPage {
  incidents: Incident[];
  nextCursor?: string | null;
}

export interface EpcrError {
  error: { code: string; message: string };
}
