import { UpstreamFailure } from '../upstream-failure';
import type { EpcrPatient } from './epcr-schema';
import { matchEpcrPatient } from './match-epcr-patient';

const AMELIA: EpcrPatient = {
  patientId: 'P-1',
  nhsNumber: '9000000009',
  nhsNumberVerified: true,
  name: { given: ['Amelia'], family: 'Clarke' },
  dateOfBirth: '1957-03-14',
  sex: 'female',
};

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof UpstreamFailure) return error.issue.reason;
    throw error;
  }
  return undefined;
}

describe('matchEpcrPatient', () => {
  it('when the list is empty, then there is no match', () => {
    expect(matchEpcrPatient([], '9000000009')).toBeNull();
  });

  it('when one patient carries the NHS number, then that patient is the match', () => {
    expect(matchEpcrPatient([AMELIA], '9000000009')).toBe(AMELIA);
  });

  it('when the only patient carries another NHS number, then it is a patient mismatch', () => {
    expect(reasonOf(() => matchEpcrPatient([{ ...AMELIA, nhsNumber: '9000000017' }], '9000000009'))).toBe(
      'patient-mismatch',
    );
  });

  it('when two patients carry the NHS number, then the patient is ambiguous', () => {
    expect(reasonOf(() => matchEpcrPatient([AMELIA, { ...AMELIA, patientId: 'P-2' }], '9000000009'))).toBe(
      'ambiguous-patient',
    );
  });

  it('when the patient id cannot be a FHIR id, then the response is refused and the text names nobody', () => {
    let issueText = '';
    try {
      matchEpcrPatient([{ ...AMELIA, patientId: 'P 1/../x' }], '9000000009');
    } catch (error) {
      issueText = error instanceof UpstreamFailure ? error.issue.text : '';
    }

    expect(issueText).toMatch(/valid id/);
    expect(issueText).not.toMatch(/9000000009|Amelia|Clarke/);
  });
});
