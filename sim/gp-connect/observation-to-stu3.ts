import type { Observation, ObservationComponent } from '@medplum/fhirtypes';
import { practitionerReference } from './practice-directory';
import { gpcMeta, toStu3Values } from './stu3-values';
import {
  PANEL_REPORTS,
  SECTION_DISPLAY,
  SPECIMEN_TYPES,
  panelConcept,
  panelOfLoinc,
} from '../population/catalogue/pathology-reports';

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

const SNOMED = 'http://snomed.info/sct';

/**
 * Results as GP Connect files investigations: one test report (DiagnosticReport) per panel and sample, with
 * its Specimen; a panel of several tests has a test group header (an Observation whose `related` has-member
 * links name its results); a report with an abnormal result carries the GP's filing comment (an Observation
 * coded 37331000000100 |Comment note|, status unknown). `result` names the group header or the single result,
 * then the filing comment.
 */
export function diagnosticReports(results: readonly Observation[], patientReference: string): object[] {
  const groups = new Map<string, Observation[]>();
  for (const result of results) {
    const panel = panelOfLoinc(result.code.coding?.[0]?.code) ?? result.id ?? '';
    const key = `${panel}@${result.effectiveDateTime ?? result.id ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  const out: object[] = [];
  for (const [key, group] of groups) {
    const first = group[0]!;
    const id = first.id ?? 'unknown';
    const panelKey = key.slice(0, key.indexOf('@'));
    const panel = PANEL_REPORTS[panelKey as keyof typeof PANEL_REPORTS];
    const subject = { reference: patientReference };
    const performer = first.performer?.[0] ? practitionerReference(first.performer[0]) : undefined;
    const specimen = {
      resourceType: 'Specimen',
      id: `specimen-${id}`,
      meta: gpcMeta(first.meta, 'CareConnect-GPC-Specimen-1'),
      ...(panel ? { type: toStu3Values(SPECIMEN_TYPES[panel.specimen]) } : {}),
      subject,
      ...(first.effectiveDateTime ? { collection: { collectedDateTime: first.effectiveDateTime } } : {}),
    };
    const entries: { reference: string }[] = [];
    if (group.length > 1 && panel) {
      const header = {
        resourceType: 'Observation',
        id: `group-${id}`,
        meta: gpcMeta(first.meta, 'CareConnect-GPC-Observation-1'),
        status: 'final',
        code: toStu3Values(panelConcept(panel)),
        subject,
        ...(first.effectiveDateTime ? { effectiveDateTime: first.effectiveDateTime } : {}),
        ...(first.issued ? { issued: first.issued } : {}),
        related: group.map((o) => ({
          type: 'has-member',
          target: { reference: `Observation/${o.id ?? ''}` },
        })),
      };
      out.push(header);
      entries.push({ reference: `Observation/${header.id}` });
    } else entries.push(...group.map((o) => ({ reference: `Observation/${o.id ?? ''}` })));
    const abnormal = group.some((o) =>
      o.interpretation?.some((i) => i.coding?.some((c) => c.code && c.code !== 'N')),
    );
    if (abnormal) {
      const comment = {
        resourceType: 'Observation',
        id: `filing-${id}`,
        meta: gpcMeta(first.meta, 'CareConnect-GPC-Observation-1'),
        status: 'unknown',
        code: { coding: [{ system: SNOMED, code: '37331000000100', display: 'Comment note' }] },
        subject,
        ...(first.issued ? { effectiveDateTime: first.issued, issued: first.issued } : {}),
        ...(performer ? { performer: [performer] } : {}),
        comment: 'Abnormal result reviewed - discuss at next diabetes and kidney review',
      };
      out.push(comment);
      entries.push({ reference: `Observation/${comment.id}` });
    }
    out.push(specimen, {
      resourceType: 'DiagnosticReport',
      id: `report-${id}`,
      meta: gpcMeta(first.meta, 'CareConnect-GPC-DiagnosticReport-1'),
      status: 'final',
      ...(panel
        ? {
            category: {
              coding: [
                {
                  system: 'http://hl7.org/fhir/v2/0074',
                  code: panel.section,
                  display: SECTION_DISPLAY[panel.section],
                },
              ],
            },
          }
        : {}),
      code: panel
        ? toStu3Values(panelConcept(panel))
        : { coding: [{ system: SNOMED, code: '721981007', display: 'Diagnostic studies report' }] },
      subject,
      ...(first.effectiveDateTime ? { effectiveDateTime: first.effectiveDateTime } : {}),
      ...(first.issued ? { issued: first.issued } : {}),
      ...(performer ? { performer: [{ actor: performer }] } : {}),
      specimen: [{ reference: `Specimen/${specimen.id}` }],
      result: entries,
    });
  }
  return out;
}
