import type { Resource } from '@medplum/fhirtypes';
import type { RecordResourceType } from '../../core/fhir/resource-types';
import {
  baseUrlOf,
  type AdapterContext,
  type PatientQuery,
  type SourceAdapter,
  type SourceDescriptor,
  type SourceIssue,
  type SourceOutcome,
} from '../../core/source-contract';
import type { SourceHttpClient } from '../http/source-http-client';
import { settleOutcome } from '../settle-outcome';
import { collectIncidents } from './collect-incidents';
import type { Incident } from './epcr-schema';
import { searchEpcrPatients, type EpcrEndpoint } from './epcr-requests';
import { matchEpcrPatient } from './match-epcr-patient';
import { EPCR_RESOURCE_TYPES, incidentToR4 } from './to-r4/incident-to-r4';
import { toR4Patient } from './to-r4/patient';

export interface AmbulanceEpcrAdapterOptions {
  readonly source: SourceDescriptor;
  readonly client: SourceHttpClient;
  /** The ePCR API key, already resolved from its secret reference; sent as X-API-Key. */
  readonly apiKey?: string;
  /** How many incident pages one query follows. */
  readonly maxPages: number;
  /** Incidents per page, sent as `limit`. */
  readonly pageSize: number;
  /** Where faults of the adapter itself (bugs, not upstream failures) are recorded. */
  readonly onFault: (error: unknown) => void;
}

/**
 * An ambulance trust's ePCR JSON API: finds the patient by NHS number, pages through their incidents,
 * and maps each to FHIR R4 (Encounter, Observations, Condition, MedicationAdministrations,
 * DocumentReference). Incidents the source files under another patient are dropped and reported.
 */
export class AmbulanceEpcrAdapter implements SourceAdapter {
  readonly source: SourceDescriptor;
  private readonly endpoint: EpcrEndpoint;

  constructor(private readonly options: AmbulanceEpcrAdapterOptions) {
    this.source = options.source;
    this.endpoint = {
      client: options.client,
      baseUrl: options.source.baseUrl,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    };
  }

  fetch(query: PatientQuery, ctx: AdapterContext): Promise<SourceOutcome> {
    return settleOutcome(
      { sourceId: this.source.id, signal: ctx.signal, onFault: this.options.onFault },
      async () => {
        const endpoint = { ...this.endpoint, baseUrl: baseUrlOf(this.source, ctx) };
        const { patients } = await searchEpcrPatients(endpoint, query.nhsNumber, ctx);
        const found = matchEpcrPatient(patients, query.nhsNumber);
        if (!found) return { status: 'no-match' };
        const patient = toR4Patient(found);
        const wanted = this.wantedTypes(query);
        const resources: Resource[] = [];
        const warnings: SourceIssue[] = [];
        if (wanted.length > 0) {
          const collected = await collectIncidents(
            endpoint,
            {
              patientId: patient.id,
              maxPages: this.options.maxPages,
              pageSize: this.options.pageSize,
              ...(query.since ? { from: query.since } : {}),
            },
            ctx,
          );
          warnings.push(...collected.warnings);
          const { own, others } = splitByPatient(collected.incidents, patient.id);
          if (others > 0) warnings.push(otherPatientWarning(others));
          const organisation = { odsCode: this.source.odsCode, name: this.source.name };
          for (const incident of own)
            resources.push(...incidentToR4(incident, { patientId: patient.id, organisation, types: wanted }));
        }
        return { status: 'ok', record: { patient, resources }, warnings };
      },
    );
  }

  close(): Promise<void> {
    return this.options.client.close();
  }

  private wantedTypes(query: PatientQuery): RecordResourceType[] {
    return query.resourceTypes.filter(
      (type) =>
        this.source.supplies.includes(type) && (EPCR_RESOURCE_TYPES as readonly string[]).includes(type),
    );
  }
}

/** Incidents filed under this patient, and how many carried someone else's patient id. */
function splitByPatient(
  incidents: readonly Incident[],
  patientId: string,
): { own: Incident[]; others: number } {
  const own = incidents.filter((incident) => incident.patientId === patientId);
  return { own, others: incidents.length - own.length };
}

function otherPatientWarning(count: number): SourceIssue {
  return {
    severity: 'warning',
    code: 'business-rule',
    reason: 'other-patient',
    text: `incident search: ${count} ${count === 1 ? 'incident belonged' : 'incidents belonged'} to another patient and ${count === 1 ? 'was' : 'were'} withheld`,
  };
}
