import type { Request } from 'express';
import { bodyTooLarge } from './hardening/body-limit';

const FORM = 'application/x-www-form-urlencoded';

/** Why a form body could not be read; the reason is safe to return as an OAuth error description. */
export class FormRejected extends Error {
  constructor(readonly reason: string) {
    super('Form body refused');
    this.name = 'FormRejected';
  }
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `maxBytes` into a Map (no object keys,
 * so `__proto__` or `constructor` are just names). It stops reading at the limit: the caller answers
 * 413 and the connection closes, rather than draining the rest as body-parser would. Compressed
 * bodies and repeated parameters (RFC 6749 §3.2) are refused.
 */
export async function readForm(req: Request, maxBytes: number): Promise<ReadonlyMap<string, string>> {
  if (!req.is(FORM)) throw new FormRejected(`the request must be ${FORM}`);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity')
    throw new FormRejected('compressed bodies are not accepted');
  const body = await readLimited(req, maxBytes);
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (form.has(name)) throw new FormRejected('a parameter is given more than once');
    form.set(name, value);
  }
  return form;
}

/** The body, read up to the limit; past it, reading stops (paused, not destroyed, so the 413 can be sent). */
export function readLimited(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        req.pause();
        reject(bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => {
      stop();
      reject(new FormRejected('the request ended before its body'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
