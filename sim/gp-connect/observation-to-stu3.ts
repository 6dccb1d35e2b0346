import type { Observation, ObservationComponent } from '@medplum/fhirtypes';
import { practitionerReference } from './practice-directory';
import { gpcMeta, toStu3Values } from './stu3-values';

/** An observation as GP Connect sends it: one interpretation, the note as `comment`, the encounter as `context`. */
export function observationToStu3(observation: Observation): object {
  const { meta, interpretation, note, encounter, performer, component, hasMember, derivedFrom, ...rest } =
    observation;
  const comment = (note ?? []).map((n) => n.text ?? '').join('\n');
  const related = [
    ...(hasMember ?? []).map((target) => ({ type: 'has-member', target })),
    ...(derivedFrom ?? []).map((target) => ({ type: 'derived-from', target })),
  ];
  return {
    ...toStu3Values(rest),
    meta: gpcMeta(meta, 'CareConnect-GPC-Observation-1'),
    ...(interpretation?.[0] ? { interpretation: toStu3Values(interpretation[0]) } : {}),
    ...(comment ? { comment } : {}),
    ...(encounter ? { context: encounter } : {}),
    ...(performer ? { performer: performer.map((p) => practitionerReference(p)) } : {}),
    ...(component ? { component: component.map(componentToStu3) } : {}),
    ...(related.length > 0 ? { related } : {}),
  };
}

function componentToStu3(component: ObservationComponent): object {
  const { interpretation, ...rest } = component;
  return {
    ...toStu3Values(rest),
    ...(interpretation?.[0] ? { interpretation: toStu3Values(interpretation[0]) } : {}),
  };
}

/** Results of one sample are filed together: one DiagnosticReport per sampling time, naming its results. */
export function diagnosticReports(results: readonly Observation[], patientReference: string): object[] {
  const byTime = new Map<string, Observation[]>();
  for (const result of results) {
    const key = result.effectiveDateTime ?? result.id ?? '';
    byTime.set(key, [...(byTime.get(key) ?? []), result]);
  }
  return [...byTime.values()].map((group) => {
    const first = group[0]!;
    return {
      resourceType: 'DiagnosticReport',
      id: `report-${first.id ?? 'unknown'}`,
      meta: gpcMeta(first.meta, 'CareConnect-GPC-DiagnosticReport-1'),
      status: 'final',
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '721981007', display: 'Diagnostic studies report' },
        ],
      },
      subject: { reference: patientReference },
      ...(first.issued ? { issued: first.issued } : {}),
      ...(first.performer?.[0] ? { performer: [{ actor: first.performer[0] }] } : {}),
      result: group.map((o) => ({ reference: `Observation/${o.id ?? ''}` })),
    };
  });
}
