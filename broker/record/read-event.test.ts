import { readEncounter, readImmunization } from './read-event';
import type { ReaderContext } from './reader-context';

const ctx: ReaderContext = {
  resolve: (ref) =>
    ref === 'Organization/mh-org'
      ? { resourceType: 'Organization', id: 'mh-org', name: 'Thameside Mental Health NHS Foundation Trust' }
      : undefined,
  now: new Date('2026-10-01T00:00:00Z'),
};

describe('event readers', () => {
  it('when an encounter is read, then its type is the title and the service, provider, reason and outcome the detail', () => {
    const item = readEncounter(
      {
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'HH', display: 'home health' },
        type: [{ text: 'Home visit' }],
        serviceType: { text: 'Care coordinator home visit' },
        serviceProvider: { reference: 'Organization/mh-org' },
        reasonCode: [{ text: 'Low mood' }],
        period: { start: '2026-03-19T14:00:00Z', end: '2026-03-19T15:00:00Z' },
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2026-03-19T14:00:00Z',
      title: 'Home visit',
      detail: 'Care coordinator home visit · Thameside Mental Health NHS Foundation Trust · Low mood',
      status: 'finished',
    });
  });

  it('when an encounter has only a class, then the class is the title', () => {
    expect(
      readEncounter(
        { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB', display: 'ambulatory' } },
        ctx,
      ),
    ).toEqual({ title: 'ambulatory', status: 'finished' });
  });

  it('when a vaccination is read, then the vaccine, dose and route are shown', () => {
    expect(
      readImmunization(
        {
          resourceType: 'Immunization',
          status: 'completed',
          patient: { reference: 'Patient/1' },
          vaccineCode: { text: 'Influenza vaccine' },
          occurrenceDateTime: '2025-10-01',
          doseQuantity: { value: 0.5, unit: 'mL' },
          route: { text: 'Intramuscular' },
        },
        ctx,
      ),
    ).toEqual({
      date: '2025-10-01',
      title: 'Influenza vaccine',
      detail: '0.5 mL · Intramuscular',
      status: 'completed',
    });
  });
});
