import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../config/load-config';
import { parseDockerfile, type Instruction, type Stage } from './support/dockerfile';

/**
 * What can be checked of the image without a Docker engine (there is none here): the files the
 * Dockerfile copies exist and are in the build context, the entrypoint it runs is built, and the
 * runtime stage is what an operator's platform expects (non-root, read-only root filesystem,
 * production dependencies only, an init, a health check).
 */
const root = projectRoot();
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const ignored = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const [build, runtime] = dockerfile.stages as [Stage, Stage];
const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The TypeScript files under a folder the image runs, without tests. */
function sourcesUnder(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(folder, file));
}

/** Whether .dockerignore keeps a path out of the build context (its patterns as used here: names and globs). */
function isIgnored(file: string): boolean {
  return ignored.some((pattern) => {
    if (pattern.startsWith('**/'))
      return new RegExp(`${pattern.slice(3).replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(file);
    if (pattern.includes('*'))
      return new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(file);
    return file === pattern || file.startsWith(`${pattern}/`);
  });
}

/** node's flags and script in an exec-form command. */
function nodeCommand(args: readonly string[]): { flags: string[]; script: string } {
  expect(args[0]).toBe('node');
  return { flags: args.slice(1, -1), script: args.at(-1)! };
}

describe('the container image', () => {
  test('when the image is built, then it is two stages: a build with every dependency, and a runtime from it', () => {
    expect(dockerfile.stages).toHaveLength(2);
    expect(build.name).toBe('build');
    expect(
      runtime.instructions.filter((i) => i.keyword === 'COPY' && i.flags.from).map((i) => i.flags.from),
    ).toEqual(['build', 'build', 'build']);
  });

  test('when the Dockerfile copies from the build context, then every file exists and .dockerignore lets it in', () => {
    const copies = dockerfile.stages.flatMap((stage) => all(stage, 'COPY').filter((i) => !i.flags.from));
    const sources = copies.flatMap((i) => i.args.slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect({ source, exists: existsSync(path.join(root, source)), ignored: isIgnored(source) }).toEqual({
        source,
        exists: true,
        ignored: false,
      });
    }
  });

  test('when the build compiles, then what the runtime runs is among its outputs', () => {
    const run = all(build, 'RUN')
      .map((i) => i.raw)
      .join(' ');
    expect(run).toContain('tsc -p tsconfig.build.json');
    const tsconfig = JSON.parse(read('tsconfig.build.json')) as { exclude: string[] };
    const base = JSON.parse(read('tsconfig.json')) as { include: string[] };
    const copied = all(build, 'COPY').flatMap((i) => i.args.slice(0, -1));
    const { flags, script } = nodeCommand(one(runtime, 'CMD').args);
    const required = flags.filter((f) => f.startsWith('--require=')).map((f) => f.slice('--require='.length));
    for (const output of [script, ...required]) {
      // dist/x/y.js is compiled from x/y.ts, which must be copied in, compiled, and not removed after.
      const source = path
        .normalize(output)
        .replace(/^dist\//, '')
        .replace(/\.js$/, '.ts');
      const folder = source.split('/')[0]!;
      expect({ output, source: existsSync(path.join(root, source)) }).toEqual({ output, source: true });
      expect(copied).toContain(folder);
      expect(base.include).toContain(folder);
      expect(tsconfig.exclude).not.toContain(folder);
      expect(run).not.toContain(`rm -rf dist/${folder}`);
    }
  });

  test('when the image starts, then it runs the broker as npm start does, under tini', () => {
    expect(one(runtime, 'ENTRYPOINT').args).toEqual(['/usr/bin/tini', '--']);
    expect(
      all(runtime, 'RUN')
        .map((i) => i.raw)
        .join(' '),
    ).toMatch(/apt-get install .*\btini\b/);
    const { flags, script } = nodeCommand(one(runtime, 'CMD').args);
    const start = packageJson.scripts.start!.split(' ');
    expect(flags).toEqual(start.filter((part) => part.startsWith('--')));
    expect(script).toBe(start.at(-1));
  });

  test('when the image runs, then it is production: NODE_ENV, production dependencies only, the pinned Node', () => {
    expect(one(runtime, 'ENV').raw).toMatch(/NODE_ENV=production/);
    expect(
      all(build, 'RUN')
        .map((i) => i.raw)
        .join(' '),
    ).toMatch(/npm prune --omit=dev/);
    const nodeVersion = dockerfile.args.find((i) => i.keyword === 'ARG' && i.raw.startsWith('NODE_VERSION='));
    expect(nodeVersion?.raw).toBe(`NODE_VERSION=${packageJson.devDependencies.node}`);
    for (const stage of dockerfile.stages) expect(stage.from).toMatch(/^node:\$\{NODE_VERSION\}-/);
  });

  test('when only production dependencies are installed, then everything the broker loads is one of them', () => {
    const packages = new Set<string>();
    for (const file of ['core', 'config', 'adapters', 'broker', 'viewer'].flatMap(sourcesUnder)) {
      const text = read(file);
      // Type-only imports are erased by the compiler; everything else is loaded at run time.
      for (const [, what, name] of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^'.][^']*)'/gms)) {
        if (!what) packages.add(name!);
      }
      for (const [, name] of text.matchAll(/require\('([^'.][^']*)'\)/g)) packages.add(name!);
    }
    const missing = [...packages]
      .map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!))
      .filter((name) => !name.startsWith('node:') && !builtinModules.includes(name))
      .filter((name) => !packageJson.dependencies[name]);
    expect([...new Set(missing)]).toEqual([]);
  });

  test('when the root filesystem is read-only, then the audit journal and tmp are volumes the non-root user owns', () => {
    const user = one(runtime, 'USER').raw;
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const workdir = one(runtime, 'WORKDIR').raw;
    const defaults = parse(read('config/default.yaml')) as { audit: { store: { directory: string } } };
    const journal = path.posix.join(workdir, defaults.audit.store.directory);
    const volumes = one(runtime, 'VOLUME').args;
    expect(volumes).toContain('/tmp');
    expect(volumes.some((volume) => journal.startsWith(`${volume}/`))).toBe(true);
    const setup = all(runtime, 'RUN')
      .map((i) => i.raw)
      .join(' ');
    expect(setup).toContain(`mkdir -p ${journal}`);
    expect(setup).toContain(`chown -R ${user}`);
  });

  test('when it is unhealthy, then the health check says so from /livez', () => {
    const check = one(runtime, 'HEALTHCHECK');
    expect(check.json).toBe(true);
    expect(check.args.join(' ')).toContain('/livez');
    expect(one(runtime, 'EXPOSE').raw).toBe('8080');
  });

  test('when the context is sent, then nothing installed, built or secret goes with it', () => {
    for (const path of ['node_modules', 'dist', '.git', '.demo', 'data', 'test', 'coverage'])
      expect({ path, ignored: isIgnored(path) }).toEqual({ path, ignored: true });
  });
});
