import type { PatientView } from '../view/patient-view';
import type { ItemSource, RecordDisagreement } from './record-types';

/** The merge's disagreements between sources, with each source named as items name theirs. */
export function recordDisagreements(
  view: PatientView,
  describe: (sourceId: string) => ItemSource,
): RecordDisagreement[] {
  return view.disagreements.map((d) => ({
    kind: d.kind,
    text: d.text,
    sources: d.sourceIds.map(describe),
    references: [...d.references],
  }));
}
