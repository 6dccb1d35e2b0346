import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../config/load-config';
import { verifyJournalCommand } from '../verify-journal';
import { entry, silentLogger, superuser, TestStore } from '../../../test/support/journal-stores';

const NHS = '9000000009';
/** An operator's configuration (the default alone has no sources and is refused). */
const CONFIG_FILE = path.join(projectRoot(), 'config', 'sources.example.yaml');

describe('the audit:verify command', () => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.cleanup();
    store = undefined;
  });

  async function run(config: Parameters<typeof verifyJournalCommand>[0]['config']) {
    const lines: string[] = [];
    const code = await verifyJournalCommand({
      config,
      write: (line) => lines.push(line),
      logger: silentLogger(),
    });
    return { code, lines };
  }

  async function withEntries(kind: 'file' | 'postgres'): Promise<TestStore> {
    const made = new TestStore(kind);
    const journal = await made.open();
    await journal.append([entry({ patient: NHS }), entry({ patient: NHS }), entry({ patient: NHS })]);
    await journal.close();
    return made;
  }

  test('when the configured file journal is intact, then it says so in one line and exits 0', async () => {
    store = await withEntries('file');

    const { code, lines } = await run({ env: { CONFIG_FILE }, overrides: { audit: { store: store.store } } });

    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^audit journal intact: 3 entries, last hash [0-9a-f]{64} \(file /),
    ]);
  });

  test('when a line of the file journal was edited, then it names the entry and exits 1', async () => {
    store = await withEntries('file');
    const file = path.join(store.directory!, 'journal.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('naïve café', 'edited');
    writeFileSync(file, lines.join('\n'));

    const result = await run({ env: { CONFIG_FILE }, overrides: { audit: { store: store.store } } });

    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      expect.stringMatching(
        /^audit journal BROKEN at entry 2: its hash does not match its text; 1 entries before/,
      ),
    ]);
    expect(result.lines[0]).not.toContain(NHS);
  });

  test('when a PostgreSQL row was changed behind the triggers, then it names the entry and exits 1', async () => {
    store = await withEntries('postgres');
    const table = `"${store.schema}".journal`;
    await superuser(`ALTER TABLE ${table} DISABLE TRIGGER ALL`);
    await superuser(`UPDATE ${table} SET user_id = 'someone-else' WHERE seq = 3`);
    await superuser(`ALTER TABLE ${table} ENABLE TRIGGER ALL`);

    const { code, lines } = await run({ env: { CONFIG_FILE }, overrides: { audit: { store: store.store } } });

    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringContaining('BROKEN at entry 3: its user_id column disagrees with its text'),
    ]);
    expect(lines[0]).toContain(`schema ${store.schema}`);
  });

  test('when DATABASE_URL names a database that is down, then it could not check and exits 2', async () => {
    const { code, lines } = await run({
      env: { CONFIG_FILE, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' },
    });

    expect(code).toBe(2);
    expect(lines).toEqual([
      expect.stringMatching(
        /^audit journal not checked: .*\(postgres 127\.0\.0\.1:1\/test schema hie_audit\)$/,
      ),
    ]);
  });

  test('when the configuration is invalid, then it could not check and exits 2', async () => {
    const { code, lines } = await run({ env: { CONFIG_FILE: '/nonexistent/broker.yaml' } });

    expect(code).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^audit journal not checked: Invalid configuration/)]);
  });
});
