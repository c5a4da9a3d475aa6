import { pino, type DestinationStream, type Logger } from 'pino';
import { EnvironmentError, envValue, type EnvSource } from '../config/environment.js';

export type { Logger };

/**
 * The process logger: JSON lines on stdout. Decisions and audit records are written by
 * audit.ts (DecisionLog), the only place that logs them.
 *
 * Credentials never reach a log line: paths are logged without their query string (tokens and
 * signed URLs travel there) and headers are not logged, except `user-agent` and `x-request-id`,
bounded and cleaned by redact.ts (the redaction helper spans use too); these paths are redacted as a
 * second line of defence should a caller log a raw object.
 */
const REDACT = [
  'authorization',
  'cookie',
  '*.authorization',
  '*.cookie',
  'headers',
  '*.headers',
  'token',
  '*.token',
];

/**
 * What REDACT censors, as names: at the top of a record, and one level down (`*.name`). A path of
 * any other form would make `needsRedaction` answer yes for every record (see there).
 */
const TOP_REDACTED = new Set(REDACT.filter((p) => !p.includes('.')));
const NESTED_REDACTED = REDACT.filter((p) => p.startsWith('*.') && !p.slice(2).includes('.')).map((p) => p.slice(2));
const ONLY_SIMPLE_PATHS = TOP_REDACTED.size + NESTED_REDACTED.length === REDACT.length;

/** A UTF-16 surrogate not part of a pair (with the `u` flag a pair is one code point and never matches). */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * Whether this record needs pino's redactor, or could be written by `unredacted` as the very same
 * line. With `*.` paths pino passes every value of every record through its redactor (a walk and a
 * copy per field: two thirds of an audit record's cost, issue 17), though a decision record is
 * built field by field from redacted sources and never holds these names. Yes exactly where REDACT
 * would censor: a redacted name at the top, or as an own property of a top-level object; `err`
 * (whose serializer may add properties) always. Yes too for a top-level string with a lone
 * surrogate (a token's `sub` may carry one as a JSON escape): without the redactor pino writes
 * such a string unescaped and it reaches the log as U+FFFD, so two subjects could read alike.
 */
export function needsRedaction(record: Readonly<Record<string, unknown>>): boolean {
  if (!ONLY_SIMPLE_PATHS) return true;
  for (const key in record) {
    const value = record[key];
    if (value === undefined) continue;
    if (key === 'err' || TOP_REDACTED.has(key)) return true;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const name of NESTED_REDACTED) if (Object.hasOwn(value, name)) return true;
    }
  }
  return false;
}

/**
 * The same logger (destination, level labels, timestamp, bindings) without the redactor, for
 * records `needsRedaction` cleared. Its level is the lowest: the caller asks the parent's
 * `isLevelEnabled` first, so a reload that changes the parent's level still decides.
 */
export function unredacted(log: Logger): Logger {
  return log.child({}, { redact: { paths: [] }, level: 'trace' });
}

let lastMs = Number.NaN;
let lastTime = '';

/**
 * pino.stdTimeFunctions.isoTime's very text, formatted once per millisecond: a burst of records
 * (denials come in bursts) shares it instead of building a Date and its ISO string each.
 */
export function isoTime(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastTime = `,"time":"${new Date(ms).toISOString()}"`;
    lastMs = ms;
  }
  return lastTime;
}

export type LogFormat = 'json' | 'pretty';

export interface LogOptions {
  /** json (default): one JSON object per line, for collectors. pretty: one readable line per record. */
  format?: LogFormat;
  /** Colour the level in pretty lines (a terminal that has not set NO_COLOR). */
  color?: boolean;
  /** Under `serve --workers N`: this worker's index, put on every record (workers.ts). */
  worker?: number;
}

export function createLogger(level: string, destination?: DestinationStream, options: LogOptions = {}): Logger {
  const out = options.format === 'pretty' ? prettyStream(destination ?? pino.destination({ fd: process.stdout.fd || 1 }), options.color ?? false) : destination;
  return pino(
    {
      level,
      // Under `serve --workers N` every record says which worker wrote it (workers.ts).
      base: options.worker !== undefined ? { service: 'stepgate', worker: options.worker } : { service: 'stepgate' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    out,
  );
}

/**
 * `--log-format`, else STEPGATE_LOG_FORMAT, else pretty on a terminal and JSON anywhere else
 * (containers, pipes, files), so a collector never has to parse the human form. A value that is
 * neither is returned as an error for the caller to report.
 */
export function chooseLogFormat(flag: string | undefined, env: EnvSource, isTTY: boolean): { format: LogFormat } | { error: string } {
  if (flag !== undefined) {
    return flag === 'json' || flag === 'pretty' ? { format: flag } : { error: `--log-format: must be pretty or json, got ${JSON.stringify(flag.slice(0, 40))}` };
  }
  try {
    return { format: envValue(env, 'logFormat') ?? (isTTY ? 'pretty' : 'json') };
  } catch (err) {
    if (err instanceof EnvironmentError) return { error: err.message };
    throw err;
  }
}

type Flushable = DestinationStream & { flush?(cb?: (err?: Error) => void): void; flushSync?(): void };

/** Re-renders each JSON line pino writes; the records themselves (and their redaction) are the JSON ones. */
function prettyStream(out: Flushable, color: boolean): Flushable {
  return {
    write: (line: string) => out.write(prettyLine(line, color)),
    flush: (cb) => (out.flush ? out.flush(cb) : cb?.()),
    flushSync: () => out.flushSync?.(),
  };
}

const LEVEL_COLOURS: Record<string, string> = { fatal: '35', error: '31', warn: '33', info: '32', debug: '90', trace: '90' };
const SKIPPED = new Set(['time', 'level', 'service', 'event', 'msg']);

/**
 * `HH:MM:SS.mmmZ LEVEL event: message  key=value …`, one line per record. Everything printed is
 * escaped: a header value or a subject in a record must not move the cursor or recolour the
 * terminal (escape sequences are an attack on whoever reads the log).
 */
export function prettyLine(line: string, color = false): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${terminalSafe(line.replace(/\n$/, ''))}\n`;
  }
  const time = typeof rec.time === 'string' ? rec.time.replace(/^.*T/, '') : '';
  const level = String(rec.level ?? '').toUpperCase().padEnd(5);
  const paint = color && LEVEL_COLOURS[String(rec.level)] ? `\u001b[${LEVEL_COLOURS[String(rec.level)]}m${level}\u001b[0m` : level;
  const event = typeof rec.event === 'string' ? `${terminalSafe(rec.event)}: ` : '';
  const msg = typeof rec.msg === 'string' ? terminalSafe(rec.msg) : '';
  const fields = Object.entries(rec)
    .filter(([k, v]) => !SKIPPED.has(k) && v !== undefined)
    .map(([k, v]) => `${terminalSafe(k)}=${terminalSafe(fieldValue(k, v))}`);
  return `${[time, paint, `${event}${msg}`].filter((p) => p !== '').join(' ')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}\n`;
}

function fieldValue(key: string, v: unknown): string {
  if (key === 'err' && v !== null && typeof v === 'object' && 'message' in v) {
    const e = v as { type?: unknown; message?: unknown };
    return JSON.stringify(`${typeof e.type === 'string' ? `${e.type}: ` : ''}${String(e.message)}`);
  }
  if (typeof v === 'string') return /^[\w.:/@+,=-]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * Control characters (C0, DEL, C1: JSON.stringify leaves the last two alone) and bidirectional
 * overrides (which reorder what the reader sees) as visible escapes; everything else as it is.
 */
function terminalSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
