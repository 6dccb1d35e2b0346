import { r4Errors } from '../../test/support/fhir-validator';
import { notificationBundle } from './notification-bundle';
import { subscriptionResource, type SubscriptionRecord } from './subscription-record';

const subscription: SubscriptionRecord = {
  id: '6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b',
  status: 'active',
  owner: 'riverside-ed',
  ownerOds: 'R1X',
  topic: 'ambulance-arrival',
  filterOds: 'R1X',
  endpoint: 'https://ed.example.nhs.uk/notifications',
  heartbeatSeconds: 60,
  reason: 'Patients coming to our ED',
  created: '2026-12-05T01:00:00.000Z',
};

describe('notification bundles', () => {
  it('when an event notification is built, then it is a valid R4 history Bundle whose first entry is the SubscriptionStatus', () => {
    const bundle = notificationBundle({
      baseUrl: 'https://hie.example.nhs.uk/fhir',
      subscription,
      type: 'event-notification',
      eventsSinceStart: 3,
      events: [
        {
          eventNumber: 3,
          event: {
            topic: 'ambulance-arrival',
            event: 'conveying',
            nhsNumber: '9000000009',
            occurredAt: '2026-12-05T01:02:03.000Z',
            source: {
              clientId: 'capital-ambulance',
              name: 'Capital Ambulance Service NHS Trust',
              odsCode: 'R1Z',
            },
            sourceId: 'INC-1',
            filterOds: 'R1X',
            eta: '2026-12-05T01:15:00.000Z',
          },
        },
      ],
    });
    expect(r4Errors(bundle)).toEqual([]);
    expect(bundle.type).toBe('history');
    expect(bundle.entry?.[0]?.resource?.resourceType).toBe('Parameters');
    // id-only: nothing but references follow the status.
    expect(bundle.entry?.slice(1).every((e) => e.resource === undefined)).toBe(true);
  });

  it('when a subscription is shown, then it is a valid R4 Subscription naming its topic and filter', () => {
    const resource = subscriptionResource(subscription);
    expect(r4Errors(resource)).toEqual([]);
    const criteria = (resource as { _criteria?: { extension?: { valueString?: string }[] } })._criteria;
    expect(criteria?.extension?.[0]?.valueString).toBe('Encounter?destination=R1X');
  });
});
