import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mountViewer } from '../viewer/mount-viewer';
import {
  clinicalSystemViewerConfig,
  startClinicalSystem,
  type RunningClinicalSystem,
} from '../sim/clinical-system';
import { generatePopulation } from '../sim/population/generate-population';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import type { PersonaId } from '../sim/identity-provider';
import { startTestRegion, type TestRegion } from './support/test-region';
import { axeViolations, launchBrowser, screenshot } from './support/browser';
import { bearer } from './support/identity';

const RICH = DEMO_NHS_NUMBERS.rich;
const HOSTILE = '<script>window.hiePwned = 1</script>';

/** The rich patient's first acute letter carries markup, as a hostile or careless source might send. */
function populationWithHostileLetter(): ReturnType<typeof generatePopulation> {
  const population = generatePopulation({ size: 20 });
  const acute = population.nodes.acute;
  const record = acute.records.get(acute.localIdByNhs.get(RICH)!)!;
  const letter = record.resources.find((r) => r.resourceType === 'DocumentReference') as DocumentReference;
  letter.description = `${HOSTILE} Discharge summary`;
  letter.content![0]!.attachment.data = Buffer.from(`Dear colleague,\n${HOSTILE}\nYours sincerely`).toString(
    'base64',
  );
  return population;
}

describe('the clinician’s viewer, in headless Chromium', () => {
  let ehr: RunningClinicalSystem;
  let world: TestRegion;
  let browser: Browser;
  let context: BrowserContext;
  /** The acute trust's added latency, changed by the test that measures a slow source. */
  let acuteLatencyMs = 0;

  beforeAll(async () => {
    ehr = await startClinicalSystem();
    world = await startTestRegion({
      population: populationWithHostileLetter(),
      latencyByNode: { acute: () => acuteLatencyMs },
      federation: { deadlineMs: 2500, sourceTimeoutMs: 2000 },
      config: { viewer: clinicalSystemViewerConfig(ehr) },
      brokerOptions: { delivery: 'relay-and-deliver', mount: mountViewer },
    });
    ehr.connectViewer(world.broker.url);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    if (process.env.VIEWER_DEBUG)
      process.stdout.write(
        JSON.stringify(
          world.logs.filter((l) => String(l.msg).startsWith('viewer')),
          null,
          1,
        ),
      );
    await browser?.close();
    await world?.close();
    await ehr?.close();
  });

  beforeEach(async () => {
    world.heal();
    acuteLatencyMs = 0;
    context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  });
  afterEach(async () => context?.close());

  async function open(persona: PersonaId, nhsNumber: string = RICH): Promise<{ page: Page; urls: string[] }> {
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(ehr.launchUrl(persona, nhsNumber));
    return { page, urls };
  }

  it('when the ED doctor opens 9000000009 from the EHR launch, then the whole record shows on a phone with no NHS number in any viewer URL', async () => {
    const started = Date.now();
    const { page, urls } = await open('ed-doctor');
    const elapsedMs = Date.now() - started;

    expect(new URL(page.url()).pathname).toBe('/viewer/record');
    await expect(page.locator('h1').textContent()).resolves.toContain('CLARKE, Amelia');
    await expect(page.locator('.hie-banner').textContent()).resolves.toContain('900 000 0009');
    expect(await page.title()).not.toMatch(/\d{3} ?\d{3} ?\d{4}|CLARKE/);
    const sections = await page.locator('section.hie-section h2').allTextContents();
    expect(sections).toHaveLength(10);
    await expect(page.locator('.hie-badge').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('text=Also recorded by').count()).resolves.toBeGreaterThan(0);
    // What an ambulance crew needs first: the resuscitation decision and care plans, above every section.
    await expect(page.locator('#emergency li').count()).resolves.toBeGreaterThan(0);
    const first = await page
      .locator('main section, main div')
      .evaluateAll((nodes) =>
        nodes.findIndex((n) => n.id === 'emergency' || n.classList.contains('hie-section')),
      );
    expect(await page.locator('main section, main div').nth(first).getAttribute('id')).toBe('emergency');
    // Pathology reports list their results under them.
    await expect(page.locator('.hie-report-results li').count()).resolves.toBeGreaterThan(0);
    // Every request to the broker after the clinical system handed over: no NHS number, no token.
    const brokerRequests = urls.filter((url) => url.startsWith(world.broker.url));
    expect(brokerRequests.length).toBeGreaterThan(3);
    for (const url of brokerRequests) expect(url).not.toContain(RICH);
    // One phone-width column: nothing scrolls sideways.
    if (process.env.VIEWER_DEBUG)
      process.stdout.write(
        String(
          await page.evaluate(
            "[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 361).slice(0, 8).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('\\n')",
          ),
        ),
      );
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await screenshot(page, 'viewer-record-360');
    await screenshot(page, 'viewer-record-360-top', { fullPage: false });
    process.stdout.write(`viewer: launch to complete record ${elapsedMs} ms\n`);
  });

  it('when the record page is answered, then it is no-store, framed only by the clinical system, with no inline script or style', async () => {
    const { page } = await open('gp');
    const response = await page.reload();
    const headers = response!.headers();
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("style-src 'self'");
    expect(headers['content-security-policy']).toContain(`frame-ancestors 'self' ${ehr.url}`);
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-frame-options']).toBeUndefined();
    const html = await response!.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('when a source sent <script> in a letter, then it shows as text and never runs', async () => {
    const { page } = await open('ed-doctor');
    await page.locator('summary', { hasText: 'Read the letter' }).first().click();
    const text = await page.locator('#documents').textContent();
    expect(text).toContain(HOSTILE);
    expect(await page.evaluate('window.hiePwned')).toBeUndefined();
  });

  it('when the receptionist opens the record, then only appointments (and contact details) show', async () => {
    const { page } = await open('receptionist');
    const sections = await page.locator('section.hie-section h2').allTextContents();
    expect(sections).toEqual(['Contact details', 'Appointments']);
    await expect(page.locator('text=Not shown to your role').count()).resolves.toBe(1);
  });

  it('when a source hangs, then its status says it timed out and the rest of the record renders within the deadline', async () => {
    world.region.nodes.acute.setFault({ fault: { kind: 'hang' } });
    const started = Date.now();
    const { page } = await open('gp');
    const elapsedMs = Date.now() - started;
    await expect(page.locator('#source-status').textContent()).resolves.toContain(
      'Riverside University Hospitals NHS Trust: not available — timed out',
    );
    await expect(page.locator('#source-status h2').textContent()).resolves.toContain('incomplete');
    await expect(page.locator('#conditions .hie-item').count()).resolves.toBeGreaterThan(0);
    expect(elapsedMs).toBeLessThan(2500 + 2000);
    process.stdout.write(`viewer: launch to complete record with a hung source ${elapsedMs} ms\n`);
  });

  it('when one source is slow, then the record arrives complete once it answers, and the times are measured', async () => {
    // Per request to the trust (token, patient, batch): about 1.5 s in all, inside its 2 s limit.
    acuteLatencyMs = 500;
    const page = await context.newPage();
    const started = Date.now();
    let firstSectionMs = 0;
    page.on('domcontentloaded', () => (firstSectionMs ||= Date.now() - started));
    await page.goto(ehr.launchUrl('ed-doctor', RICH), { waitUntil: 'load' });
    const completeMs = Date.now() - started;
    await expect(page.locator('#source-status h2').textContent()).resolves.toContain('Every source answered');
    await expect(page.locator('#results .hie-item').count()).resolves.toBeGreaterThan(0);
    expect(completeMs).toBeGreaterThanOrEqual(1000);
    process.stdout.write(
      `viewer: acute trust slow (500 ms a request): launch URL to first section ${firstSectionMs} ms, to complete record ${completeMs} ms\n`,
    );
  });

  it('when the record is asked for with another NHS number in the URL, then the session still shows only its launched patient', async () => {
    const { page } = await open('gp');
    await page.goto(`${world.broker.url}/viewer/record?nhs=${DEMO_NHS_NUMBERS.gpAndNeighbour}`);
    await expect(page.locator('.hie-banner').textContent()).resolves.toContain('900 000 0009');
  });

  it('when a social worker at the front door states their involvement, then they find the GP and confirm medications and diagnoses, but not results or letters', async () => {
    const { page } = await open('social-worker');
    await page.locator('#basis-self-claimed').check();
    await page.locator('#reason').fill('Adult social care assessment at the front door today');
    await page.locator('button[type=submit]').click();
    await expect(page.locator('.hie-banner').textContent()).resolves.toContain('Northbrook Health Centre');
    const sections = await page.locator('section.hie-section h2').allTextContents();
    expect(sections).toEqual(
      expect.arrayContaining(['Conditions', 'Medications and important alerts', 'Allergies']),
    );
    expect(sections).not.toContain('Test results');
    expect(sections).not.toContain('Letters, clinic and discharge documents');
    await expect(page.locator('#conditions .hie-item').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#medications .hie-item').count()).resolves.toBeGreaterThan(0);
  });

  it('when the relationship cannot be verified, then emergency access asks for a reason, and is audited and alerted', async () => {
    const { page } = await open('unrelated-clinician');
    await expect(page.locator('h1').textContent()).resolves.toContain('could not confirm');
    await page.locator('#basis-emergency').check();
    await page.locator('#reason').fill('too short');
    await page.locator('button[type=submit]').click();
    await expect(page.locator('.nhsuk-error-summary').textContent()).resolves.toContain('10 to 500');

    await page.locator('#reason').fill('Unconscious in resus, no history available from anyone');
    await page.locator('button[type=submit]').click();
    expect(new URL(page.url()).pathname).toBe('/viewer/record');
    await expect(page.locator('.hie-user').textContent()).resolves.toContain('emergency access');

    const alerts = (await (
      await fetch(`${world.broker.url}/admin/alerts?status=open`, {
        headers: { authorization: await bearer('privacy-officer') },
      })
    ).json()) as { alerts?: { kind: string }[] } | { kind: string }[];
    expect(JSON.stringify(alerts)).toContain('emergency');
    const audit = await fetch(`${world.fhir}/AuditEvent?patient=${RICH}&agent=555000000009`, {
      headers: { authorization: await bearer('privacy-officer'), accept: 'application/fhir+json' },
    });
    const events = await audit.text();
    expect(events).toContain('Unconscious in resus, no history available from anyone');
    expect(events).toContain('110113');
  });

  it('when a forged access form arrives without the session’s token, then nothing is stated and the page says so', async () => {
    await open('unrelated-clinician');
    // Another site's form would carry the cookie (SameSite=Lax lets no cross-site POST do so); sent here as if it had.
    const cookie = (await context.cookies(world.broker.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${world.broker.url}/viewer/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: 'csrf=forged&basis=emergency&reason=Unconscious+in+resus+now',
      redirect: 'manual',
    });
    const status = forged.status;
    const after = await fetch(`${world.broker.url}/viewer/record`, { headers: { cookie } });
    expect(after.status).toBe(403);
    expect(await after.text()).toContain('could not confirm');
    expect(status).toBe(403);
  });

  it('when a result is repeated, then it shows as a chart with its reference range and a table of values, without JavaScript', async () => {
    await context.close();
    context = await browser.newContext({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const { page } = await open('gp');
    const trends = page.locator('#results figure.hie-trend');
    expect(await trends.count()).toBeGreaterThan(0);
    const withRange = page.locator('#results figure.hie-trend:has(rect.hie-trend__range)');
    expect(await withRange.count()).toBeGreaterThan(0);
    const first = withRange.first();
    expect(await first.locator('svg title').textContent()).toMatch(/\d+ values from .* to /);
    expect(await first.locator('svg circle').count()).toBeGreaterThanOrEqual(2);
    expect(await first.locator('tbody tr').count()).toBe(await first.locator('svg circle').count());
    await first.locator('summary').click();
    mkdirSync(path.join(__dirname, 'artifacts'), { recursive: true });
    await first.screenshot({ path: path.join(__dirname, 'artifacts', 'viewer-trend-360.png') });
  });

  it('when a clinician moves and collapses sections, then a reload and their next launch keep that arrangement', async () => {
    const { page } = await open('mh-nurse');
    const headings = (): Promise<string[]> => page.locator('section.hie-section h2').allTextContents();
    const before = await headings();
    expect(before.slice(0, 2)).toEqual(['Contact details', 'Involved teams']);
    await page.locator('#allergies button[value=up]').click();
    await page.locator('#contacts button[value=collapse]').click();
    const after = await headings();
    expect(after.indexOf('Allergies')).toBe(before.indexOf('Allergies') - 1);
    expect(after[0]).toMatch(/^Contact details \(\d+, collapsed\)$/);
    expect(await page.locator('#contacts .hie-item').count()).toBe(0);

    await page.reload();
    expect(await headings()).toEqual(after);
    const again = await open('mh-nurse');
    expect(await again.page.locator('section.hie-section h2').allTextContents()).toEqual(after);
    // Another user's arrangement is their own.
    const other = await open('gp');
    expect((await other.page.locator('section.hie-section h2').allTextContents())[0]).toBe('Contact details');
  });

  it('when the record is filtered by source and period, then only matching items show and the page says it is filtered', async () => {
    const { page } = await open('ed-doctor');
    await page.locator('#filter-source').selectOption('ambulance');
    await page.locator('.hie-filters button[type=submit]').click();
    expect(new URL(page.url()).search).toBe('?period=&source=ambulance');
    await expect(page.locator('.hie-filters').textContent()).resolves.toContain('Filtered');
    const items = page.locator('section.hie-section:not(#contacts) .hie-item');
    expect(await items.count()).toBeGreaterThan(0);
    for (const text of await items.allTextContents()) expect(text).toContain('Capital Ambulance Service');
    await page.locator('#filter-period').selectOption('1y');
    await page.locator('#filter-source').selectOption('');
    await page.locator('.hie-filters button[type=submit]').click();
    for (const date of await page.locator('section.hie-section .hie-item__date').allTextContents()) {
      expect(
        Date.parse(
          date
            .replace(/ Upcoming$/, '')
            .trim()
            .split(' ')
            .slice(0, 3)
            .join(' '),
        ),
      ).toBeGreaterThan(Date.now() - 366 * 24 * 3600 * 1000);
    }
  });

  it('when a GP records from the page that the patient objects to all sharing, then the next view is refused and the privacy officer is alerted', async () => {
    const patient = DEMO_NHS_NUMBERS.gpAndNeighbour;
    const { page } = await open('gp', patient);
    await page.locator('summary', { hasText: 'objects to sharing' }).click();
    await page.locator('#scope-all').check();
    await page.locator('button', { hasText: 'Record the objection' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('The objection is recorded');

    const refused = await page.goto(`${world.broker.url}/viewer/record`);
    expect(refused!.status()).toBe(403);
    await expect(page.locator('main').textContent()).resolves.toContain('objected');
    const alerts = await fetch(`${world.broker.url}/admin/alerts?status=open`, {
      headers: { authorization: await bearer('privacy-officer') },
    });
    const body = await alerts.text();
    expect(body).toContain('objection-recorded');
    expect(body).toContain(patient);
    // The register holds it as a Consent naming who recorded it.
    const consents = await fetch(`${world.fhir}/Consent?patient=${patient}`, {
      headers: { authorization: await bearer('privacy-officer'), accept: 'application/fhir+json' },
    });
    expect(await consents.text()).toContain('555000000001');
  });

  it('when a receptionist opens the record, then recording an objection is not offered, and a forged one is refused', async () => {
    const { page } = await open('receptionist');
    await expect(page.locator('text=objects to sharing').count()).resolves.toBe(0);
    const cookie = (await context.cookies(world.broker.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const html = await (await fetch(`${world.broker.url}/viewer/record`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const forged = await fetch(`${world.broker.url}/viewer/objection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ csrf, scope: 'all', date: '2026-01-01' }).toString(),
    });
    expect(forged.status).toBe(403);
  });

  it('when the axe check runs at 360×800 and 1280×800, then it finds no violations', async () => {
    const { page } = await open('ed-doctor');
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'viewer-record-1280');
  });

  it('when a clinical system posts a signed launch, then the record opens, and the same token is refused a second time', async () => {
    const page = await context.newPage();
    await page.goto(ehr.signedLaunchUrl('gp', RICH));
    await page.locator('button[type=submit]').click();
    await page.waitForURL(/\/viewer\/record$/);
    await expect(page.locator('h1').textContent()).resolves.toContain('CLARKE, Amelia');

    const token = await ehr.launchToken('gp', RICH);
    const post = (): Promise<Response> =>
      fetch(`${world.broker.url}/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ launch_token: token }).toString(),
        redirect: 'manual',
      });
    const first = await post();
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/viewer/record');
    const again = await post();
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('already been used');
  });

  it('when a system that is not configured launches, or there is no session, then the viewer refuses and says what to do', async () => {
    const page = await context.newPage();
    const launched = await page.goto(
      `${world.broker.url}/launch?iss=${encodeURIComponent('https://evil.example/fhir')}&launch=x`,
    );
    expect(launched!.status()).toBe(403);
    await expect(page.locator('main').textContent()).resolves.toContain('not configured');
    const record = await page.goto(`${world.broker.url}/viewer/record`);
    expect(record!.status()).toBe(401);
    await expect(page.locator('h1').textContent()).resolves.toBe('Your session has ended');
  });
});
