import type { OpenedDocument } from '../../core/source-contract';
import { failureForStatus } from './source-http-client';
import { UpstreamFailure, upstreamError } from '../upstream-failure';

/**
 * The media types the broker passes on: PDF, plain text and images. HTML is not passed on (the broker does
 * not sanitise it), nor is anything a browser might run.
 */
export const DOCUMENT_CONTENT_TYPES = [
  'application/pdf',
  'text/plain',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/tiff',
] as const;

/** The largest document the broker streams, by default (20 MiB). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export interface OpenDocumentRequest {
  /** The attachment URL, absolute, or relative to `baseUrl`. */
  readonly url: string;
  /** The source's configured base URL: only URLs on its origin are fetched. */
  readonly baseUrl: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
}

/** The absolute URL of an attachment on the source's origin, or an UpstreamFailure before any request. */
export function documentUrl(url: string, baseUrl: string): URL {
  let target: URL;
  try {
    target = new URL(url, `${baseUrl.replace(/\/+$/, '')}/`);
  } catch (error) {
    throw new UpstreamFailure(
      'error',
      {
        severity: 'error',
        code: 'structure',
        reason: 'document-url',
        text: 'gave a document URL that is not a URL',
      },
      { cause: error },
    );
  }
  if (target.origin !== new URL(baseUrl).origin || target.username || target.password) {
    throw new UpstreamFailure('rejected', {
      severity: 'error',
      code: 'security',
      reason: 'document-foreign-origin',
      text: "gave a document URL on another origin than the source's; the broker fetches documents only from the source itself",
    });
  }
  return target;
}

/**
 * A GET of a document: never a redirect, only an allowed media type, refused unread when it declares more
 * than the cap, and cut off when it sends more than the cap; the body is streamed, never buffered whole.
 */
export async function openDocument(request: OpenDocumentRequest): Promise<OpenedDocument> {
  const target = documentUrl(request.url, request.baseUrl);
  const controller = new AbortController();
  const signal = AbortSignal.any([request.signal, controller.signal]);
  let response: Response;
  try {
    response = await fetch(target, {
      headers: { Accept: DOCUMENT_CONTENT_TYPES.join(', '), ...request.headers },
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw new UpstreamFailure(
      request.signal.aborted ? 'timeout' : 'error',
      {
        severity: 'error',
        code: request.signal.aborted ? 'timeout' : 'transient',
        reason: request.signal.aborted ? 'timeout' : 'unreachable',
        text: request.signal.aborted
          ? 'did not send the document in time'
          : 'could not be reached for the document',
      },
      { cause: error },
    );
  }
  const refuse = (failure: UpstreamFailure): never => {
    controller.abort();
    throw failure;
  };
  // Redirects are not followed (fetch's manual mode hands them back): failureForStatus refuses them.
  const failure = failureForStatus(response.status);
  if (failure) refuse(failure);
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(DOCUMENT_CONTENT_TYPES as readonly string[]).includes(contentType))
    refuse(
      upstreamError(
        'document-content-type',
        `sent a document of type ${contentType.slice(0, 64) || 'unknown'}; the broker passes on only ${DOCUMENT_CONTENT_TYPES.join(', ')}`,
        'not-supported',
      ),
    );
  const declared = response.headers.get('content-length');
  const length = declared === null ? undefined : Number(declared);
  if (length !== undefined && (!Number.isFinite(length) || length > request.maxBytes))
    refuse(tooLarge(request.maxBytes));
  if (!response.body) refuse(upstreamError('bad-response', 'sent a document without a body', 'structure'));
  const body = response.body!;
  return {
    contentType,
    ...(length !== undefined ? { length } : {}),
    body: capped(body, request.maxBytes, () => controller.abort()),
    cancel: () => controller.abort(),
  };
}

function tooLarge(maxBytes: number): UpstreamFailure {
  return upstreamError(
    'document-too-large',
    `sent a document larger than the broker's limit of ${Math.floor(maxBytes / (1024 * 1024))} MB`,
    'too-costly',
  );
}

async function* capped(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  abort: () => void,
): AsyncIterable<Uint8Array> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.byteLength;
    if (seen > maxBytes) {
      abort();
      throw tooLarge(maxBytes);
    }
    yield chunk;
  }
}
