import { EventSystemClient } from './event-system-client';
import { ReceivingEd, type ReceivedNotification } from './receiving-ed';

const AMBULANCE = {
  clientId: 'capital-ambulance',
  name: 'Capital Ambulance Service NHS Trust',
  odsCode: 'R1Z',
};
const ED = { clientId: 'riverside-ed', name: 'Riverside ED', odsCode: 'R1X' };

const TOPIC = 'https://fhir.hie-broker.org/SubscriptionTopic/ambulance-arrival';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';

/**
 * The demo's real-time events: the ambulance service (a registered system that sends incident status
 * changes) and the acute trust's emergency department (subscribed to patients coming to R1X, with a
 * simulated endpoint that verifies and lists what it receives).
 */
export class DemoEvents {
  private constructor(
    private readonly ambulance: EventSystemClient,
    private readonly edSystem: EventSystemClient,
  ) {}

  static async prepare(): Promise<DemoEvents> {
    return new DemoEvents(
      await EventSystemClient.start(AMBULANCE.clientId),
      await EventSystemClient.start(ED.clientId),
    );
  }

  /** The broker's events.systems for them. */
  systems(): Record<string, unknown>[] {
    return [
      { ...AMBULANCE, jwksUrl: this.ambulance.jwksUrl, publishes: ['ambulance-incident'] },
      { ...ED, jwksUrl: this.edSystem.jwksUrl, publishes: ['encounter'] },
    ];
  }

  ed: ReceivingEd | undefined;
  subscriptionId: string | undefined;

  /** Starts the ED's endpoint and subscribes it; turns off the subscription a previous run made. */
  async start(brokerUrl: string, previousSubscriptionId?: string): Promise<void> {
    this.ed = await ReceivingEd.start(`${brokerUrl}/.well-known/jwks.json`);
    if (previousSubscriptionId)
      await this.edSystem
        .send(brokerUrl, `/fhir/Subscription/${previousSubscriptionId}`, { method: 'DELETE' })
        .catch(() => undefined);
    const made = await this.edSystem.post(brokerUrl, '/fhir/Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'Ambulance patients coming to Riverside ED',
      criteria: TOPIC,
      _criteria: {
        extension: [
          { url: `${BACKPORT}/backport-filter-criteria`, valueString: 'Encounter?destination=R1X' },
        ],
      },
      channel: {
        type: 'rest-hook',
        endpoint: this.ed.endpoint,
        payload: 'application/fhir+json',
        _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'id-only' }] },
      },
    });
    if (made.status !== 201) throw new Error(`The demo ED could not subscribe (HTTP ${made.status})`);
    this.subscriptionId = (made.body as { id: string }).id;
  }

  /** The ambulance service's incident for the patient: dispatched, at the patient, conveying to R1X, handed over. */
  async runScriptedIncident(brokerUrl: string, nhsNumber: string, stepMs = 1500): Promise<void> {
    const incidentId = `DEMO-${Date.now()}`;
    for (const status of ['dispatched', 'at-patient', 'conveying', 'handed-over'] as const) {
      const answer = await this.ambulance.post(brokerUrl, '/events/ambulance-incident', {
        incidentId,
        status,
        nhsNumber,
        occurredAt: new Date().toISOString(),
        ...(status === 'conveying' || status === 'handed-over' ? { destination: { odsCode: 'R1X' } } : {}),
        ...(status === 'conveying' ? { eta: new Date(Date.now() + 12 * 60_000).toISOString() } : {}),
      });
      if (answer.status !== 202) throw new Error(`The scripted incident was refused (HTTP ${answer.status})`);
      await new Promise((resolve) => setTimeout(resolve, stepMs));
    }
  }

  /** The handover notification, once the ED has it (undefined after `timeoutMs`). */
  async handover(timeoutMs: number): Promise<ReceivedNotification | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.ed?.eventNotifications().find((n) => n.events.some((e) => e.code === 'handed-over'));
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all([this.ambulance.close(), this.edSystem.close(), this.ed?.close()]);
  }
}
