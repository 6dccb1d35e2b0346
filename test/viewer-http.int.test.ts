import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import {
  clinicalSystemViewerConfig,
  startClinicalSystem,
  type RunningClinicalSystem,
} from '../sim/clinical-system';
import { mountViewer } from '../viewer/mount-viewer';
import { bearer } from './support/identity';
import { startTestRegion, type TestRegion } from './support/test-region';
import { waitUntil } from './support/wait-until';

const RICH = DEMO_NHS_NUMBERS.rich;

/**
 * The viewer over plain HTTP, without a browser. Its record is patient data like the API's views: the
 * same admission control (one gate for the process) and the same per-user budgets, each answered with a
 * page a clinician can act on; its forms act only for a live session and with that session's token.
 */
describe('the viewer over HTTP: admission control, view budgets and its forms', () => {
  let ehr: RunningClinicalSystem;
  let world: TestRegion;
  let acuteLatencyMs = 0;

  beforeAll(async () => {
    ehr = await startClinicalSystem();
    world = await startTestRegion({
      latencyByNode: { acute: () => acuteLatencyMs },
      config: {
        viewer: clinicalSystemViewerConfig(ehr),
        server: {
          admission: { maxConcurrent: 1, maxQueued: 0, maxQueueWaitMs: 10_000, retryAfterSeconds: 7 },
        },
        rateLimit: {
          perUser: { points: 2, durationSeconds: 60 },
          perOrganisation: { points: 1000, durationSeconds: 60 },
        },
      },
      brokerOptions: { mount: mountViewer },
    });
    ehr.connectViewer(world.broker.url);
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await ehr?.close();
  });
  afterEach(() => {
    acuteLatencyMs = 0;
  });

  /** A signed launch as the clinical system posts it, without a browser: the session's cookie. */
  async function launch(): Promise<string> {
    const answer = await fetch(`${world.broker.url}/launch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ launch_token: await ehr.launchToken('gp', RICH) }).toString(),
      redirect: 'manual',
    });
    expect(answer.status).toBe(303);
    return answer.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  }
  const record = (cookie: string): Promise<Response> =>
    fetch(`${world.broker.url}/viewer/record`, { headers: { cookie } });
  const working = async (): Promise<number> => {
    const metrics = await (await fetch(`${world.broker.url}/metrics`)).text();
    return Number(/^hie_admission_requests\{state="working"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };

  it('when a form arrives without the session or without its token, then it is refused and the page says which', async () => {
    const cookie = await launch();
    const post = (route: string, body: Record<string, string>, withCookie = true): Promise<Response> =>
      fetch(`${world.broker.url}${route}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(withCookie ? { cookie } : {}),
        },
        body: new URLSearchParams(body).toString(),
        redirect: 'manual',
      });
    for (const [route, fields] of [
      ['/viewer/objection', { scope: 'all', date: '2026-01-01' }],
      ['/viewer/preferences', { section: 'medications', action: 'collapse' }],
      ['/viewer/access', { basis: 'emergency', reason: 'Unconscious in resus now' }],
    ] as const) {
      const forged = await post(route, { csrf: 'forged', ...fields });
      expect([route, forged.status]).toEqual([route, 403]);
      expect(await forged.text()).toContain('This form has expired');
      const sessionless = await post(route, { csrf: 'forged', ...fields }, false);
      expect([route, sessionless.status]).toEqual([route, 401]);
      expect(await sessionless.text()).toContain('Your session has ended');
    }
  });

  it('when the process is full with API views, then the viewer answers 503 with Retry-After and a page saying to try again', async () => {
    const cookie = await launch();
    acuteLatencyMs = 1500;
    const apiView = fetch(`${world.fhir}/Patient/${RICH}/$everything`, {
      headers: { authorization: await bearer('ed-doctor'), accept: 'application/fhir+json' },
    });
    await waitUntil('the API view holds the one turn', async () => (await working()) === 1);

    const refused = await record(cookie);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.headers.get('content-type')).toContain('text/html');
    const page = await refused.text();
    expect(page).toContain('The record is not available just now');
    expect(page).toContain('Try again in a moment');
    expect(page).not.toContain(RICH);
    expect((await apiView).status).toBe(200);
  });

  it('when a user opens more records than their budget, then the viewer answers 429 with Retry-After and says to wait', async () => {
    const cookie = await launch();
    // The refused attempt above spent nothing: admission comes before the budget.
    expect((await record(cookie)).status).toBe(200);
    expect((await record(cookie)).status).toBe(200);
    const limited = await record(cookie);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many records opened');
  });
});
