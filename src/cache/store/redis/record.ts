import type { EntryMeta } from '../../policy/entry.ts';

/**
 * One stored variant as a Redis hash value:
 * `<seq> <staleAt> <requestAt> <deleteAt> <bodyId> <chunks> <size>\n<meta JSON>`.
 *
 * The numbers the Lua scripts compare and rewrite come first, so a script never decodes or re-encodes the
 * JSON to purge (a soft purge rewrites `staleAt` in the header; it wins over the one in the JSON). `seq` is
 * written by the commit script and orders variants newest first. `bodyId` is `-` for an empty body.
 */
export interface VariantRecord {
  readonly seq: number;
  readonly meta: EntryMeta;
  readonly bodyId: string;
  readonly chunks: number;
  /** Body bytes as written. */
  readonly size: number;
}

export const NO_BODY = '-';

/** The JSON part of a record (the header is assembled by the commit script). */
export function encodeMeta(meta: EntryMeta): string {
  return JSON.stringify(meta);
}

const HEADER = /^(\d+) (\S+) \S+ \S+ (\S+) (\d+) (\d+)\n/;

/** Parses a record; undefined for anything this version did not write (a foreign or damaged value). */
export function decodeRecord(value: string): VariantRecord | undefined {
  const header = HEADER.exec(value);
  if (header === null) return undefined;
  let parsed: EntryMeta;
  try {
    parsed = JSON.parse(value.slice(header[0].length)) as EntryMeta;
  } catch {
    return undefined;
  }
  const staleAt = Number(header[2]);
  const meta = staleAt === parsed.staleAt ? parsed : { ...parsed, staleAt };
  return { seq: Number(header[1]), meta: Object.freeze(meta), bodyId: header[3]!, chunks: Number(header[4]), size: Number(header[5]) };
}
