import type { PatientView } from '../view/patient-view';
import { OutcomeError } from '../../core/outcome-error';

/**
 * The error for a view that cannot be shown: 503 when no source that answered knows the patient and
 * some could not answer (never an empty record that looks complete); 404 when no source knows them
 * and the endpoint reads one patient. The view's source statuses follow the first issue.
 */
export function assertViewAvailable(view: PatientView, options: { notFoundIs404: boolean }): void {
  if (view.availability === 'unavailable') {
    throw new OutcomeError('unavailable', {
      ...view.outcome,
      issue: [
        {
          severity: 'error',
          code: 'transient',
          details: {
            text: 'No source that answered knows this patient, and at least one source could not be reached. Try again shortly.',
          },
        },
        ...(view.outcome.issue ?? []),
      ],
    });
  }
  if (view.availability === 'not-found' && options.notFoundIs404) {
    throw new OutcomeError('not-found', {
      ...view.outcome,
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          details: { text: 'No source holds a record for this NHS number.' },
        },
        ...(view.outcome.issue ?? []),
      ],
    });
  }
}
