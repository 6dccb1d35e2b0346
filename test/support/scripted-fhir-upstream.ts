import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NHS_NUMBER_SYSTEM } from '../../core/fhir/systems';
import { DEMO_NHS_NUMBERS } from '../../sim/population/types';

const RICH = DEMO_NHS_NUMBERS.rich;

/** What the fake upstream was asked. */
export interface Asked {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly contentType: string | undefined;
}

export type Script = (asked: Asked) => { status?: number; body: unknown };

export async function startFakeUpstream(): Promise<{
  baseUrl: string;
  asked: Asked[];
  script(next: Script): void;
  close(): Promise<void>;
}> {
  const asked: Asked[] = [];
  let script: Script = () => ({ status: 404, body: { resourceType: 'OperationOutcome', issue: [] } });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').replace(/^\/fhir/, '');
      const request: Asked = {
        method: req.method ?? '',
        path,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        contentType: req.headers['content-type'],
      };
      asked.push(request);
      const { status = 200, body } = path.startsWith('/Patient?')
        ? {
            body: searchset([
              { resourceType: 'Patient', id: 'p1', identifier: [{ system: NHS_NUMBER_SYSTEM, value: RICH }] },
            ]),
          }
        : script(request);
      res.writeHead(status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    asked,
    script: (next) => {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function searchset(
  resources: readonly Record<string, unknown>[],
  next?: string,
): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

export const condition = (id: string): Record<string, unknown> => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p1' },
});
export const observation = (id: string): Record<string, unknown> => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/p1' },
});

export function batchResponse(entries: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { resourceType: 'Bundle', type: 'batch-response', entry: entries };
}
