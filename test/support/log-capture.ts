import { Writable } from 'node:stream';

/** A pino destination that keeps every log line, parsed, for a test to read. */
export function captureLogs(): { logs: Record<string, unknown>[]; destination: Writable } {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logs, destination };
}
