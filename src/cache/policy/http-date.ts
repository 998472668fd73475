const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const DAYS = 'mon|tue|wed|thu|fri|sat|sun';
const LONG_DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';

// RFC 9111 §4.2: a cache matches dates case-insensitively; a zone other than GMT is invalid.
const IMF_FIXDATE = new RegExp(`^(?:${DAYS}), (\\d\\d) (${MONTHS}) (\\d{4}) (\\d\\d):(\\d\\d):(\\d\\d) GMT$`, 'i');
const RFC850_DATE = new RegExp(`^(?:${LONG_DAYS}), (\\d\\d)-(${MONTHS})-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d) GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^(?:${DAYS}) (${MONTHS}) ( \\d|\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d) (\\d{4})$`, 'i');

const MONTH_INDEX: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(MONTHS.split('|').map((name, index) => [name, index])),
);

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three formats: IMF-fixdate, the obsolete RFC 850
 * form and asctime. Answers epoch ms, or undefined for anything else (other zones, out-of-range fields,
 * impossible days). A leap second (:60) reads as :59, the nearest earlier time (RFC 9111 §4.2).
 *
 * RFC 850 two-digit years: with `nowAt`, a year more than 50 years ahead is read as the most recent past
 * year with those digits (RFC 9110 §5.6.7); without it, 00-69 read as 20xx and 70-99 as 19xx.
 *
 * @example parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT') // 784111777000
 */
export function parseHttpDate(value: string | undefined, nowAt?: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text.length < 24 || text.length > 40) return undefined;
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) return buildInstant(Number(match[3]), match[2], match[1], match[4], match[5], match[6]);
  match = ASCTIME_DATE.exec(text);
  if (match !== null) return buildInstant(Number(match[6]), match[1], match[2], match[3], match[4], match[5]);
  match = RFC850_DATE.exec(text);
  if (match !== null) return buildInstant(expandTwoDigitYear(Number(match[3]), nowAt), match[2], match[1], match[4], match[5], match[6]);
  return undefined;
}

/** IMF-fixdate (RFC 9110 §5.6.7), the only format a sender may generate. */
export function formatHttpDate(at: number): string {
  return new Date(at).toUTCString();
}

function expandTwoDigitYear(twoDigits: number, nowAt: number | undefined): number {
  if (nowAt === undefined) return twoDigits < 70 ? 2000 + twoDigits : 1900 + twoDigits;
  const currentYear = new Date(nowAt).getUTCFullYear();
  const year = currentYear - (currentYear % 100) + twoDigits;
  return year > currentYear + 50 ? year - 100 : year;
}

function buildInstant(
  year: number,
  monthName: string | undefined,
  dayText: string | undefined,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
): number | undefined {
  const month = MONTH_INDEX[(monthName ?? '').toLowerCase()];
  const day = Number((dayText ?? '').trim());
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  if (month === undefined || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return undefined;
  const clampedSecond = second === 60 ? 59 : second;
  if (year >= 100) return Date.UTC(year, month, day, hour, minute, clampedSecond);
  // Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, clampedSecond, 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}
