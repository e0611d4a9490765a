/**
 * Timestamps as AWS Step Functions reads them: Choice `Timestamp*` / `IsTimestamp` operators and Wait
 * `Timestamp` / `TimestampPath`.
 *
 * AWS's rejection message ("... cannot be parsed as an ISO-8601 extended offset date-time format string")
 * is the Javadoc wording of Java's `DateTimeFormatter.ISO_OFFSET_DATE_TIME`, so this module reproduces that
 * formatter's grammar rather than `Date.parse` (which accepts far more, e.g. a space instead of 'T', or no zone):
 *
 *   date    = year '-' MM '-' dd          year: 4 digits, or a sign and more digits ('-' always allowed, '+' only past 4 digits)
 *   'T'                                    (case-insensitive, as the Java formatter is)
 *   time    = HH ':' mm [ ':' ss [ '.' 0-9 digits ] ]
 *   offset  = 'Z' | ±HH | ±HHMM | ±HH:MM | ±HHMMSS | ±HH:MM:SS   (lenient offset parsing, within ±18:00)
 *
 * Fields are validated strictly (month 1-12, a real day of that month, hour 0-23, minute/second 0-59), as
 * `ResolverStyle.STRICT` does; this is what makes "2016-13-05T21:29:29Z" and "2016-12-05T25:29:29Z" fail.
 * Conformance: cases/wait/*timestamp* and cases/choice-operators/TestTimestamps*.
 *
 * Pure: no clock, no `Date` (so years outside `Date`'s range and nanoseconds are exact).
 */

const TIMESTAMP_PATTERN = new RegExp(
  '^' +
    '(\\d{4}|-\\d{4,9}|\\+\\d{5,9})' + // 1 year
    '-(\\d{2})-(\\d{2})' + // 2 month, 3 day
    '[Tt]' +
    '(\\d{2}):(\\d{2})' + // 4 hour, 5 minute
    // 6 second, 7 fraction. Java's fraction parser takes 0-9 digits after the point, so "30.Z" is accepted too.
    '(?::(\\d{2})(?:\\.(\\d{0,9}))?)?' +
    // 8 'Z'; or 9 sign, 10 offset hours, then minutes/seconds either with colons (11, 12) or without (13, 14)
    '(?:([Zz])|([+-])(\\d{2})(?:(?::(\\d{2})(?::(\\d{2}))?)|(?:(\\d{2})(\\d{2})?))?)' +
    '$',
);

const NANOS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400;
/** Java's ZoneOffset range. */
const MAX_OFFSET_SECONDS = 18 * 3600;

/** A parsed timestamp: whole seconds since the epoch plus the nanoseconds within that second. */
export interface ParsedTimestamp {
  epochSeconds: number;
  nanos: number;
}

/**
 * Epoch milliseconds for an AWS-accepted timestamp, or undefined if AWS would reject the string.
 * Sub-millisecond digits are kept as the fractional part (to double precision); use `parseTimestampNanos`
 * or `compareTimestamps` when two timestamps must be ordered exactly, as AWS orders them to the nanosecond.
 */
export function parseTimestamp(s: string): number | undefined {
  const parsed = parseTimestampParts(s);
  if (parsed === undefined) return undefined;
  return parsed.epochSeconds * 1000 + parsed.nanos / 1e6;
}

/** Exact epoch nanoseconds (bigint) for an AWS-accepted timestamp, or undefined if AWS would reject it. */
export function parseTimestampNanos(s: string): bigint | undefined {
  const parsed = parseTimestampParts(s);
  if (parsed === undefined) return undefined;
  return BigInt(parsed.epochSeconds) * NANOS_PER_SECOND + BigInt(parsed.nanos);
}

/** True when AWS would accept `value` as a timestamp (what Choice `IsTimestamp` tests). */
export function isTimestamp(value: unknown): boolean {
  return typeof value === 'string' && parseTimestampParts(value) !== undefined;
}

/**
 * Orders two timestamp strings to the nanosecond (Java compares OffsetDateTime instants exactly, so
 * "…29.0000001Z" is after "…29Z" although both round to the same millisecond).
 * Returns undefined when either string is not a valid timestamp.
 */
export function compareTimestamps(a: string, b: string): -1 | 0 | 1 | undefined {
  const x = parseTimestampNanos(a);
  const y = parseTimestampNanos(b);
  if (x === undefined || y === undefined) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses and validates; the single place the grammar above is enforced. */
export function parseTimestampParts(s: string): ParsedTimestamp | undefined {
  if (typeof s !== 'string') return undefined;
  const m = TIMESTAMP_PATTERN.exec(s);
  if (m === null) return undefined;

  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!isValidDate(year, month, day)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;

  const offsetSeconds = parseOffsetSeconds(m);
  if (offsetSeconds === undefined) return undefined;

  const localSeconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return { epochSeconds: localSeconds - offsetSeconds, nanos: fractionToNanos(m[7]) };
}

/** Offset in seconds east of UTC, or undefined when out of Java's range (fields over 59, or beyond ±18:00). */
function parseOffsetSeconds(m: RegExpExecArray): number | undefined {
  if (m[8] !== undefined) return 0; // 'Z'
  const sign = m[9] === '-' ? -1 : 1;
  const hours = Number(m[10]);
  const minutes = Number(m[11] ?? m[13] ?? 0);
  const seconds = Number(m[12] ?? m[14] ?? 0);
  if (minutes > 59 || seconds > 59) return undefined;
  const total = hours * 3600 + minutes * 60 + seconds;
  if (total > MAX_OFFSET_SECONDS) return undefined;
  return sign * total;
}

/** "5" → 500000000: the digits after the decimal point, right-padded to nanoseconds. */
function fractionToNanos(fraction: string | undefined): number {
  if (fraction === undefined || fraction === '') return 0;
  return Number(fraction.padEnd(9, '0'));
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= daysInMonth;
}

/**
 * Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil),
 * computed without `Date` so any year Java accepts maps exactly.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
