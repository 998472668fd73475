/**
 * Byte sizes and durations as written in config files. Parsers answer `undefined` for text they do not
 * accept; the validator turns that into an issue with the key's path.
 */

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/;

/**
 * Reads a byte size: a non-negative integer (bytes) or a string such as `256MiB`, `10MB`, `512KiB`,
 * `1.5GiB`, `100B` or `4096`. Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal units
 * (kB/KB, MB, GB, TB) powers of 1000. Fractions round down to whole bytes.
 *
 * @example
 * parseByteSize('256MiB'); // 268435456
 * parseByteSize('10MB');   // 10000000
 * parseByteSize('lots');   // undefined
 */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return isWholeCount(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = NUMBER_WITH_UNIT.exec(value.trim());
  if (match === null) return undefined;
  const unit = match[2] === '' ? 'B' : (match[2] ?? '');
  const factor = BYTE_UNITS[unit];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(snapToInteger(Number(match[1]) * factor));
  return isWholeCount(bytes) ? bytes : undefined;
}

/** Formats bytes with the largest binary unit that divides them exactly (`268435456` → `256MiB`). */
export function formatByteSize(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const factor = BYTE_UNITS[unit] ?? 1;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/**
 * Reads a duration into `unit` (the unit the key's name carries: `…Ms` or `…Sec`): a non-negative
 * integer already in that unit (or its digits as text), or a string such as `500ms`, `30s`, `5m`, `2h`, `1d`. A string that
 * is not a whole number of the target unit (`1500ms` for a `…Sec` key) is refused rather than rounded.
 *
 * @example
 * parseDuration('30s', 'ms');  // 30000
 * parseDuration('1d', 'sec');  // 86400
 * parseDuration(250, 'ms');    // 250
 */
export function parseDuration(value: unknown, unit: 'ms' | 'sec'): number | undefined {
  if (typeof value === 'number') return isWholeCount(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = NUMBER_WITH_UNIT.exec(value.trim());
  if (match === null) return undefined;
  // Bare digits are in the key's own unit, as a number would be (`${INTERVAL_MS}` expands to text).
  if (match[2] === '') return /^\d+$/.test(match[1] ?? '') ? parseDuration(Number(match[1]), unit) : undefined;
  const factorMs = DURATION_UNITS_MS[match[2] ?? ''];
  if (factorMs === undefined) return undefined;
  const ms = Number(match[1]) * factorMs;
  const result = snapToInteger(unit === 'ms' ? ms : ms / 1000);
  return isWholeCount(result) ? result : undefined;
}

function isWholeCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** `1.1 * 1000` is 1100.0000000000002 in binary floating point; decimal input deserves the exact answer. */
function snapToInteger(value: number): number {
  const nearest = Math.round(value);
  return Math.abs(value - nearest) < 1e-6 ? nearest : value;
}
