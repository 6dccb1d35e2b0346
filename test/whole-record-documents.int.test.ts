import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent, Bundle, DocumentReference, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { PatientRecord } from '../broker/record/record-types';
import { letterPdf } from '../sim/documents/letter-pdf';
import { startFhirNode, type RunningFhirNode, type SimBinary } from '../sim/fhir-node';
import { DEMO_NHS_NUMBERS } from '../sim/population/types';
import type { PersonaId } from '../sim/identity-provider';
import { startBrokerUnderTest, type BrokerUnderTest } from './support/broker-under-test';
import { getFhir } from './support/fhir-http';
import { bearer } from './support/identity';
import { syntheaLikeDataset } from './support/synthea-like-record';
import { startTestRegion, type TestRegion } from './support/test-region';

const RICH = DEMO_NHS_NUMBERS.rich;
const MB = 1024 * 1024;

async function getBytes(
  url: string,
  persona: PersonaId = 'gp',
): Promise<{ status: number; type: string | null; bytes: Buffer; outcome?: OperationOutcome }> {
  const response = await fetch(url, { headers: { authorization: await bearer(persona) } });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type');
  return {
    status: response.status,
    type,
    bytes,
    ...(type?.includes('json') ? { outcome: JSON.parse(bytes.toString('utf8')) as OperationOutcome } : {}),
  };
}

const documentsIn = (bundle: Bundle): DocumentReference[] =>
  (bundle.entry ?? [])
    .map((e) => e.resource as Resource)
    .filter((r): r is DocumentReference => r.resourceType === 'DocumentReference');

describe('documents through the broker, from the demo region', () => {
  let t: TestRegion;
  let summary: DocumentReference;
  beforeAll(async () => {
    t = await startTestRegion();
    const { body } = await getFhir<Bundle>(`${t.fhir}/DocumentReference?patient=${RICH}`);
    summary = documentsIn(body).find((d) =>
      d.content.some((c) => c.attachment.contentType === 'application/pdf'),
    )!;
  });
  afterAll(() => t.close());

  it("when the discharge summary is in the view, then its PDF points at the broker's Binary, not at the source", () => {
    const pdf = summary.content.find((c) => c.attachment.contentType === 'application/pdf')!.attachment;

    expect(pdf.url).toBe(`Binary/${RICH}.${summary.id}.1`);
    expect(JSON.stringify(summary)).not.toContain(`${t.region.nodes.acute.baseUrl}/Binary`);
  });

  it('when the PDF is fetched through the broker, then it is the real PDF, byte for byte, fetched with the trust’s own token', async () => {
    const pdf = summary.content.find((c) => c.attachment.contentType === 'application/pdf')!.attachment;
    const letter = summary.content.find((c) => c.attachment.data)!.attachment;
    const tokens = (t.region.nodes.acute as RunningFhirNode).tokens!;
    const issuedBefore = tokens.issued();

    const answer = await getBytes(`${t.fhir}/${pdf.url}`);

    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/pdf');
    expect(answer.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const expected = await letterPdf(pdf.title!, Buffer.from(letter.data!, 'base64').toString('utf8'));
    expect(answer.bytes.equals(Buffer.from(expected))).toBe(true);
    expect(issuedBefore + tokens.issued()).toBeGreaterThan(0);
  });

  it("when the viewer's record lists the discharge summary, then its PDF is offered at the broker's URL", async () => {
    const response = await fetch(`${t.broker.url}/api/v1/patients/${RICH}/record`, {
      headers: { authorization: await bearer() },
    });
    const record = (await response.json()) as PatientRecord;

    const item = record.sections
      .find((s) => s.id === 'documents')!
      .items.find((i) => i.reference === `DocumentReference/${summary.id}`)!;
    expect(item.content).toEqual([
      {
        url: `Binary/${RICH}.${summary.id}.1`,
        contentType: 'application/pdf',
        title: 'Discharge summary - Respiratory Ward 7 - 16 September 2026.pdf',
      },
    ]);
  });

  it('when the PDF is fetched from the record endpoint, then the same bytes come back', async () => {
    const id = `${RICH}.${summary.id}.1`;
    const viaFhir = await getBytes(`${t.fhir}/Binary/${id}`);
    const viaRecord = await getBytes(`${t.broker.url}/api/v1/patients/${RICH}/documents/${id}`);

    expect(viaRecord.status).toBe(200);
    expect(viaRecord.bytes.equals(viaFhir.bytes)).toBe(true);
  });

  it('when a document is fetched, then its read is audited as a read of that DocumentReference', async () => {
    await getBytes(`${t.fhir}/Binary/${RICH}.${summary.id}.1`);
    const { body } = await getFhir<Bundle>(`${t.fhir}/AuditEvent?patient=${RICH}&_count=50`, {
      headers: { authorization: await bearer('privacy-officer') },
    });

    const reads = (body.entry ?? [])
      .map((e) => e.resource as AuditEvent)
      .filter((e) => e.subtype?.some((s) => s.code === 'document-read'));
    expect(reads.length).toBeGreaterThan(0);
    expect(JSON.stringify(reads[0])).toContain(`DocumentReference/${summary.id}`);
    expect(reads[0]!.outcome).toBe('0');
  });

  it.each([
    ['a role that may not see documents', 'receptionist', RICH, 403],
    ['no legitimate relationship', 'unrelated-clinician', RICH, 403],
  ] as const)(
    'when the requester has %s, then the document is refused (%s)',
    async (_why, persona, nhs, status) => {
      const answer = await getBytes(`${t.fhir}/Binary/${nhs}.${summary.id}.1`, persona);

      expect(answer.status).toBe(status);
      expect(answer.outcome?.resourceType).toBe('OperationOutcome');
      expect(answer.bytes.subarray(0, 5).toString('latin1')).not.toBe('%PDF-');
    },
  );

  it('when the patient has objected, then the document is refused before any source is asked', async () => {
    const objection = await fetch(`${t.fhir}/Consent`, {
      method: 'POST',
      headers: {
        authorization: await bearer('privacy-officer'),
        accept: 'application/fhir+json',
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify({
        resourceType: 'Consent',
        status: 'active',
        scope: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
        },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
        dateTime: new Date().toISOString(),
        policyRule: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }],
        },
        patient: {
          identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: DEMO_NHS_NUMBERS.objection },
        },
        provision: { type: 'deny', period: { start: '2020-01-01' } },
      }),
    });
    expect(objection.status).toBe(201);
    const before = t.region.nodes.acute.requests.search;

    const answer = await getBytes(`${t.fhir}/Binary/${DEMO_NHS_NUMBERS.objection}.acute-doc-1.0`);

    expect(answer.status).toBe(403);
    expect(answer.outcome?.issue[0]?.details?.text).toMatch(/objected/);
    expect(t.region.nodes.acute.requests.search).toBe(before);
  });

  it('when the document is withheld as sensitive, then it cannot be fetched: it is not in the record as the user may see it', async () => {
    const restricted = DEMO_NHS_NUMBERS.restricted;
    const dataset = t.region.population.nodes.acute;
    const record = dataset.records.get(dataset.localIdByNhs.get(restricted)!)!;
    const labelled = record.resources.find(
      (r) => r.resourceType === 'DocumentReference' && (r.meta?.security?.length ?? 0) > 0,
    )!;

    const answer = await getBytes(`${t.fhir}/Binary/${restricted}.acute-${labelled.id}.0`);

    expect(answer.status).toBe(404);
    expect(answer.outcome?.issue[0]?.details?.text).toMatch(/No such document/);
  });

  it('when the id is not one the broker gives, then 404 says where ids come from', async () => {
    const answer = await getBytes(`${t.fhir}/Binary/whatever`);

    expect(answer.status).toBe(404);
    expect(answer.outcome?.issue[0]?.details?.text).toMatch(/content\.attachment\.url/);
  });
});

describe('documents through the broker, from a plain FHIR R4 server that misbehaves', () => {
  let store: RunningFhirNode;
  let broker: BrokerUnderTest;
  let trap: http.Server;
  let trapped = 0;
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.7\n'),
    Buffer.alloc(300_000, 0x41),
    Buffer.from('\n%%EOF\n'),
  ]);
  const huge = async function* (): AsyncGenerator<Uint8Array> {
    yield Buffer.from('%PDF-1.7\n');
    for (let i = 0; i < 50; i++) yield Buffer.alloc(MB, 0x20);
  };
  const binaries: Record<string, SimBinary> = {
    letter: { contentType: 'application/pdf', body: pdf },
    'huge-declared': { contentType: 'application/pdf', body: huge(), length: 50 * MB + 9 },
    page: { contentType: 'text/html', body: Buffer.from('<script>alert(1)</script>') },
  };

  beforeAll(async () => {
    trap = http.createServer((_req, res) => {
      trapped++;
      res.end('%PDF-');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/letter.pdf`;
    const dataset = syntheaLikeDataset(RICH);
    const record = dataset.records.get('syn-p1')!;
    const doc = (id: string, url: string): DocumentReference => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      subject: { reference: 'Patient/syn-p1' },
      content: [{ attachment: { contentType: 'application/pdf', url, title: `${id}.pdf` } }],
    });
    (record as unknown as { resources: Resource[] }).resources = [
      ...record.resources,
      doc('letter', 'Binary/letter'),
      doc('elsewhere', trapUrl),
      doc('huge-declared', 'Binary/huge-declared'),
      doc('huge-streamed', 'Binary/huge-streamed'),
      doc('page', 'Binary/page'),
    ];
    store = await startFhirNode({
      dataset,
      binary: (id) =>
        Promise.resolve(
          id === 'huge-streamed' ? { contentType: 'application/pdf', body: huge() } : binaries[id],
        ),
    });
    broker = await startBrokerUnderTest({
      id: 'documents',
      sources: [
        {
          id: 'synthea',
          kind: 'fhir-r4',
          name: 'Synthea Trust',
          odsCode: 'R1X',
          baseUrl: store.baseUrl,
          supplies: ['DocumentReference'],
        },
      ],
    });
  });
  afterAll(async () => {
    await broker.close();
    await store.close();
    await new Promise((resolve) => trap.close(resolve));
  });

  const binary = (id: string): string => `${broker.fhir}/Binary/${RICH}.synthea-${id}.0`;

  it("when a PDF is fetched, then the broker's bytes equal the source's, byte for byte", async () => {
    const direct = Buffer.from(await (await fetch(`${store.baseUrl}/Binary/letter`)).arrayBuffer());

    const answer = await getBytes(binary('letter'), 'ed-doctor');

    expect(answer.status).toBe(200);
    expect(answer.bytes.equals(direct)).toBe(true);
    expect(answer.bytes.equals(pdf)).toBe(true);
  });

  it('when a document URL is on another origin, then it is refused without a request', async () => {
    const answer = await getBytes(binary('elsewhere'), 'ed-doctor');

    expect(answer.status).toBe(502);
    expect(answer.outcome?.issue[0]?.details?.text).toMatch(/another origin/);
    expect(trapped).toBe(0);
  });

  it('when a 50 MB PDF declares its size, then it is refused at the cap before any byte is sent', async () => {
    const answer = await getBytes(binary('huge-declared'), 'ed-doctor');

    expect(answer.status).toBe(502);
    expect(answer.outcome?.issue[0]).toMatchObject({ code: 'too-costly' });
    expect(answer.outcome?.issue[0]?.details?.text).toMatch(/larger than the broker's limit of 20 MB/);
  });

  it('when a 50 MB PDF streams without a size, then the broker cuts the connection at the cap: never a whole-looking file', async () => {
    const started = Date.now();
    const outcome = await fetch(binary('huge-streamed'), {
      headers: { authorization: await bearer('ed-doctor') },
    })
      .then(
        async (response) => {
          await response.arrayBuffer();
          return 'complete';
        },
        () => 'cut',
      )
      .catch(() => 'cut');

    expect(outcome).toBe('cut');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('when the source sends HTML, then it is refused: only PDF, plain text and images pass', async () => {
    const answer = await getBytes(binary('page'), 'ed-doctor');

    expect(answer.status).toBe(502);
    expect(answer.outcome?.issue[0]?.details?.text).toMatch(/text\/html/);
    expect(answer.bytes.toString('utf8')).not.toContain('<script>');
  });
});
