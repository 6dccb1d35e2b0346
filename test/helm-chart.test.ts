import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { deepMerge, loadConfig, projectRoot } from '../config/load-config';
import { eventsSchema } from '../config/sections/events';

/**
 * The Helm chart, checked without a helm binary (there is none here; .ci/run runs `helm lint` and
 * `helm template` where there is): its values against values.schema.json with ajv, every `.Values`
 * path the templates use defined and described, names within Kubernetes' limits, and the broker
 * configuration in each example accepted by the broker's own schema.
 */
const chart = path.join(projectRoot(), 'helm', 'hie-broker');
const readChart = (file: string): string => readFileSync(path.join(chart, file), 'utf8');
type Values = Record<string, unknown>;
const values = parse(readChart('values.yaml')) as Values;
const schema = JSON.parse(readChart('values.schema.json')) as JsonSchema;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const examples = readdirSync(path.join(chart, 'examples')).filter((file) => file.endsWith('.yaml'));
const templateFiles = readdirSync(path.join(chart, 'templates'));
const templates = templateFiles.map((file) => readChart(path.join('templates', file))).join('\n');

interface JsonSchema {
  readonly type?: string | string[];
  readonly description?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly items?: JsonSchema;
}

/** Values as helm sees them: the example over values.yaml (objects merged, lists replaced). */
const withExample = (file: string): Values =>
  deepMerge(values, parse(readChart(path.join('examples', file))) as Values);
const problems = (candidate: Values): string[] =>
  validate(candidate)
    ? []
    : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}`);

describe('the Helm chart', () => {
  test('when values.yaml is validated against values.schema.json, then it passes', () => {
    expect(problems(values)).toEqual([]);
  });

  test.each(examples)('when examples/%s is layered over values.yaml, then it validates', (file) => {
    expect(problems(withExample(file))).toEqual([]);
  });

  test('when there are examples, then there is one for production and one for a single pod', () => {
    expect(examples).toEqual(expect.arrayContaining(['production.yaml', 'single-node.yaml']));
  });

  test('when more than one API pod, autoscaling or workers are asked for with the file journal, then the schema refuses', () => {
    const fileJournal = (over: Values): Values => deepMerge(values, over);
    expect(problems(fileJournal({ api: { replicaCount: 2 } }))).not.toEqual([]);
    expect(problems(fileJournal({ api: { processesPerPod: 2 } }))).not.toEqual([]);
    expect(problems(fileJournal({ api: { autoscaling: { enabled: true } } }))).not.toEqual([]);
    expect(
      problems(fileJournal({ worker: { enabled: true }, redis: { url: 'redis://r:6379' } })),
    ).not.toEqual([]);
    // The same with PostgreSQL is accepted; workers still need Redis.
    const postgres = { postgresql: { existingSecret: { name: 'pg', key: 'database-url' } } };
    expect(problems(fileJournal({ ...postgres, api: { replicaCount: 3 } }))).toEqual([]);
    expect(problems(fileJournal({ ...postgres, worker: { enabled: true } }))).not.toEqual([]);
    expect(
      problems(fileJournal({ ...postgres, worker: { enabled: true }, redis: { url: 'redis://r:6379' } })),
    ).toEqual([]);
    // And the templates refuse it too, for a helm that skips the schema.
    expect(templates).toContain(
      'fail "api.replicaCount > 1 (or api.autoscaling) needs postgresql.existingSecret',
    );
  });

  test('when the pods run, then the schema holds them to non-root, a read-only root filesystem and no capabilities', () => {
    expect(problems(deepMerge(values, { securityContext: { readOnlyRootFilesystem: false } }))).not.toEqual(
      [],
    );
    expect(
      problems(deepMerge(values, { securityContext: { capabilities: { drop: ['NET_RAW'] } } })),
    ).not.toEqual([]);
    expect(problems(deepMerge(values, { podSecurityContext: { runAsNonRoot: false } }))).not.toEqual([]);
  });

  test('when a template uses a .Values path, then values.yaml defines it and the schema describes it', () => {
    const used = new Set(
      [...templates.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => m[1]!.slice(1)),
    );
    expect(used.size).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const dotted of used) {
      let value: unknown = values;
      let node: JsonSchema | undefined = schema;
      for (const key of dotted.split('.')) {
        value = typeof value === 'object' && value !== null ? (value as Values)[key] : undefined;
        node = node?.properties?.[key];
      }
      if (value === undefined) missing.push(`${dotted}: not in values.yaml`);
      if (!node?.description) missing.push(`${dotted}: not described in values.schema.json`);
    }
    expect(missing).toEqual([]);
  });

  test('when the schema lists a property, then it says what it is for', () => {
    const undescribed: string[] = [];
    const walk = (node: JsonSchema, at: string): void => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) undescribed.push(`${at}${key}`);
        walk(child, `${at}${key}.`);
      }
      if (node.items) walk(node.items, `${at}[].`);
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
  });

  test('when templates include a helper, then it is defined', () => {
    const defined = new Set([...templates.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const included = new Set([...templates.matchAll(/include "([^"]+)"/g)].map((m) => m[1]));
    expect([...included].filter((name) => !defined.has(name))).toEqual([]);
  });

  test('when objects are named, then every name stays within 63 characters and port names within 15', () => {
    const helpers = readChart('templates/_helpers.tpl');
    const cut = Math.max(
      ...[...helpers.matchAll(/trunc (\d+)/g)].filter((m) => m[1] !== '63').map((m) => Number(m[1])),
    );
    // Names are the fullname and a literal suffix.
    const suffixes = [
      ...templates.matchAll(/include "hie-broker\.fullname" [^}]*\}\}(-[a-z]+|-\{\{ \.role \}\})/g),
    ].map((m) => (m[1] === '-{{ .role }}' ? '-worker' : m[1]!));
    expect(suffixes.length).toBeGreaterThan(3);
    for (const suffix of suffixes) expect(cut + suffix.length).toBeLessThanOrEqual(63);
    const chartYaml = parse(readChart('Chart.yaml')) as { name: string; version: string };
    expect(chartYaml.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(`${chartYaml.name}-${chartYaml.version}`.length).toBeLessThanOrEqual(63);
    for (const [, name] of templates.matchAll(/- name: ([a-z0-9-]+)\n\s+(?:containerPort|port):/g))
      expect(name!.length).toBeLessThanOrEqual(15);
    for (const file of examples) {
      const example = withExample(file) as { secrets: { files: { name: string }[] } };
      for (const volume of example.secrets.files) expect(volume.name.length).toBeLessThanOrEqual(63);
    }
  });

  test.each(examples)(
    "when examples/%s configures the broker, then the broker's own schema accepts it",
    (file) => {
      const example = withExample(file) as {
        config: Values;
        secrets?: Record<'signingKey' | 'federationKey', { secretName?: string; key?: string } | undefined>;
      };
      // As the chart's helper does: a signing (federation) key from a Secret is mounted and named as
      // broker.signingKey (broker.federationKey).
      let config = example.config;
      for (const [name, dir] of [
        ['signingKey', 'signing-key'],
        ['federationKey', 'federation-key'],
      ] as const) {
        const secret = example.secrets?.[name];
        if (secret?.secretName)
          config = deepMerge(config, {
            broker: { [name]: { file: `/var/run/secrets/hie-broker/${dir}/${secret.key}` } },
          });
      }
      expect(() => loadConfig({ env: {}, overrides: config })).not.toThrow();
    },
  );

  test("when the chart sets the events settings, then its defaults are the broker's and the schema types them", () => {
    const chartEvents = (values.config as { events: Values }).events;
    const brokerEvents = eventsSchema.parse(undefined) as unknown as Values;
    expect(chartEvents).toEqual(brokerEvents);
    const events = (over: Values): Values => deepMerge(values, { config: { events: over } });
    // The SSRF guard's switch is a boolean, off by default; unknown settings are refused.
    expect(chartEvents).toMatchObject({ subscriberEndpoints: { allowPrivateNetworks: false } });
    expect(problems(events({ subscriberEndpoints: { allowPrivateNetworks: 'yes' } }))).not.toEqual([]);
    expect(problems(events({ subscriberEndpoints: { allowPrivateHosts: true } }))).not.toEqual([]);
    expect(problems(events({ delivery: { attempts: 0 } }))).not.toEqual([]);
    expect(problems(events({ delivery: { workerIdleMs: 60_000 } }))).toEqual([]);
    expect(
      problems(
        events({ systems: [{ clientId: 'Not Kebab', name: 'x', odsCode: 'R1X', jwksUrl: 'https://x' }] }),
      ),
    ).not.toEqual([]);
    // Notifications leave through the egress the network policy allows.
    expect(templates).toContain('.Values.networkPolicy.eventSubscribers');
    const production = withExample('production.yaml') as { config: { events: { systems: unknown[] } } };
    expect(production.config.events.systems.length).toBeGreaterThan(0);
  });

  test('when the pods are probed, then liveness is /livez and readiness /readyz, on both roles', () => {
    expect(templates).toMatch(/livenessProbe:\s+httpGet: \{ path: \/livez/);
    expect(templates).toMatch(/readinessProbe:\s+httpGet: \{ path: \/readyz/);
    expect(templateFiles).toEqual(
      expect.arrayContaining([
        'deployment-api.yaml',
        'deployment-worker.yaml',
        'service.yaml',
        'ingress.yaml',
        'configmap.yaml',
        'hpa.yaml',
        'pdb.yaml',
        'networkpolicy.yaml',
        'NOTES.txt',
      ]),
    );
  });

  test('when CI runs on a machine with helm, then it lints and renders the chart', () => {
    const ci = readFileSync(path.join(projectRoot(), '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/command -v helm/);
    expect(ci).toMatch(/helm lint helm\/hie-broker/);
    expect(ci).toMatch(/helm template/);
    expect(existsSync(path.join(chart, 'Chart.yaml'))).toBe(true);
  });
});
