import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { startFhirNode, type RunningFhirNode } from '../sim/fhir-node';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import {
  startBrokerUnderTest,
  peerSource,
  registeredPeer,
  type BrokerUnderTest,
} from './support/broker-under-test';
import { closingOutcome, getFhir } from './support/fhir-http';
import { syntheaLikeDataset } from './support/synthea-like-record';

const NHS = DEMO_NHS_NUMBERS.rich;
const NEW_TYPES = ['DiagnosticReport', 'Procedure', 'RelatedPerson', 'EpisodeOfCare'] as const;
const EVERY_TYPE = [
  'Condition',
  'Observation',
  'Encounter',
  'CarePlan',
  'Immunization',
  'MedicationRequest',
  ...NEW_TYPES,
];

/** The resource as the source sent it: what the view may add (provenance, namespaced ids) taken away. */
function clinicalContent(resource: Resource): string {
  const { id: _id, meta: _meta, ...rest } = resource as Resource & Record<string, unknown>;
  return JSON.stringify(rest, (key, value: unknown) =>
    key === 'reference' && typeof value === 'string' ? value.replace(/^.*\/([A-Za-z]+)\/.*$/, '$1') : value,
  ).replace(/"reference":"([A-Za-z]+)\/[^"]*"/g, '"reference":"$1"');
}

/** Serves, at a fixed path, whatever JWKS the target URL serves once the target is known. */
async function jwksRelay(): Promise<{ url: string; point(target: string): void; close(): Promise<void> }> {
  let target = '';
  const server = http.createServer((_req, res) => {
    void fetch(target).then(async (upstream) => {
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(await upstream.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    point: (url) => (target = url),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the whole record: new types from a plain FHIR R4 server, directly and through a neighbouring broker', () => {
  let store: RunningFhirNode;
  let broker: BrokerUnderTest;
  let downstream: BrokerUnderTest;
  let relay: Awaited<ReturnType<typeof jwksRelay>>;
  const dataset = syntheaLikeDataset(NHS);
  const sent = dataset.records.get('syn-p1')!.resources;

  beforeAll(async () => {
    store = await startFhirNode({ dataset });
    relay = await jwksRelay();
    broker = await startBrokerUnderTest({
      id: 'plain',
      sources: [
        {
          id: 'synthea',
          kind: 'fhir-r4',
          name: 'Synthea Trust',
          odsCode: 'Y90001', // the requesting GP's own source: a verified relationship
          baseUrl: store.baseUrl,
          supplies: EVERY_TYPE,
        },
      ],
      peers: [registeredPeer({ clientId: 'downstream', name: 'Downstream', jwksUrl: relay.url })],
    });
    downstream = await startBrokerUnderTest({
      id: 'downstream',
      sources: [
        {
          ...peerSource({ url: broker.url }, { id: 'plain', clientId: 'downstream' }),
          supplies: EVERY_TYPE,
        },
      ],
    });
    relay.point(downstream.jwksUrl);
  });
  afterAll(async () => {
    await downstream.close();
    await broker.close();
    await relay.close();
    await store.close();
  });

  it('when a source is configured to supply every new type, then the broker starts and serves each unchanged', async () => {
    const { status, body } = await getFhir<Bundle>(`${broker.fhir}/Patient/${NHS}/$everything`);

    expect(status).toBe(200);
    const entries = (body.entry ?? []).map((e) => e.resource!);
    for (const type of NEW_TYPES) {
      const mine = sent.filter((r) => r.resourceType === type && !r.id!.endsWith('-other'));
      const shown = entries.filter((r) => r.resourceType === type);
      expect(shown.map(clinicalContent)).toEqual(mine.map(clinicalContent));
    }
  });

  it("when the source mixes in another patient's DiagnosticReport and Procedure, then the identity guard withholds both and says so", async () => {
    const { body } = await getFhir<Bundle>(`${broker.fhir}/Patient/${NHS}/$everything`);

    const ids = (body.entry ?? []).map((e) => e.resource!.id);
    expect(ids).not.toContain('synthea-dr-other');
    expect(ids).not.toContain('synthea-proc-other');
    expect(ids).toContain('synthea-dr-cbc');
    const withheld = closingOutcome(body).issue.find((i) =>
      i.details?.coding?.some((c) => c.code === 'other-patient'),
    );
    expect(withheld?.diagnostics ?? withheld?.details?.text).toMatch(/2/);
  });

  it("when a report names its specimen, then the Specimen is included, and the report's references point at it and at its results in the view", async () => {
    const { body } = await getFhir<Bundle>(`${broker.fhir}/DiagnosticReport?patient=${NHS}`);

    const report = body.entry?.find((e) => e.resource?.resourceType === 'DiagnosticReport')?.resource;
    const specimen = body.entry?.find((e) => e.resource?.resourceType === 'Specimen');
    expect(report).toMatchObject({
      id: 'synthea-dr-cbc',
      specimen: [{ reference: 'Specimen/synthea-spec-1' }],
    });
    expect(specimen?.search?.mode).toBe('include');
    expect(specimen?.resource).toMatchObject({
      id: 'synthea-spec-1',
      subject: { reference: `Patient/${NHS}` },
    });
  });

  it.each(NEW_TYPES)(
    'when %s is searched by patient and by _type, then only that type comes back',
    async (type) => {
      const search = await getFhir<Bundle>(`${broker.fhir}/${type}?patient=${NHS}`);
      const everything = await getFhir<Bundle>(`${broker.fhir}/Patient/${NHS}/$everything?_type=${type}`);

      for (const { status, body } of [search, everything]) {
        expect(status).toBe(200);
        const matched = (body.entry ?? [])
          .filter((e) => e.search?.mode === 'match' && e.resource?.resourceType !== 'Patient')
          .map((e) => e.resource!);
        expect(matched.length).toBeGreaterThan(0);
        expect(new Set(matched.map((r) => r.resourceType))).toEqual(new Set([type]));
      }
    },
  );

  it('when the CapabilityStatement is read, then each new type is listed with its patient search, and Binary with read', async () => {
    const { body } = await getFhir<CapabilityStatement>(`${broker.fhir}/metadata`);

    const resources = body.rest?.[0]?.resource ?? [];
    for (const type of NEW_TYPES) {
      const entry = resources.find((r) => r.type === type);
      expect(entry?.searchParam?.map((p) => p.name)).toContain('patient');
    }
    expect(resources.find((r) => r.type === 'Binary')?.interaction).toEqual([{ code: 'read' }]);
  });

  it('when a neighbouring broker asks for the record, then every new type and the Specimen arrive unchanged through it', async () => {
    // Downstream holds nothing of the patient itself: the GP states the relationship (audited there).
    const { status, body } = await getFhir<Bundle>(`${downstream.fhir}/Patient/${NHS}/$everything`, {
      headers: {
        'X-Hie-Relationship': 'self-claimed',
        'X-Hie-Access-Reason': 'Reviewing the referral letter',
      },
    });

    expect(status).toBe(200);
    const entries = (body.entry ?? []).map((e) => e.resource!);
    for (const type of NEW_TYPES) {
      const mine = sent.filter((r) => r.resourceType === type && !r.id!.endsWith('-other'));
      expect(entries.filter((r) => r.resourceType === type).map(clinicalContent)).toEqual(
        mine.map(clinicalContent),
      );
    }
    expect(entries.find((r) => r.resourceType === 'Specimen')).toBeDefined();
    const outcome = closingOutcome(body) as OperationOutcome;
    expect(outcome.issue.some((i) => i.severity === 'error' || i.severity === 'fatal')).toBe(false);
  });
});
