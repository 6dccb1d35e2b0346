import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SourceHttpClient } from '../http/source-http-client';
import { UpstreamFailure } from '../upstream-failure';
import { collectIncidents } from './collect-incidents';
import { searchEpcrPatients, type EpcrEndpoint } from './epcr-requests';

const page = JSON.parse(
  readFileSync(
    path.join(__dirname, '..', '..', 'test', 'fixtures', 'ambulance-epcr', 'incidents-page.json'),
    'utf8',
  ),
) as { incidents: Record<string, unknown>[] };

/** What the ePCR answers, by path and cursor. */
let answers: Record<string, unknown> = {};
let server: Server;
let endpoint: EpcrEndpoint;

const ctx = (): { signal: AbortSignal; trace: { requestId: string } } => ({
  signal: AbortSignal.timeout(5000),
  trace: { requestId: 'req-collect-1' },
});

async function failureOf(promise: Promise<unknown>): Promise<UpstreamFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof UpstreamFailure)) throw new Error('expected an upstream failure');
  return error;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = `${url.pathname}${url.searchParams.has('cursor') ? `#${url.searchParams.get('cursor')}` : ''}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answers[key] ?? { error: { code: 'not-found', message: 'no' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = {
    client: new SourceHttpClient({ maxSockets: 2, maxResponseBytes: 1024 * 1024, userAgent: 'collect-test' }),
    baseUrl: `http://127.0.0.1:${port}/api`,
  };
});

afterAll(async () => {
  await endpoint.client.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const INCIDENTS = '/api/v1/patients/P-2024-0004417/incidents';
const options = { patientId: 'P-2024-0004417', maxPages: 5, pageSize: 50 };

describe('collecting ePCR incidents', () => {
  it('when the first page is not a page of incidents, then the search fails with a structure error', async () => {
    answers = { [INCIDENTS]: { incidents: 'none', nextCursor: 'c2' } };

    const failure = await failureOf(collectIncidents(endpoint, options, ctx()));

    expect(failure.issue).toMatchObject({
      code: 'structure',
      reason: 'wrong-resource-type',
      text: 'answered the incident search with something that is not a page of ePCR incidents',
    });
  });

  it('when a later page is malformed and some incidents are not valid, then the valid ones are kept and both are said', async () => {
    const [first, second] = page.incidents;
    answers = {
      [INCIDENTS]: { incidents: [first, { ...second, category: 9 }, 'x'], nextCursor: 'c2' },
      [`${INCIDENTS}#c2`]: { incidents: [second], nextCursor: '' },
    };

    const collected = await collectIncidents(endpoint, options, ctx());

    expect(collected.incidents.map((incident) => incident.incidentId)).toEqual([first!.incidentId]);
    expect(collected.warnings.map((warning) => [warning.reason, warning.text])).toEqual([
      [
        'wrong-resource-type',
        'incident search: page 2 failed, the incidents after page 1 are missing: answered the incident search with something that is not a page of ePCR incidents',
      ],
      ['invalid-response', 'incident search: 2 entries were not a valid ePCR incident and were left out'],
    ]);
  });

  it('when an incident is valid, then the one that arrived is kept, with fields the adapter does not read', async () => {
    answers = { [INCIDENTS]: { incidents: [{ ...page.incidents[0], crewVehicle: 'RRV 12' }] } };

    const collected = await collectIncidents(endpoint, options, ctx());

    expect(collected.incidents).toEqual([{ ...page.incidents[0], crewVehicle: 'RRV 12' }]);
    expect(collected.warnings).toEqual([]);
  });

  it('when the patient search answers something else, then it fails with a structure error', async () => {
    answers = { '/api/v1/patients': { patients: [{ patientId: '', nhsNumber: '9000000009' }] } };

    const failure = await failureOf(searchEpcrPatients(endpoint, '9000000009', ctx()));

    expect(failure.issue).toMatchObject({
      code: 'structure',
      reason: 'wrong-resource-type',
      text: 'answered the patient search with something that is not an ePCR patient list',
    });
  });
});
