import { readCarePlan, readServiceRequest } from './read-care-plan';
import type { ReaderContext } from './reader-context';

const ctx: ReaderContext = { resolve: () => undefined, now: new Date('2026-10-01T00:00:00Z') };

describe('care plan readers', () => {
  it('when a care plan has activities, then each is listed with its status', () => {
    const item = readCarePlan(
      {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/1' },
        title: 'Crisis and contingency plan',
        description: 'What to do if her mood drops.',
        period: { start: '2024-02-01' },
        created: '2024-01-30',
        author: { display: 'Joanne Reid (CPN)' },
        activity: [
          { detail: { status: 'in-progress', description: 'Call the care coordinator' } },
          { detail: { status: 'completed', code: { text: 'CBT referral' } } },
        ],
      },
      ctx,
    );

    expect(item).toEqual({
      date: '2024-02-01',
      title: 'Crisis and contingency plan',
      detail:
        'What to do if her mood drops. · Call the care coordinator (in-progress); CBT referral (completed) · Joanne Reid (CPN)',
      status: 'active',
    });
  });

  it('when a plan has no title or period, then its category and creation date are used', () => {
    expect(
      readCarePlan(
        {
          resourceType: 'CarePlan',
          status: 'draft',
          intent: 'plan',
          subject: { reference: 'Patient/1' },
          category: [{ text: 'Care Programme Approach' }],
          created: '2019-06-10',
        },
        ctx,
      ),
    ).toEqual({ date: '2019-06-10', title: 'Care Programme Approach', status: 'draft' });
  });

  it('when a referral is read, then it says what, why and to whom', () => {
    expect(
      readServiceRequest(
        {
          resourceType: 'ServiceRequest',
          status: 'active',
          intent: 'order',
          subject: { reference: 'Patient/1' },
          code: { text: 'Referral to falls clinic' },
          reasonCode: [{ text: 'Falls' }],
          performer: [{ display: 'Community falls service' }],
          authoredOn: '2025-12-21',
        },
        ctx,
      ),
    ).toEqual({
      date: '2025-12-21',
      title: 'Referral to falls clinic',
      detail: 'Falls · Community falls service',
      status: 'active',
    });
  });
});
