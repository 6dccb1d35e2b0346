import { readAllergy } from './read-allergy';

describe('readAllergy', () => {
  it('when an allergy has reactions and a criticality, then each reaction is shown with its severity', () => {
    const item = readAllergy({
      resourceType: 'AllergyIntolerance',
      patient: { reference: 'Patient/1' },
      code: { coding: [{ display: 'Penicillin' }], text: 'Penicillin' },
      clinicalStatus: { coding: [{ code: 'active' }] },
      criticality: 'low',
      onsetDateTime: '1998-05-20',
      recordedDate: '1998-05-22',
      reaction: [
        { manifestation: [{ text: 'Eruption of skin' }, { text: 'Itch' }], severity: 'moderate' },
        { manifestation: [], description: 'Wheeze' },
      ],
    });

    expect(item).toEqual({
      date: '1998-05-20',
      title: 'Penicillin',
      detail: 'Eruption of skin, Itch (moderate); Wheeze · Criticality: low',
      status: 'active',
    });
  });

  it('when only the substance is known, then only the title is given', () => {
    expect(
      readAllergy({
        resourceType: 'AllergyIntolerance',
        patient: { reference: 'Patient/1' },
        code: { text: 'Latex' },
      }),
    ).toEqual({ title: 'Latex' });
  });
});
