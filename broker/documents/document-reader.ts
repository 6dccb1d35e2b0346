import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import type { OpenedDocument, SourceAdapter, TraceContext } from '../../core/source-contract';
import type { Requester } from '../../core/requester';
import { OutcomeError, operationOutcome, outcomeOf } from '../../core/outcome-error';
import { DOCUMENT_CONTENT_TYPES } from '../../adapters/http/open-document';
import { UpstreamFailure } from '../../adapters/upstream-failure';
import type { AuditRequest } from '../audit/audit-event';
import { AuditUnavailable, type AuditTrail } from '../audit/audit-trail';
import type { PatientViewService } from '../view/patient-view-service';
import type { PatientView } from '../view/patient-view';
import type { BinaryRef } from './binary-id';

export interface DocumentReaderOptions {
  readonly service: PatientViewService;
  readonly trail: AuditTrail;
  /** The configured sources' adapters, in source order (as the view's outcomes). */
  readonly adapters: readonly SourceAdapter[];
  /** How long the source has to start sending the document. */
  readonly timeoutMs: number;
}

export interface DocumentReadRequest {
  readonly ref: BinaryRef;
  readonly requester: Requester;
  readonly trace: TraceContext;
  readonly chain: readonly string[];
  readonly audit: Omit<AuditRequest, 'requester' | 'chain'>;
  /** Called with the view once it is released, for the access log. */
  readonly onView?: (view: PatientView) => void;
}

export interface ReadDocument {
  readonly document: OpenedDocument;
  readonly title?: string;
}

/**
 * A document's content, fetched from its source for a clinical system that cannot reach it: only after
 * a view of the patient's documents (role, relationship, objections, sensitive data: the view's own
 * checks, audited) shows the DocumentReference, and only once the read of that document is committed
 * to the audit trail. Nothing is kept; the bytes are streamed.
 */
export class DocumentReader {
  constructor(private readonly options: DocumentReaderOptions) {}

  async read(request: DocumentReadRequest): Promise<ReadDocument> {
    const { ref } = request;
    const view = await this.options.service.view({
      nhsNumber: ref.nhsNumber,
      resourceTypes: ['DocumentReference'],
      requester: request.requester,
      trace: request.trace,
      chain: request.chain,
      audit: request.audit,
    });
    request.onView?.(view);
    const audit: AuditRequest = {
      ...request.audit,
      requester: request.requester,
      ...(request.chain.length ? { chain: request.chain } : {}),
    };
    const about = { reference: `DocumentReference/${ref.documentId}`, display: 'document content' };
    const refuse = async (error: OutcomeError): Promise<never> => {
      await this.options.trail.commit({
        request: audit,
        action: 'document-read',
        outcome: error.status >= 500 ? '8' : '4',
        outcomeDesc: error.text,
        patient: ref.nhsNumber,
        about,
      });
      throw error;
    };

    const entry = view.entries.find(
      (e) => e.resource.resourceType === 'DocumentReference' && e.resource.id === ref.documentId,
    );
    const index = entry ? this.options.adapters.findIndex((a) => a.source.id === entry.sourceId) : -1;
    const adapter = this.options.adapters[index];
    const outcome = view.outcomes[index];
    const localId = entry && ref.documentId.slice(entry.sourceId.length + 1);
    const original =
      outcome?.status === 'ok'
        ? (outcome.record.resources.find(
            (r) => r.resourceType === 'DocumentReference' && r.id === localId,
          ) as DocumentReference | undefined)
        : undefined;
    const attachment = original?.content?.[ref.contentIndex]?.attachment;
    if (!adapter || !attachment) {
      return refuse(
        new OutcomeError(
          'not-found',
          outcomeOf(
            'not-found',
            "No such document is in this patient's record as you may see it. Open the record again and follow the document's link.",
          ),
        ),
      );
    }
    let document: OpenedDocument;
    try {
      document = attachment.url
        ? await this.open(adapter, attachment.url, request.trace)
        : inline(attachment);
    } catch (error) {
      if (!(error instanceof UpstreamFailure)) throw error;
      return refuse(
        new OutcomeError(
          'bad-gateway',
          operationOutcome('error', error.issue.code, `${adapter.source.name} ${error.issue.text}.`),
          { cause: error },
        ),
      );
    }
    try {
      await this.options.trail.commit({
        request: audit,
        action: 'document-read',
        outcome: '0',
        outcomeDesc: `Content ${ref.contentIndex} of the document, ${document.contentType}, fetched from ${adapter.source.name}.`,
        patient: ref.nhsNumber,
        about,
      });
    } catch (error) {
      document.cancel();
      throw error instanceof AuditUnavailable ? error : new AuditUnavailable({ cause: error });
    }
    return { document, ...(attachment.title ? { title: attachment.title } : {}) };
  }

  private open(adapter: SourceAdapter, url: string, trace: TraceContext): Promise<OpenedDocument> {
    if (!adapter.openDocument) {
      throw new UpstreamFailure('rejected', {
        severity: 'error',
        code: 'not-supported',
        reason: 'documents-not-fetched',
        text: 'holds this document where the broker cannot fetch it; open it in that organisation’s own system',
      });
    }
    return adapter.openDocument(url, { signal: AbortSignal.timeout(this.options.timeoutMs), trace });
  }
}

/** A document sent inline (base64 `data`): served as it is, if its type is one the broker passes on. */
function inline(attachment: Attachment): OpenedDocument {
  const contentType = (attachment.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!attachment.data || !(DOCUMENT_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    throw new UpstreamFailure('error', {
      severity: 'error',
      code: 'not-supported',
      reason: 'document-content-type',
      text: `sent this document inline as ${contentType.slice(0, 64) || 'an unknown type'}, which the broker does not pass on`,
    });
  }
  const bytes = Buffer.from(attachment.data, 'base64');
  return {
    contentType,
    length: bytes.length,
    body: (async function* () {
      yield new Uint8Array(bytes);
    })(),
    cancel: () => undefined,
  };
}
