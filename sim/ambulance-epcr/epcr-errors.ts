import type { EpcrError } from './epcr-wire';

const CODES: Readonly<Record<number, { code: string; message: string }>> = {
  400: { code: 'bad-request', message: 'The request parameters are not valid' },
  401: { code: 'unauthorised', message: 'A valid X-API-Key header is required' },
  403: { code: 'forbidden', message: 'This API key may not read patient care records' },
  404: { code: 'not-found', message: 'No such patient' },
  429: { code: 'rate-limited', message: 'Too many requests; retry later' },
  500: { code: 'internal-error', message: 'The ePCR service failed to process the request' },
  503: { code: 'unavailable', message: 'The ePCR service is temporarily unavailable' },
};

/** The ePCR API's error body for an HTTP status. */
export function epcrErrorBody(status: number, message?: string): EpcrError {
  const known = CODES[status] ?? { code: `http-${status}`, message: 'The request failed' };
  return { error: { code: known.code, message: message ?? known.message } };
}
