import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import type { GpcSection, GpConnectOptions } from './gp-connect-sections';

/** A FHIR STU3 `Parameters` resource, as `$gpc.getstructuredrecord` takes it. */
export interface GpcParameters {
  readonly resourceType: 'Parameters';
  readonly parameter: readonly GpcParameter[];
}

export interface GpcParameter {
  readonly name: string;
  readonly valueIdentifier?: { readonly system: string; readonly value: string };
  readonly valueBoolean?: boolean;
  readonly valueDate?: string;
  readonly part?: readonly GpcParameter[];
}

/**
 * The operation's body: the NHS number and one parameter per wanted area, with the part parameters the
 * specification makes mandatory (resolved allergies, prescription issues) and the medication search date.
 */
export function structuredRecordParameters(request: {
  readonly nhsNumber: string;
  readonly sections: readonly GpcSection[];
  readonly options: GpConnectOptions;
  /** Prescription issues (MedicationRequests with intent `order`) are asked for only when they are wanted. */
  readonly includePrescriptionIssues: boolean;
  readonly now: Date;
}): GpcParameters {
  const { options } = request;
  const parameter: GpcParameter[] = [
    { name: 'patientNHSNumber', valueIdentifier: { system: NHS_NUMBER_SYSTEM, value: request.nhsNumber } },
  ];
  for (const section of request.sections) {
    if (section === 'includeAllergies') {
      parameter.push({
        name: section,
        part: [{ name: 'includeResolvedAllergies', valueBoolean: options.includeResolvedAllergies }],
      });
    } else if (section === 'includeMedication') {
      parameter.push({
        name: section,
        part: [
          { name: 'includePrescriptionIssues', valueBoolean: request.includePrescriptionIssues },
          ...(options.medicationMonths !== undefined
            ? [
                {
                  name: 'medicationSearchFromDate',
                  valueDate: monthsBefore(request.now, options.medicationMonths),
                },
              ]
            : []),
        ],
      });
    } else parameter.push({ name: section });
  }
  return { resourceType: 'Parameters', parameter };
}

/** A whole date (YYYY-MM-DD, UTC) `months` before `now`; the day is clamped to the target month's last day. */
export function monthsBefore(now: Date, months: number): string {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const date = new Date(Date.UTC(year, month, Math.min(now.getUTCDate(), lastDay)));
  return date.toISOString().slice(0, 10);
}
