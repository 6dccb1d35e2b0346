import { EntryTraces } from './entry-traces';

const TRACEPARENT = (n: number): string => `00-${String(n).padStart(32, '0')}-${'1'.repeat(16)}-01`;

describe('the trace each journal entry was committed in', () => {
  test('when entries are committed in a traced view, then each entry gives its traceparent, as often as asked', () => {
    const traces = new EntryTraces();
    traces.remember(['event-1', 'alert-1'], TRACEPARENT(1));
    // Two sinks of the same entry each get a job carrying it.
    expect(traces.traceparentOf('event-1')).toBe(TRACEPARENT(1));
    expect(traces.traceparentOf('event-1')).toBe(TRACEPARENT(1));
    expect(traces.traceparentOf('alert-1')).toBe(TRACEPARENT(1));
    expect(traces.traceparentOf('never-committed-here')).toBeUndefined();
  });

  test('when more entries are committed than it keeps, then the oldest are forgotten first', () => {
    const traces = new EntryTraces(2);
    traces.remember(['a'], TRACEPARENT(1));
    traces.remember(['b'], TRACEPARENT(2));
    traces.remember(['c'], TRACEPARENT(3));
    expect(['a', 'b', 'c'].map((id) => traces.traceparentOf(id))).toEqual([
      undefined,
      TRACEPARENT(2),
      TRACEPARENT(3),
    ]);
  });
});
