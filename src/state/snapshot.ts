import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { Bucket } from './sliding.js';
import { TimedMap } from './timed-map.js';

/**
 * The memory store's history on disk, so a single replica keeps what it has learned across a
 * restart. Written whole to a temporary file, fsynced, then renamed over the old one: a crash
 * mid-write leaves the previous snapshot, never half a file. A file that cannot be read or does
 * not have the expected shape is ignored (the caller logs it), and the store records the loss
 * (StateStore.historyLostAt): an empty history makes every place new, which raises the
 * requirement, except for the newcomer allowance, which the loss withholds from every sign-in
 * made before it.
 */

export const SNAPSHOT_VERSION = 1;

export interface SnapshotData {
  version: number;
  /** When it was written (store clock, ms). */
  writtenAt: number;
  subjects: [string, Record<string, unknown>][];
  sessions: [string, Record<string, unknown>][];
  /** The working set, pace and sites per subject; absent in snapshots written before it existed. */
  work?: [string, Record<string, unknown>][];
  /**
   * Each subject's proven assurance levels as [level, last proof] (assurance_downgrade), the level
   * as StateStore.proveLevel wrote it (a number: a rank, written before levels were kept by name);
   * absent in snapshots written before it: every level is then proven afresh by the next allow.
   */
  levels?: [string, [string | number, number][]][];
  /**
   * The OpenShift console cookie bindings (pipeline/console-sessions.ts) as [cookie hash, subject
   * hash, bound until (ms)], least recently bound first: hashes only, never the cookie or the
   * subject, at most as many as the store keeps. Without them a restart would let whoever presents
   * a victim's console cookie first afterwards claim it. Absent in snapshots written before it.
   */
  consoleSessions?: [string, string, number][];
  /**
   * When the store found its history lost (StateStore.historyLostAt), while that stands: written
   * so a restart does not forget it. Absent: none.
   */
  historyLost?: number;
  /**
   * Each subject's last proof of a context as [subject, ms] (StateStore.provenAt), least recently
   * proven first. Absent in snapshots written before marks were kept.
   */
  proven?: [string, number][];
  /**
   * From when the store vouches for a subject without a mark (StateStore.absenceVouched; 0: since
   * its first start). Absent in snapshots written before it: the mark lifetime after the load.
   */
  vouchFrom?: number;
}

export function writeSnapshot(path: string, data: SnapshotData | ControlFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(data));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing left to clean.
    }
    throw err;
  }
}

/**
 * Incidents, revocations and sign-outs beside the snapshot (`<snapshot_path>.control`), written
 * whole at every change: they are few and rare, and unlike the history an empty list is not the
 * safe side (a revoked credential would pass again after a restart).
 */
export interface ControlFile {
  version: number;
  records: { kind: string; id: string; data: string; expiresAt: number }[];
}

/** undefined when there is no file yet; throws with a reason when it is unreadable or malformed. */
export function readControlFile(path: string): ControlFile['records'] | undefined {
  const data = readJson(path) as Partial<ControlFile> | undefined;
  if (data === undefined) return undefined;
  if (typeof data !== 'object' || data === null || data.version !== SNAPSHOT_VERSION || !Array.isArray(data.records)) throw new Error(`not a version ${SNAPSHOT_VERSION} control file`);
  for (const r of data.records) {
    if (typeof r !== 'object' || r === null || typeof r.kind !== 'string' || typeof r.id !== 'string' || typeof r.data !== 'string') throw new Error('a record lacks its kind, id or data');
    num(r.expiresAt);
  }
  return data.records;
}

/** The parsed file; undefined when there is none yet; throws with a reason when it cannot be read or parsed. */
function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('not JSON (truncated or corrupt)');
  }
}

/** undefined when there is no file yet; throws with a reason when it is unreadable or malformed. */
export function readSnapshot(path: string): SnapshotData | undefined {
  const data = readJson(path);
  if (data === undefined) return undefined;
  const d = data as Partial<SnapshotData>;
  if (typeof d !== 'object' || d === null || d.version !== SNAPSHOT_VERSION) throw new Error(`not a version ${SNAPSHOT_VERSION} snapshot`);
  if (!Array.isArray(d.subjects) || !Array.isArray(d.sessions) || typeof d.writtenAt !== 'number') throw new Error('missing subjects, sessions or writtenAt');
  if (d.work !== undefined && !Array.isArray(d.work)) throw new Error('work is not a list');
  if (d.consoleSessions !== undefined && !Array.isArray(d.consoleSessions)) throw new Error('consoleSessions is not a list');
  return d as SnapshotData;
}

const num = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error('a timestamp or count is not a number');
  return v;
};

export function entries(v: unknown): TimedMap {
  if (!Array.isArray(v)) throw new Error('a set is not a list');
  const m = new TimedMap();
  for (const e of v) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw new Error('a set entry is malformed');
    m.set(e[0], num(e[1]));
  }
  return m;
}

export function bucket(v: unknown): Bucket {
  const b = v as Partial<Bucket>;
  if (typeof b !== 'object' || b === null) throw new Error('a counter is malformed');
  return { b: num(b.b), cur: num(b.cur), prev: num(b.prev) };
}

export function optionalNumber(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : num(v);
}

export function str(v: unknown): string {
  if (typeof v !== 'string') throw new Error('a field is not a string');
  return v;
}

export { num };
