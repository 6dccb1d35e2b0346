import type { Registry } from 'prom-client';

/** The value of one series (0 when it has not been written yet). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const series = (metric?.values ?? []).find((v) =>
    Object.entries(labels).every(([key, value]) => v.labels[key] === value),
  );
  return series?.value ?? 0;
}
