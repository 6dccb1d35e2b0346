import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './load-config';

function file(contents: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hie-config-'));
  const target = path.join(dir, 'broker.yaml');
  writeFileSync(target, contents);
  return target;
}

const oneSource = `
sources:
  - id: westway-gp
    kind: fhir-r4
    name: Westway Medical Centre
    odsCode: Y01234
    baseUrl: https://fhir.westway.example/R4/
    supplies: [Condition]
`;

function problems(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when an operator file names one source, then defaults fill every other setting', () => {
    const config = loadConfig({ file: file(oneSource), env: {} });
    expect(config.server.port).toBe(8080);
    expect(config.federation.deadlineMs).toBe(5000);
    expect(config.sources[0]).toMatchObject({
      id: 'westway-gp',
      baseUrl: 'https://fhir.westway.example/R4',
      maxPages: 10,
    });
  });

  it('when environment variables are set, then they override the files', () => {
    const config = loadConfig({
      file: file(oneSource),
      env: { PORT: '9999', REDIS_URL: 'redis://localhost:6379', LOG_LEVEL: 'debug' },
    });
    expect(config.server.port).toBe(9999);
    expect(config.redis.url).toBe('redis://localhost:6379');
    expect(config.logging.level).toBe('debug');
  });

  it('when the file has several mistakes, then every problem is listed with its path', () => {
    const bad = file(`
federation:
  deadlineMs: 1000
sources:
  - id: Westway GP
    kind: fhir-r4
    name: ''
    odsCode: y01
    baseUrl: not a url
    supplies: [Condition, Banana]
    timeoutMs: 2000
    colour: blue
`);
    const found = problems(() => loadConfig({ file: bad, env: {} }));
    const paths = found.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'sources.0.id',
        'sources.0.name',
        'sources.0.odsCode',
        'sources.0.baseUrl',
        'sources.0.supplies.1',
        'sources.0',
      ]),
    );
    expect(found.find((p) => p.path === 'sources.0')?.message).toMatch(/colour/);
  });

  it('when a source has an unknown kind, then the problem lists the kinds there are', () => {
    const bad = file(oneSource.replace('kind: fhir-r4', 'kind: hl7v2'));
    const [problem] = problems(() => loadConfig({ file: bad, env: {} }));
    expect(problem?.path).toBe('sources.0.kind');
    expect(problem?.message).toMatch(/fhir-r4.*gp-connect.*ambulance-epcr.*broker/);
  });

  it('when a source allows more time than the whole view, then it is refused', () => {
    const bad = file(`${oneSource}    timeoutMs: 9000\n`);
    expect(problems(() => loadConfig({ file: bad, env: {} }))).toEqual([
      { path: 'sources.0.timeoutMs', message: 'must not exceed federation.deadlineMs' },
    ]);
  });

  it('when the assembly reserve takes the whole deadline, then it is refused; by default it is 50 ms', () => {
    expect(loadConfig({ file: file(oneSource), env: {} }).federation.assemblyReserveMs).toBe(50);
    const bad = file(
      `federation:\n  deadlineMs: 1000\n  sourceTimeoutMs: 800\n  assemblyReserveMs: 1000\n${oneSource}`,
    );
    expect(problems(() => loadConfig({ file: bad, env: {} }))).toEqual([
      { path: 'federation.assemblyReserveMs', message: 'must be less than federation.deadlineMs' },
    ]);
  });

  it('when two sources share an id, then the second is named', () => {
    const twice = file(`${oneSource}${oneSource.split('\n').slice(2).join('\n')}`);
    expect(problems(() => loadConfig({ file: twice, env: {} }))).toEqual([
      { path: 'sources.1.id', message: 'duplicate source id "westway-gp"' },
    ]);
  });

  it('when an environment variable and the file are both wrong, then both are listed', () => {
    const bad = file(oneSource.replace('odsCode: Y01234', 'odsCode: y1'));
    expect(problems(() => loadConfig({ file: bad, env: { PORT: 'eighty' } })).map((p) => p.path)).toEqual([
      'PORT',
      'sources.0.odsCode',
    ]);
  });

  it('when an environment variable is not a number, then the variable is named', () => {
    expect(problems(() => loadConfig({ file: file(oneSource), env: { PORT: 'eighty' } }))).toEqual([
      { path: 'PORT', message: 'must be a whole number' },
    ]);
    expect(problems(() => loadConfig({ file: file(oneSource), env: { PORT: '70000' } }))[0]?.path).toBe(
      'server.port (from PORT)',
    );
  });

  it('when the file is missing, not YAML, or has no sources, then it says so', () => {
    expect(problems(() => loadConfig({ file: '/nonexistent/broker.yaml', env: {} }))[0]?.message).toBe(
      'file not found',
    );
    expect(
      problems(() => loadConfig({ file: file('sources: [\n  - id: x\n'), env: {} }))[0]?.message,
    ).toMatch(/not valid YAML at line/);
    expect(problems(() => loadConfig({ file: file('server:\n  port: 1\n'), env: {} }))).toEqual([
      { path: 'sources', message: 'at least one source must be configured' },
    ]);
  });

  it('when two demographics services are configured, then it says only one may be', () => {
    const pds = (id: string): string => `
  - id: ${id}
    kind: pds
    baseUrl: https://pds.example/FHIR/R4
    auth: { type: signed-jwt, tokenUrl: https://pds.example/oauth2/token, apiKey: key }`;
    const found = problems(() =>
      loadConfig({
        file: file(
          `${oneSource}${pds('pds-a')}${pds('pds-b')}\nbroker: { allowEphemeralSigningKey: true }\n`,
        ),
        env: {},
      }),
    );
    expect(found).toContainEqual({
      path: 'sources.2.kind',
      message: 'only one source may be the demographics service (kind: pds)',
    });
  });

  it('when the shipped demo and example files are loaded, then both are valid', () => {
    // Five record sources and the simulated PDS.
    expect(loadConfig({ file: path.join(__dirname, 'demo.yaml'), env: {} }).sources).toHaveLength(6);
    const example = loadConfig({ file: path.join(__dirname, 'sources.example.yaml'), env: {} });
    expect(example.sources.map((s) => s.kind)).toEqual([
      'fhir-r4',
      'fhir-r4',
      'gp-connect',
      'ambulance-epcr',
      'broker',
      'pds',
    ]);
    expect(example.peers).toHaveLength(1);
  });
});
