import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../observability/logger';
import { JournalUnavailable } from './journal';

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly nonce: string;
  readonly since: string;
}

/** Lock files this process holds: a second open in the same process must fail like one in another. */
const HELD = new Set<string>();

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

function parseHolder(text: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    return Number.isSafeInteger(holder.pid) &&
      typeof holder.host === 'string' &&
      typeof holder.nonce === 'string'
      ? (holder as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the holder may still be running. A lock from another host cannot be judged: it stands. */
function mayBeAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  // Our own pid in a lock we do not hold is from an earlier life (a container restarts as pid 1).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * An exclusive lock on a journal directory, so two processes never append to the same chain: a file
 * created with O_EXCL holding the owner's pid, host and a nonce. A lock whose process is gone (same
 * host, no such pid) or that was left empty by a crash is stale and taken over.
 */
export class FileLock {
  private constructor(
    private readonly file: string,
    private readonly nonce: string,
  ) {}

  static async acquire(directory: string, logger: Logger): Promise<FileLock> {
    const file = path.join(directory, 'journal.lock');
    if (HELD.has(file)) throw new JournalUnavailable('The audit journal is already open in this process');
    for (let attempt = 0; attempt < 3; attempt++) {
      const holder: LockHolder = {
        pid: process.pid,
        host: hostname(),
        nonce: randomUUID(),
        since: new Date().toISOString(),
      };
      const created = await createExclusive(file, JSON.stringify(holder));
      if (created) {
        // Another process taking over the same stale lock at the same moment would have replaced ours.
        const current = parseHolder(await readFile(file, 'utf8').catch(() => ''));
        if (current?.nonce !== holder.nonce) continue;
        HELD.add(file);
        return new FileLock(file, holder.nonce);
      }
      const text = await readFile(file, 'utf8').catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw new JournalUnavailable('The audit journal lock cannot be read', { cause: error });
      });
      if (text === undefined) continue;
      const existing = parseHolder(text);
      // An unreadable lock is stale once it is old: a process may be between creating and writing it.
      const unreadableButYoung = !existing && (await ageMs(file)) < UNREADABLE_LOCK_GRACE_MS;
      if (unreadableButYoung) throw new JournalUnavailable('The audit journal is locked by another process');
      if (existing && mayBeAlive(existing)) {
        logger.error(
          { lockPid: existing.pid, lockHost: existing.host, since: existing.since, file },
          'the audit journal is locked by another process (remove the lock file only if that process is gone)',
        );
        throw new JournalUnavailable('The audit journal is locked by another process');
      }
      logger.warn({ lockPid: existing?.pid, file }, 'taking over a stale audit journal lock');
      // Only the lock judged stale is removed, not one another process has just put in its place.
      const again = await readFile(file, 'utf8').catch(() => undefined);
      if (again === text) await unlink(file).catch(() => undefined);
    }
    throw new JournalUnavailable('The audit journal lock could not be taken');
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    HELD.delete(this.file);
    const current = parseHolder(await readFile(this.file, 'utf8').catch(() => ''));
    if (current?.nonce === this.nonce) await unlink(this.file).catch(() => undefined);
  }
}

const UNREADABLE_LOCK_GRACE_MS = 5000;

async function ageMs(file: string): Promise<number> {
  const stats = await stat(file).catch(() => undefined);
  return stats ? Date.now() - stats.mtimeMs : Infinity;
}

/** Creates the lock file with its content; false if it exists. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new JournalUnavailable('The audit journal directory cannot be written', { cause: error });
  }
  try {
    await handle.writeFile(content);
    return true;
  } catch (error) {
    await unlink(file).catch(() => undefined);
    throw new JournalUnavailable('The audit journal directory cannot be written', { cause: error });
  } finally {
    await handle.close();
  }
}
