import { readCondition } from './read-condition';

describe('readCondition', () => {
  it('when a condition is provisional with a severity and note, then the detail says so and the status is its clinical status', () => {
    const item = readCondition({
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '385093006' }],
        text: 'Community acquired pneumonia',
      },
      clinicalStatus: { coding: [{ code: 'active', display: 'Active' }] },
      verificationStatus: { coding: [{ code: 'provisional', display: 'Provisional' }] },
      severity: { coding: [{ display: 'Moderate' }] },
      onsetDateTime: '2026-09-12T10:02:00Z',
      recordedDate: '2026-09-12T11:20:00Z',
      note: [{ text: 'Clinical impression of the attending ambulance crew' }],
    });

    expect(item).toEqual({
      date: '2026-09-12T10:02:00Z',
      title: 'Community acquired pneumonia',
      detail: 'Moderate · Provisional · Clinical impression of the attending ambulance crew',
      status: 'active',
    });
  });

  it('when there is no onset, then it is dated when recorded; a confirmed status adds nothing; a code without text gives no title', () => {
    const item = readCondition({
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
      verificationStatus: { coding: [{ code: 'confirmed', display: 'Confirmed' }] },
      recordedDate: '2012-06-18',
    });

    expect(item).toEqual({ date: '2012-06-18' });
  });
});
