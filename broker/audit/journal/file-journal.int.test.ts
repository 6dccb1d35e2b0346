import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { captureLogs } from '../../../test/support/log-capture';
import { createLogger } from '../../observability/logger';
import { FileJournal } from './file-journal';
import { JournalUnavailable, type Journal } from './journal';
import { entry, silentLogger } from '../../../test/support/journal-stores';

const NHS = '9000000009';

describe('the file journal', () => {
  let dir: string;
  const opened: Journal[] = [];
  const open = async (options: { readOnly?: boolean; logger?: ReturnType<typeof createLogger> } = {}) => {
    const journal = await FileJournal.open(dir, { logger: silentLogger(), ...options });
    opened.push(journal);
    return journal;
  };
  const journalFile = (): string => path.join(dir, 'journal.jsonl');
  const lines = (): string[] => readFileSync(journalFile(), 'utf8').split('\n').slice(0, -1);
  const rewrite = (newLines: string[]): void =>
    writeFileSync(journalFile(), newLines.map((l) => `${l}\n`).join(''));

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hie-journal-file-'));
  });
  afterEach(async () => {
    for (const journal of opened.splice(0)) await journal.close().catch(() => undefined);
    spawnSync('chattr', ['-i', dir], { stdio: 'ignore' });
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  async function threeEntries(): Promise<void> {
    const journal = await open();
    await journal.append([entry({ patient: NHS }), entry({ patient: NHS }), entry({ patient: NHS })]);
    await journal.close();
  }

  test('when each line is JSON with the text verbatim, then jq-like readers see the entry', async () => {
    await threeEntries();
    const line = JSON.parse(lines()[1]!) as { prevHash: string; hash: string; entry: { seq: number } };
    expect(line.entry.seq).toBe(2);
    expect(line.prevHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("when one line's text is edited, then verify names that entry", async () => {
    await threeEntries();
    const all = lines();
    all[1] = all[1]!.replace('naïve café', 'edited');
    rewrite(all);

    const verification = await (await open()).verify();

    expect(verification).toEqual({
      ok: false,
      entries: 1,
      brokenAt: 2,
      reason: 'its hash does not match its text',
    });
  });

  test('when a line is deleted, then verify names the missing entry', async () => {
    await threeEntries();
    const all = lines();
    rewrite([all[0]!, all[2]!]);

    const verification = await (await open()).verify();

    expect(verification).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'entry 2 is missing (the next entry found is 3)',
    });
  });

  test('when a line in the middle is not an entry, then open logs it without content and verify names it', async () => {
    await threeEntries();
    const all = lines();
    all[1] = `garbage ${NHS}`;
    rewrite(all);
    const { logs, destination } = captureLogs();

    const journal = await open({ logger: createLogger({ level: 'info', destination }) });

    expect(await journal.verify()).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: 'its line is not a journal entry',
    });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', lines: 1 }));
    expect(JSON.stringify(logs)).not.toContain(NHS);
  });

  test('when a crash left a torn last line, then open cuts it, warns without PHI, and the chain goes on', async () => {
    await threeEntries();
    const intact = statSync(journalFile()).size;
    appendFileSync(
      journalFile(),
      `{"prevHash":"${'0'.repeat(64)}","hash":"1","entry":{"seq":4,"keys":{"patient":"${NHS}"`,
    );
    const { logs, destination } = captureLogs();

    const journal = await open({ logger: createLogger({ level: 'info', destination }) });
    const [next] = await journal.append([entry({ patient: NHS })]);

    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'torn last journal line', cut: true }),
    );
    expect(JSON.stringify(logs)).not.toContain(NHS);
    expect(next!.seq).toBe(4);
    expect(statSync(journalFile()).size).toBeGreaterThan(intact);
    expect(lines()).toHaveLength(4);
    expect(await journal.verify()).toMatchObject({ ok: true, entries: 4 });
  });

  test('when the journal is open, then a second open is refused until it is closed', async () => {
    const first = await open();

    await expect(open()).rejects.toBeInstanceOf(JournalUnavailable);
    await first.close();
    await expect(open()).resolves.toBeDefined();
  });

  describe('the lock', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.kill();
      child = undefined;
    });
    const lockFile = (): string => path.join(dir, 'journal.lock');
    const holder = (pid: number): string =>
      JSON.stringify({ pid, host: hostname(), nonce: 'n', since: new Date().toISOString() });

    test('when another live process holds it, then open is refused', async () => {
      child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      writeFileSync(lockFile(), holder(child.pid!));

      await expect(open()).rejects.toThrow('locked by another process');
    });

    test('when its process is gone, then the stale lock is taken over with a warning', async () => {
      const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
      writeFileSync(lockFile(), holder(gone));
      const { logs, destination } = captureLogs();

      const journal = await open({ logger: createLogger({ level: 'info', destination }) });

      expect(await journal.append([entry()])).toHaveLength(1);
      expect(logs).toContainEqual(
        expect.objectContaining({ msg: 'taking over a stale audit journal lock', lockPid: gone }),
      );
      expect(JSON.parse(readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
    });

    test('when the lock file is unreadable, then it stands while fresh and is taken over once old', async () => {
      writeFileSync(lockFile(), '');
      await expect(open()).rejects.toBeInstanceOf(JournalUnavailable);

      const old = new Date(Date.now() - 60_000);
      utimesSync(lockFile(), old, old);
      await expect(open()).resolves.toBeDefined();
    });
  });

  test('when opened read-only beside the writer, then it verifies what is written and refuses to write', async () => {
    const writer = await open();
    await writer.append([entry({ patient: NHS }), entry()]);

    const reader = await open({ readOnly: true });

    expect(await reader.verify()).toMatchObject({ ok: true, entries: 2 });
    await writer.append([entry()]);
    expect(await reader.verify()).toMatchObject({ ok: true, entries: 3 });
    await expect(reader.append([entry()])).rejects.toThrow('read-only');
    const [first] = await reader.query({ stream: 'audit', limit: 1 });
    await expect(reader.markDelivered(first!.id, 'fhir')).rejects.toBeInstanceOf(JournalUnavailable);
  });

  test('when opened read-only where there is no journal, then it is unavailable', async () => {
    await expect(
      FileJournal.open(path.join(dir, 'nowhere'), { logger: silentLogger(), readOnly: true }),
    ).rejects.toThrow('There is no audit journal in the directory');
  });

  test('when the directory cannot be created, then open is refused as unavailable', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');

    await expect(
      FileJournal.open(path.join(file, 'audit'), { logger: silentLogger() }),
    ).rejects.toBeInstanceOf(JournalUnavailable);
  });

  test('when the directory cannot be written, then open is refused as unavailable', async () => {
    const target = path.join(dir, 'readonly');
    mkdirSync(target);
    // Root ignores permission bits; the immutable attribute stops root too.
    if (process.getuid?.() === 0) expect(spawnSync('chattr', ['+i', target]).status).toBe(0);
    else chmodSync(target, 0o500);

    try {
      await expect(FileJournal.open(target, { logger: silentLogger() })).rejects.toBeInstanceOf(
        JournalUnavailable,
      );
    } finally {
      spawnSync('chattr', ['-i', target], { stdio: 'ignore' });
      chmodSync(target, 0o700);
    }
  });

  test('when a write fails, then every caller in the batch is refused and the file refuses appends until reopened', async () => {
    // /dev/full answers every write with ENOSPC: a disk that has filled up.
    symlinkSync('/dev/full', journalFile());
    const journal = await open();

    const outcomes = await Promise.allSettled([
      journal.append([entry()]),
      journal.append([entry(), entry()]),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(JournalUnavailable);
    await expect(journal.append([entry()])).rejects.toThrow('refuses appends after a failed write');
    expect(await journal.query({ stream: 'audit', limit: 10 })).toEqual([]);
  });
});
