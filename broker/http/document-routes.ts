import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { Requester } from '../../core/requester';
import { OutcomeError, outcomeOf } from '../../core/outcome-error';
import { parseBinaryId, type BinaryRef } from '../documents/binary-id';
import type { DocumentReader } from '../documents/document-reader';
import { auditContextOf } from './audit-context';
import { requireNhsNumber } from './fhir-params';
import { summarise } from './fhir-routes';
import { locals } from './request-context';
import { assertViewAvailable } from './view-availability';

export interface DocumentRoutesOptions {
  readonly reader: DocumentReader;
  readonly requesterOf: (req: Request, res: Response) => Requester;
}

const BINARY_ROUTE = '/fhir/Binary/:id';
const RECORD_ROUTE = '/api/v1/patients/:nhs/documents/:id';

/**
 * A document's content through the broker: `GET /fhir/Binary/{id}` (the id the view's
 * DocumentReference gives in `content.attachment.url`) and the same under the record endpoint. The
 * bytes are the source's, streamed with its media type; refusals are OperationOutcomes.
 */
export function documentRoutes(options: DocumentRoutesOptions): Router {
  const router = Router();
  const serve =
    (route: string, refOf: (req: Request) => BinaryRef) =>
    async (req: Request, res: Response): Promise<void> => {
      locals(res).route = route;
      if (Object.keys(req.query).length > 0) {
        throw new OutcomeError('invalid', outcomeOf('invalid', 'A document read takes no parameters.'));
      }
      const ref = refOf(req);
      const requester = options.requesterOf(req, res);
      const chain = locals(res).chain ?? [];
      const { document, title } = await options.reader.read({
        ref,
        requester,
        trace: locals(res).trace,
        chain,
        audit: auditContextOf(req, res, 'read'),
        onView: (view) => {
          locals(res).viewSummary = summarise(view, requester, chain);
          assertViewAvailable(view, { notFoundIs404: true });
        },
      });
      res.status(200);
      res.setHeader('Content-Type', document.contentType);
      if (document.length !== undefined) res.setHeader('Content-Length', document.length);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader(
        'Content-Disposition',
        `inline; filename="${(title ?? ref.documentId).replace(/[^A-Za-z0-9 ._-]/g, '_').slice(0, 120)}"`,
      );
      try {
        await pipeline(Readable.from(document.body), res);
      } catch {
        // Cut off (too large mid-stream, or the source failed): the connection is closed, so the client
        // never takes a partial document for a whole one.
        document.cancel();
        res.destroy();
      }
    };

  router.get(
    BINARY_ROUTE,
    serve(BINARY_ROUTE, (req) => {
      const ref = parseBinaryId(String(req.params.id));
      if (!ref) {
        throw new OutcomeError(
          'not-found',
          outcomeOf(
            'not-found',
            'This broker serves documents only by the Binary ids its DocumentReferences give (content.attachment.url).',
          ),
        );
      }
      requireNhsNumber(ref.nhsNumber, 'the Binary id');
      return ref;
    }),
  );
  router.get(
    RECORD_ROUTE,
    serve(RECORD_ROUTE, (req) => {
      const nhsNumber = requireNhsNumber(String(req.params.nhs), 'the path');
      const ref = parseBinaryId(String(req.params.id));
      if (!ref || ref.nhsNumber !== nhsNumber) {
        throw new OutcomeError(
          'not-found',
          outcomeOf('not-found', "No such document in this patient's record: use the id the record gives."),
        );
      }
      return ref;
    }),
  );
  return router;
}
