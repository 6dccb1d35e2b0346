import type { Coding, Identifier, Patient } from '@medplum/fhirtypes';
import type { SourceDescriptor } from '../../core/source-contract';
import { NHS_NUMBER_SYSTEM, ODS_CODE_SYSTEM, SOURCE_LOCAL_ID_SYSTEM_BASE } from '../../core/fhir/systems';
import type { ReferenceRewriter } from './reference-rewriter';

export interface PatientContribution {
  readonly source: SourceDescriptor;
  readonly patient: Patient & { id: string };
  readonly rewriter: ReferenceRewriter;
}

export function sourceTag(source: SourceDescriptor): Coding {
  return { system: ODS_CODE_SYSTEM, code: source.odsCode, display: source.name };
}

/**
 * The one Patient of the view. Its demographics are the first contributing source's, unchanged;
 * its identifiers are every source's, plus each source's local id, so the person can be traced
 * into every system that knows them.
 */
export function mergedPatient(
  nhsNumber: string,
  contributions: readonly PatientContribution[],
): Patient | null {
  const [first] = contributions;
  if (!first) return null;
  const patient = first.rewriter.copy(first.patient);

  const identifiers: Identifier[] = [];
  const seen = new Set<string>();
  const add = (identifier: Identifier): void => {
    const key = `${identifier.system ?? ''}|${identifier.value ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    identifiers.push(identifier);
  };
  add({ system: NHS_NUMBER_SYSTEM, value: nhsNumber });
  for (const { source, patient: sourcePatient, rewriter } of contributions) {
    for (const identifier of sourcePatient.identifier ?? []) {
      if (identifier.system === NHS_NUMBER_SYSTEM) continue;
      add(rewriter.copy(identifier));
    }
    add({
      system: `${SOURCE_LOCAL_ID_SYSTEM_BASE}/${source.id}`,
      value: sourcePatient.id,
      assigner: { identifier: { system: ODS_CODE_SYSTEM, value: source.odsCode }, display: source.name },
    });
  }
  // The NHS number entry keeps the representative source's own extensions (e.g. verification status).
  const nhsFromSource = first.patient.identifier?.find(
    (i) => i.system === NHS_NUMBER_SYSTEM && i.value === nhsNumber,
  );
  if (nhsFromSource) identifiers[0] = first.rewriter.copy(nhsFromSource);

  return {
    ...patient,
    id: nhsNumber,
    meta: {
      ...(first.patient.meta ?? {}),
      source: `${first.source.baseUrl}/Patient/${first.patient.id}`,
      tag: [...(first.patient.meta?.tag ?? []), ...contributions.map((c) => sourceTag(c.source))],
    },
    identifier: identifiers,
  };
}
