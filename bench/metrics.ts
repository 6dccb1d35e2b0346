/** One series of a broker's Prometheus /metrics (0 when it has not been written yet). */
export async function brokerMetric(
  brokerUrl: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<number> {
  const text = await (await fetch(`${brokerUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** The most a broker's heap held (live and not yet collected) and its memory outside the heap (buffers), in MB. */
export interface MemoryPeaks {
  readonly heapUsedMb: number;
  readonly externalMb: number;
}

/**
 * Samples the broker's own heap and external-memory gauges from /metrics twice a second until stopped
 * (with several processes, whichever answers): what RSS is made of, which RSS alone cannot say.
 */
export function sampleMemory(brokerUrl: string): { stop(): Promise<MemoryPeaks> } {
  let heapUsed = 0;
  let external = 0;
  let running = true;
  const sampling = (async () => {
    while (running) {
      try {
        const text = await (await fetch(`${brokerUrl}/metrics`)).text();
        for (const line of text.split('\n')) {
          const value = Number(line.slice(line.lastIndexOf(' ') + 1));
          if (line.startsWith('hie_nodejs_heap_size_used_bytes ')) heapUsed = Math.max(heapUsed, value);
          else if (line.startsWith('hie_nodejs_external_memory_bytes ')) external = Math.max(external, value);
        }
      } catch {
        // A sample missed (the broker busy or stopping): the next one counts.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await sampling;
      return { heapUsedMb: heapUsed / 1024 / 1024, externalMb: external / 1024 / 1024 };
    },
  };
}
