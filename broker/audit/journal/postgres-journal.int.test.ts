import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { JournalUnavailable, type Journal } from './journal';
import {
  entry,
  silentLogger,
  superuser,
  TEST_DATABASE_URL,
  TestStore,
} from '../../../test/support/journal-stores';
import { PostgresJournal } from './postgres-journal';

const NHS = '9000000009';

/** A TCP hop in front of PostgreSQL that a test can silence (packets swallowed) or cut (connections reset). */
class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private stalled = false;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<TcpProxy> {
    const target = new URL(TEST_DATABASE_URL);
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        proxy.sockets.add(from);
        from.on('data', (data) => {
          if (!proxy.stalled) to.write(data);
        });
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  url(): string {
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  /** The network goes quiet: connections stay up, nothing gets through. */
  stall(): void {
    this.stalled = true;
  }

  /** The database host goes away: connections reset, the port closed. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A port that answers TCP and then never says a word (a hung host). */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `postgres://postgres@127.0.0.1:${(server.address() as AddressInfo).port}/test`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function timed<T>(work: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('the postgres journal', () => {
  let store: TestStore;
  let journal: Journal;
  const table = (name: string): string => `"${store.schema}".${name}`;

  beforeEach(async () => {
    store = new TestStore('postgres');
    journal = await store.open();
  });
  afterEach(() => store.cleanup());

  test('when several pods start at once, then the migrations run once and all of them open', async () => {
    const fresh = new TestStore('postgres');
    try {
      const journals = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);

      expect(journals).toHaveLength(3);
      const versions = await superuser<{ version: number }>(
        `SELECT version FROM "${fresh.schema}".schema_migrations`,
      );
      expect(versions).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
    } finally {
      await fresh.cleanup();
    }
  });

  test('when two pods append at once, then they share one unbroken chain', async () => {
    const other = await store.open();

    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 === 0 ? journal : other).append([entry({ patient: NHS }), entry()]),
      ),
    );

    expect(await journal.verify()).toMatchObject({ ok: true, entries: 120 });
  });

  test.each([
    ['UPDATE', (t: string) => `UPDATE ${t} SET stream = stream`],
    ['DELETE', (t: string) => `DELETE FROM ${t}`],
    ['TRUNCATE', (t: string) => `TRUNCATE ${t} CASCADE`],
  ])('when anyone, even the superuser, tries %s, then the database refuses it', async (_op, sql) => {
    const [appended] = await journal.append([entry({ patient: NHS })]);
    await journal.markDelivered(appended!.id, 'fhir');

    await expect(superuser(sql(table('journal')))).rejects.toThrow(/refused: the journal is append-only/);
    await expect(
      superuser(sql(table('journal_delivery')).replace('SET stream = stream', 'SET sink = sink')),
    ).rejects.toThrow(/refused: the journal is append-only/);
    expect(await journal.verify()).toMatchObject({ ok: true, entries: 1 });
    expect(await journal.undelivered('fhir', ['audit'], 10)).toEqual([]);
  });

  test('when the tables are created, then their grants were set explicitly and give PUBLIC no change', async () => {
    const acls = await superuser<{ relname: string; acl: string[] | null }>(
      `SELECT relname, relacl::text[] AS acl FROM pg_class
       WHERE relnamespace = $1::regnamespace AND relname IN ('journal', 'journal_delivery') ORDER BY relname`,
      [store.schema],
    );

    // An explicit ACL (not the default, null) shows the REVOKE ran; no entry is PUBLIC's ("=…").
    expect(acls.map((a) => a.relname)).toEqual(['journal', 'journal_delivery']);
    for (const { acl } of acls) {
      expect(acl).not.toBeNull();
      expect(acl!.filter((item) => item.startsWith('='))).toEqual([]);
    }
  });

  describe('when a row is changed behind the triggers (superuser, triggers disabled)', () => {
    async function tamper(sql: string): Promise<void> {
      await journal.append([entry({ patient: NHS }), entry({ patient: NHS }), entry({ patient: NHS })]);
      await superuser(`ALTER TABLE ${table('journal')} DISABLE TRIGGER ALL`);
      await superuser(sql);
      await superuser(`ALTER TABLE ${table('journal')} ENABLE TRIGGER ALL`);
    }

    test("when an entry's text is changed, then verify names its seq", async () => {
      await tamper(
        `UPDATE ${table('journal')} SET entry = replace(entry, 'naïve café', 'edited') WHERE seq = 2`,
      );

      expect(await journal.verify()).toEqual({
        ok: false,
        entries: 1,
        brokenAt: 2,
        reason: 'its hash does not match its text',
      });
    });

    test('when only an indexed column is changed, then verify names its seq and the column', async () => {
      await tamper(`UPDATE ${table('journal')} SET patient = '9000000017' WHERE seq = 2`);

      expect(await journal.verify()).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: 'its patient column disagrees with its text',
      });
    });

    test('when the recorded time is moved by a microsecond, then verify sees it', async () => {
      await tamper(
        `UPDATE ${table('journal')} SET recorded = recorded + interval '1 microsecond' WHERE seq = 3`,
      );

      expect(await journal.verify()).toMatchObject({
        ok: false,
        brokenAt: 3,
        reason: 'its recorded column disagrees with its text',
      });
    });

    test('when a row is deleted, then verify names the missing seq', async () => {
      await tamper(`DELETE FROM ${table('journal')} WHERE seq = 2`);

      expect(await journal.verify()).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: 'entry 2 is missing (the next entry found is 3)',
      });
    });
  });

  test('when opened read-only, then it verifies and refuses to write', async () => {
    await journal.append([entry()]);
    const reader = await store.open({ readOnly: true });

    expect(await reader.verify()).toMatchObject({ ok: true, entries: 1 });
    await expect(reader.append([entry()])).rejects.toThrow('read-only');
  });

  test('when opened read-only on a schema that was never migrated, then it is unavailable', async () => {
    const open = PostgresJournal.open(
      { url: TEST_DATABASE_URL, schema: 'journal_test_never_made', poolSize: 1 },
      { logger: silentLogger(), readOnly: true },
    );
    await expect(open).rejects.toThrow('There is no audit journal in the schema');
  });

  describe('when the database is out of reach, then it fails closed quickly', () => {
    test('a closed port: open is refused within a couple of seconds', async () => {
      const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;

      const { error, ms } = await timed(
        PostgresJournal.open({ url, schema: 'x', poolSize: 2 }, { logger: silentLogger() }),
      );

      expect(error).toBeInstanceOf(JournalUnavailable);
      expect(ms).toBeLessThan(2000);
    });

    test('a host that never answers: open is refused after the connect timeout', async () => {
      const silent = await silentServer();
      try {
        const { error, ms } = await timed(
          PostgresJournal.open(
            { url: silent.url, schema: 'x', poolSize: 2 },
            { logger: silentLogger(), connectTimeoutMs: 500 },
          ),
        );

        expect(error).toBeInstanceOf(JournalUnavailable);
        expect(ms).toBeLessThan(2000);
      } finally {
        await silent.close();
      }
    });

    test('the database goes away after start: appends are refused within a couple of seconds', async () => {
      const proxy = await TcpProxy.start();
      const viaProxy = await PostgresJournal.open(
        { url: proxy.url(), schema: store.schema!, poolSize: 2 },
        { logger: silentLogger() },
      );
      try {
        await viaProxy.append([entry()]);
        await proxy.cut();

        const { error, ms } = await timed(viaProxy.append([entry(), entry()]));

        expect(error).toBeInstanceOf(JournalUnavailable);
        expect(ms).toBeLessThan(2000);
        await expect(viaProxy.query({ stream: 'audit', limit: 1 })).rejects.toBeInstanceOf(
          JournalUnavailable,
        );
        expect(await journal.verify()).toMatchObject({ ok: true, entries: 1 });
      } finally {
        await viaProxy.close();
      }
    });

    test('the network goes silent mid-transaction: the append is refused after the statement timeout', async () => {
      const proxy = await TcpProxy.start();
      const viaProxy = await PostgresJournal.open(
        { url: proxy.url(), schema: store.schema!, poolSize: 2 },
        { logger: silentLogger(), statementTimeoutMs: 500, connectTimeoutMs: 500 },
      );
      try {
        await viaProxy.append([entry()]);
        proxy.stall();

        const { error, ms } = await timed(viaProxy.append([entry()]));

        expect(error).toBeInstanceOf(JournalUnavailable);
        expect(ms).toBeLessThan(2500);
      } finally {
        await proxy.cut();
        await viaProxy.close();
      }
    });
  });
});
