// The append-only edit journal of one video's review: a JSON line per operation, written and fsync'd
// before the server answers, so a crash, a kill -9 or a closed tab loses no acknowledged edit. On
// restart the operations are replayed onto a fresh copy of the source track. A line cut short by a
// crash mid-write is dropped (the edit was never acknowledged); damage anywhere else is an error.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

import type { EditRequest } from './protocol';

export const JOURNAL_VERSION = 1;

/** The journal's first line: what its edits apply to. */
export interface JournalHeader {
  type: 'open';
  version: number;
  /** the source coding file, null when the track started empty */
  source: string | null;
  /** SHA-256 of the source's bytes: edits replay only onto the coding they were made on */
  sourceSha256: string | null;
  frames: number;
}

export interface SavedEntry {
  type: 'saved';
  files: string[];
}

export type JournalEntry = JournalHeader | ((EditRequest | SavedEntry) & { at: string });

export interface OpenedJournal {
  journal: Journal;
  /** the edit operations to replay, in order */
  operations: EditRequest[];
  /** whether edits were made after the last save */
  unsaved: boolean;
}

export class Journal {
  private constructor(
    readonly path: string,
    private fd: number | null,
    /** the header still to be written: a journal file is made by the first edit, not by viewing */
    private pendingHeader: JournalHeader | null,
  ) {}

  /**
   * Opens the journal at `path` for a track described by `header` (a missing one is created by the
   * first append); throws naming the file when the journal belongs to another source or is damaged
   * before its last line.
   */
  static open(path: string, header: Omit<JournalHeader, 'type' | 'version'>): OpenedJournal {
    const operations: EditRequest[] = [];
    let unsaved = false;
    if (!existsSync(path)) return { journal: new Journal(path, null, { type: 'open', version: JOURNAL_VERSION, ...header }), operations, unsaved };
    const text = readFileSync(path, 'utf8');
    const complete = text.lastIndexOf('\n') + 1;
    const lines = text.slice(0, complete).split('\n').slice(0, -1);
    const entries = lines.map((line, i): JournalEntry => {
      try {
        return JSON.parse(line) as JournalEntry;
      } catch {
        throw new Error(`${path}: line ${i + 1} is not a journal entry (the file is damaged; move it away to start over from the source coding)`);
      }
    });
    const first = entries[0];
    if (first?.type !== 'open' || first.version !== JOURNAL_VERSION) throw new Error(`${path}: not a gazecoder review journal (version ${JOURNAL_VERSION})`);
    if (first.frames !== header.frames || first.sourceSha256 !== header.sourceSha256) {
      throw new Error(
        `${path}: its edits were made on another version of ${first.source ?? 'the empty track'} (${first.frames} frames) than the one given now ` +
          `(${header.frames} frames); move the journal away to start over from ${header.source ?? 'an empty track'}`,
      );
    }
    for (const entry of entries.slice(1)) {
      if (entry.type === 'open') throw new Error(`${path}: a second header line`);
      if (entry.type === 'saved') unsaved = false;
      else {
        const { at: _at, ...operation } = entry;
        operations.push(operation as EditRequest);
        if (operation.type !== 'state') unsaved = true;
      }
    }
    const fd = openSync(path, 'r+');
    // A line cut short by a crash mid-write was never acknowledged: drop it before appending.
    if (complete < Buffer.byteLength(text)) {
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, complete)));
      fsyncSync(fd);
    }
    return { journal: new Journal(path, fd, null), operations, unsaved };
  }

  /** Appends one operation and waits until it is on disk. */
  append(entry: EditRequest | SavedEntry): void {
    this.write({ ...entry, at: new Date().toISOString() });
  }

  private write(entry: JournalEntry): void {
    if (this.pendingHeader !== null) {
      const header = this.pendingHeader;
      this.pendingHeader = null;
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'wx');
      this.write(header);
      fsyncDirectory(dirname(this.path));
    }
    if (this.fd === null) throw new Error(`${this.path}: the journal is closed`);
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`);
    // Position-less writes on an fd opened 'r+' would overwrite: append at the end explicitly.
    let offset = 0;
    const end = fstatSync(this.fd).size; // the append position: nothing else writes the file
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset, end + offset);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.pendingHeader = null;
  }
}

/** A new file's directory entry is durable only once its folder is fsync'd. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the file's own fsync is what they offer.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
