import type { DatabaseSync } from 'node:sqlite';
import { createHash } from 'node:crypto';

/** One user's scan request and its verdict; visible only to that user. */
export interface Scan {
  readonly id: number;
  readonly target: string;
  readonly verdict: 'clean' | 'suspicious' | 'malicious';
  readonly createdAt: string;
}

interface ScanRow {
  id: number;
  target: string;
  verdict: Scan['verdict'];
  created_at: number;
}

/** Most scans a list returns (newest first). */
export const MAX_SCANS_LISTED = 100;

export interface ScanStore {
  list(subject: string): Scan[];
  create(subject: string, target: string): Scan;
}

export function createScanStore(db: DatabaseSync, now: () => number): ScanStore {
  const selectBySubject = db.prepare('SELECT id, target, verdict, created_at FROM scans WHERE subject = ? ORDER BY id DESC LIMIT ?');
  const insertScan = db.prepare(
    'INSERT INTO scans (subject, target, verdict, created_at) VALUES (?, ?, ?, ?) RETURNING id, target, verdict, created_at',
  );
  const selectThreatNames = db.prepare('SELECT 1 FROM threats WHERE instr(lower(?), lower(name)) > 0 LIMIT 1');
  return {
    list(subject) {
      return (selectBySubject.all(subject, MAX_SCANS_LISTED) as unknown as ScanRow[]).map(toScan);
    },
    create(subject, target) {
      const verdict = selectThreatNames.get(target) !== undefined ? 'malicious' : judgeByHash(target);
      return toScan(insertScan.get(subject, target, verdict, now()) as unknown as ScanRow);
    },
  };
}

/** A stand-in for a scanning engine: deterministic, about one target in eight is suspicious. */
function judgeByHash(target: string): Scan['verdict'] {
  return createHash('sha256').update(target).digest()[0]! < 32 ? 'suspicious' : 'clean';
}

function toScan(row: ScanRow): Scan {
  return { id: row.id, target: row.target, verdict: row.verdict, createdAt: new Date(row.created_at).toISOString() };
}
