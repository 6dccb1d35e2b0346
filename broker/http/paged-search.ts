import type { Bundle } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';
import type { Requester } from '../../core/requester';
import { bundlePage } from '../paging/bundle-page';
import {
  PageStoreUnavailable,
  type PageSnapshotStore,
  type PageSubject,
} from '../paging/page-snapshot-store';
import { notFound } from './fhir-error';
import { OutcomeError, operationOutcome } from '../../core/outcome-error';
import { parseCountParam, parseOffsetParam, readParams } from './fhir-params';

/**
 * A page link: the FHIR base with the snapshot's random id, the offset and the page size (as HAPI
 * does). It holds no NHS number and nothing else about the patient.
 */
export function pageUrl(baseUrl: string, id: string, offset: number, count: number): string {
  return `${baseUrl}?_getpages=${id}&_getpagesoffset=${offset}&_count=${count}`;
}

const matchCount = (bundle: Bundle): number =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length;

/**
 * The first page of a `_count` search. When the result is longer than a page it is kept as a
 * snapshot, so that `next` reads the same merged result rather than fanning out again.
 */
export async function firstPage(
  bundle: Bundle,
  options: {
    count: number;
    owner: string;
    subject: PageSubject;
    pages: PageSnapshotStore;
    baseUrl: string;
    selfUrl: string;
  },
): Promise<Bundle> {
  if (matchCount(bundle) <= options.count) return bundle;
  const snapshot = await options.pages.save({ owner: options.owner, subject: options.subject, bundle });
  return bundlePage(bundle, {
    offset: 0,
    count: options.count,
    selfUrl: options.selfUrl,
    pageUrl: (offset) => pageUrl(options.baseUrl, snapshot.id, offset, options.count),
  });
}

const unknownPages = (): OutcomeError =>
  notFound('These search results are not known here. Repeat the search to page through it again.');

/** The shared store of page snapshots (Redis) cannot be read: transient, nothing about the result is known. */
const pagesUnavailable = (cause: PageStoreUnavailable): OutcomeError =>
  new OutcomeError(
    'unavailable',
    operationOutcome(
      'error',
      'transient',
      'Later pages cannot be read just now: the store that keeps search results is unavailable. Follow the link again in a minute; if it still fails, repeat the search, and if that fails too, tell the service desk.',
    ),
    { cause, headers: { 'Retry-After': '30' } },
  );

/** `GET /fhir?_getpages={id}&_getpagesoffset={n}&_count={n}`: a later page of a kept result, for its requester only. */
export async function readPage(
  req: Request,
  res: Response,
  options: {
    pages: PageSnapshotStore;
    requesterOf: (req: Request, res: Response) => Requester;
    baseUrlOf: (req: Request) => string;
    /** Records the page's release in the audit trail before it is returned. */
    audit: (subject: PageSubject) => Promise<void>;
  },
): Promise<Bundle> {
  const params = readParams(req, ['_getpages', '_getpagesoffset', '_count']);
  const id = params.get('_getpages');
  if (id === undefined) {
    throw notFound('There is no FHIR endpoint at the base URL. Start from /fhir/metadata.');
  }
  const offset = parseOffsetParam(params.get('_getpagesoffset'));
  const count = parseCountParam(params.get('_count')) ?? 50;
  res.set('Cache-Control', 'no-store');
  const found = await options.pages.find(id, options.requesterOf(req, res).userId).catch((error: unknown) => {
    throw error instanceof PageStoreUnavailable ? pagesUnavailable(error) : error;
  });
  if (found.status === 'unknown') throw unknownPages();
  if (found.status === 'expired') {
    throw new OutcomeError(
      'gone',
      operationOutcome(
        'error',
        'processing',
        'These search results have expired. Repeat the search to see the record as it is now.',
      ),
    );
  }
  const { bundle, id: snapshotId } = found.snapshot;
  const total = matchCount(bundle);
  if (offset > 0 && offset >= total) {
    throw new OutcomeError(
      'invalid',
      operationOutcome(
        'error',
        'invalid',
        '_getpagesoffset is past the end of the results.',
        '_getpagesoffset',
      ),
    );
  }
  await options.audit(found.snapshot.subject);
  const baseUrl = options.baseUrlOf(req);
  return bundlePage(bundle, {
    offset,
    count,
    selfUrl: pageUrl(baseUrl, snapshotId, offset, count),
    pageUrl: (next) => pageUrl(baseUrl, snapshotId, next, count),
  });
}
