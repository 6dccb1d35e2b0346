import type { Request } from 'express';
import { FormRejected, readLimited } from './form-body';
import { badRequest } from './fhir-error';
import { OutcomeError, operationOutcome } from '../../core/outcome-error';

const JSON_TYPES = ['application/fhir+json', 'application/json'];

/**
 * A JSON request body of at most `maxBytes` (413 past it, unread), as FHIR or plain JSON; anything
 * else is a 415 or a 400 saying what to send. Parsed with JSON.parse: `__proto__` keys stay data.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  if (!req.is(JSON_TYPES)) {
    throw new OutcomeError(
      'unsupported-media-type',
      operationOutcome(
        'error',
        'not-supported',
        'Send the body as application/fhir+json (or application/json).',
      ),
    );
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    throw new OutcomeError(
      'unsupported-media-type',
      operationOutcome('error', 'not-supported', 'Compressed request bodies are not accepted.'),
    );
  }
  let body: Buffer;
  try {
    body = await readLimited(req, maxBytes);
  } catch (error) {
    if (error instanceof FormRejected) throw badRequest('The request ended before its body was read.');
    throw error;
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}
