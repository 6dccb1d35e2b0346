import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type BrokerConfig } from './schema';

export interface ConfigProblem {
  /** Dotted path into the configuration, e.g. `sources.2.baseUrl`, or the environment variable. */
  readonly path: string;
  readonly message: string;
}

/** Configuration that cannot be used. Carries every problem, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super('Invalid configuration', options);
    this.name = 'ConfigError';
  }

  /** Human-readable, one problem a line; no stack. */
  describe(): string {
    return [`${this.message}:`, ...this.problems.map((p) => `  - ${p.path}: ${p.message}`)].join('\n');
  }
}

/** Environment variables an operator may use instead of editing YAML. */
const ENV_OVERRIDES = [
  { name: 'HOST', path: ['server', 'host'], type: 'string' },
  { name: 'PORT', path: ['server', 'port'], type: 'number' },
  { name: 'REDIS_URL', path: ['redis', 'url'], type: 'string' },
  { name: 'LOG_LEVEL', path: ['logging', 'level'], type: 'string' },
  // The audit store becomes PostgreSQL at this URL (a password belongs in PGPASSWORD).
  { name: 'DATABASE_URL', path: ['audit', 'store'], type: 'postgres-store' },
  { name: 'FEDERATION_DEADLINE_MS', path: ['federation', 'deadlineMs'], type: 'number' },
  { name: 'FEDERATION_SOURCE_TIMEOUT_MS', path: ['federation', 'sourceTimeoutMs'], type: 'number' },
] as const;

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  readonly env?: Env;
  /** The operator's file, layered over config/default.yaml; defaults to env CONFIG_FILE. */
  readonly file?: string;
  /** Already-parsed values layered last (tests, the demo). */
  readonly overrides?: Record<string, unknown>;
}

export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the config loader');
    dir = parent;
  }
  return dir;
}

export const DEFAULT_CONFIG_FILE = (): string => path.join(projectRoot(), 'config', 'default.yaml');

/** Reads config/default.yaml, the operator's file, then environment overrides; validates the result. */
export function loadConfig(options: LoadConfigOptions = {}): BrokerConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CONFIG_FILE;
  const problems: ConfigProblem[] = [];

  let merged = readYamlFile(DEFAULT_CONFIG_FILE(), problems);
  if (file) merged = deepMerge(merged, readYamlFile(path.resolve(file), problems));
  merged = deepMerge(merged, envOverrides(env, problems));
  if (options.overrides) merged = deepMerge(merged, options.overrides);
  // A file that cannot be read is reported alone: what the schema would say about its absence is noise.
  if (problems.some((p) => !ENV_OVERRIDES.some((o) => o.name === p.path))) throw new ConfigError(problems);

  const result = configSchema.safeParse(merged);
  if (result.success && problems.length === 0) return result.data;
  const schemaProblems = result.success ? [] : describeZodIssues(result.error.issues, env);
  throw new ConfigError([...problems, ...schemaProblems]);
}

function readYamlFile(file: string, problems: ConfigProblem[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({ path: file, message: code === 'ENOENT' ? 'file not found' : `cannot be read (${code})` });
    return {};
  }
  try {
    const value: unknown = parseYaml(text);
    if (value === null || value === undefined) return {};
    if (!isPlainObject(value)) {
      problems.push({ path: file, message: 'must be a YAML mapping at the top level' });
      return {};
    }
    return value;
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    problems.push({ path: file, message: `is not valid YAML${where}` });
    return {};
  }
}

function envOverrides(env: Env, problems: ConfigProblem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const override of ENV_OVERRIDES) {
    const raw = env[override.name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (override.type === 'postgres-store') value = { kind: 'postgres', url: raw };
    if (override.type === 'number') {
      value = /^\d+$/.test(raw) ? Number(raw) : undefined;
      if (value === undefined) {
        problems.push({ path: override.name, message: 'must be a whole number' });
        continue;
      }
    }
    let node = out;
    override.path.slice(0, -1).forEach((key) => {
      node = (node[key] ??= {}) as Record<string, unknown>;
    });
    node[override.path[override.path.length - 1]!] = value;
  }
  return out;
}

function describeZodIssues(issues: readonly z.core.$ZodIssue[], env: Env): ConfigProblem[] {
  return issues.map((issue) => {
    const dotted = issue.path.map(String).join('.') || '(root)';
    const fromEnv = ENV_OVERRIDES.find((o) => o.path.join('.') === dotted && env[o.name]);
    return { path: fromEnv ? `${dotted} (from ${fromEnv.name})` : dotted, message: issue.message };
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`; an empty (null) key keeps the default. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) continue;
    const current = out[key];
    // A tagged object of another kind (e.g. audit.store file → postgres) replaces the base whole.
    const otherKind =
      isPlainObject(current) && isPlainObject(value) && 'kind' in value && value.kind !== current.kind;
    out[key] =
      isPlainObject(current) && isPlainObject(value) && !otherKind ? deepMerge(current, value) : value;
  }
  return out;
}
