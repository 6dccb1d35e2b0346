import { readAppointment } from './read-appointment';
import type { ReaderContext } from './reader-context';

const ctx: ReaderContext = { resolve: () => undefined, now: new Date('2026-10-01T00:00:00Z') };

describe('readAppointment', () => {
  it('when an appointment is in the future, then it is flagged upcoming and names the service and clinician', () => {
    const item = readAppointment(
      {
        resourceType: 'Appointment',
        status: 'booked',
        serviceType: [{ text: 'Psychiatry outpatient clinic' }],
        description: 'Six-monthly medication review',
        start: '2026-12-03T11:30:00Z',
        participant: [
          { actor: { reference: 'Patient/9000000009' }, status: 'accepted' },
          { actor: { display: 'Dr Naomi Kerr' }, status: 'accepted' },
        ],
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2026-12-03T11:30:00Z',
      title: 'Psychiatry outpatient clinic',
      detail: 'Six-monthly medication review · Dr Naomi Kerr',
      status: 'booked',
      upcoming: true,
    });
  });

  it('when it is past and has only a description, then the description is the title and it is not upcoming', () => {
    const item = readAppointment(
      {
        resourceType: 'Appointment',
        status: 'fulfilled',
        description: 'Diabetes follow-up',
        start: '2026-03-03T10:30:00Z',
        participant: [{ status: 'accepted' }],
      },
      ctx,
    );

    expect(item).toEqual({ date: '2026-03-03T10:30:00Z', title: 'Diabetes follow-up', status: 'fulfilled' });
  });
});
