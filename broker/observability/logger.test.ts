import { Writable } from 'node:stream';
import { AxiosError } from 'axios';
import { createLogger, scrub } from './logger';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it("when an HTTP client's error is logged, then neither its URL's NHS number nor its token reach the log", () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    const error = new AxiosError(
      'Request to http://gp.test/Patient?identifier=nhs|9000000009 failed',
      'ECONNRESET',
      {
        url: 'http://gp.test/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9000000009',
        headers: { Authorization: 'Bearer eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJ4In0.c2ln' },
      } as never,
    );
    logger.error({ err: new Error('adapter fault', { cause: error }), sourceId: 'gp' }, 'adapter fault');

    const text = lines.join('');
    expect(text).toContain('"sourceId":"gp"');
    expect(text).toContain('ECONNRESET');
    expect(text).not.toMatch(/9000000009|eyJ|Bearer e/);
  });

  it('when text holds NHS numbers or tokens in any spacing, then scrub replaces them', () => {
    expect(scrub('patient 943 476 5919 and 9434765919')).toBe('patient [number] and [number]');
    expect(scrub('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer [token]');
    expect(scrub('jwt eyJa.eyJb.sig here')).toBe('jwt [token] here');
  });
});
