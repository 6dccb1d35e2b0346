import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../observability/logger';
import { JournalUnavailable } from './journal';

/**
 * One append-only file of the file store: opened O_APPEND, each batch written whole and then
 * fdatasync'd (which also makes the new length durable) before anyone is told it is recorded.
 *
 * When a batch fails, the file is cut back to the last acknowledged length, so no partial line is
 * left to corrupt the chain. After a failed write (ENOSPC, EIO) that cut is enough and appends go on.
 * After a failed fsync they do not: the kernel may already have dropped the dirty pages and cleared
 * the error, so a later fsync could succeed over data that is not on disk (PostgreSQL stops on the
 * same condition). The file then refuses appends until the journal is reopened, which re-reads it
 * from disk and cuts any torn tail.
 */
export class AppendOnlyFile {
  private failure: unknown;

  private constructor(
    private readonly handle: FileHandle,
    private readonly name: string,
    private readonly logger: Logger,
    /** Bytes acknowledged as durable. */
    private committed: number,
  ) {}

  static async open(file: string, logger: Logger): Promise<AppendOnlyFile> {
    const handle = await open(file, 'a');
    const { size } = await handle.stat();
    return new AppendOnlyFile(handle, path.basename(file), logger, size);
  }

  get length(): number {
    return this.committed;
  }

  /** Cuts an unacknowledged, torn last line found on open (the length is where the last line ended). */
  async cutTo(length: number): Promise<void> {
    await this.handle.truncate(length);
    await this.handle.datasync();
    this.committed = length;
  }

  async append(buffer: Buffer): Promise<void> {
    if (this.failure !== undefined) {
      throw new JournalUnavailable('The audit journal file refuses appends after a failed write: reopen it', {
        cause: this.failure,
      });
    }
    try {
      for (let written = 0; written < buffer.length;) {
        const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written);
        written += bytesWritten;
      }
    } catch (error) {
      await this.rollBack(error, 'write');
      throw new JournalUnavailable('The audit journal file could not be written', { cause: error });
    }
    try {
      await this.handle.datasync();
    } catch (error) {
      await this.rollBack(error, 'fsync');
      throw new JournalUnavailable('The audit journal file could not be synced to disk', { cause: error });
    }
    this.committed += buffer.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async rollBack(error: unknown, step: 'write' | 'fsync'): Promise<void> {
    let cut = true;
    try {
      await this.handle.truncate(this.committed);
    } catch {
      cut = false;
    }
    if (step === 'fsync' || !cut) this.failure = error;
    this.logger.error(
      { err: error, file: this.name, step, cutBack: cut, refusingAppends: this.failure !== undefined },
      'audit journal batch failed and was not recorded',
    );
  }
}
