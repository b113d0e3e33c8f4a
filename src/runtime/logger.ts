/**
 * Per-facility loggers: `Logger.get('chf')`, `Logger.get('gbcs:decode')`.
 * Levels are set per name (longest prefix wins) from `PPMID_LOG`, e.g.
 * `PPMID_LOG=warn,chf=debug,dsp=info`, or with `configureLogging()`.
 * Records carry the time of an injectable clock so that virtual-time runs log
 * virtual timestamps. The sink is replaceable (tests capture records).
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 99 };

export interface LogRecord {
  time: number;
  level: Exclude<LogLevel, 'silent'>;
  facility: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export type LogSink = (r: LogRecord) => void;

interface LoggingConfig {
  defaultLevel: LogLevel;
  perName: Map<string, LogLevel>;
  sink: LogSink;
  now: () => number;
}

const stderrSink: LogSink = (r) => {
  const f = r.fields ? ` ${safeJson(r.fields)}` : '';
  process.stderr.write(
    `${new Date(r.time).toISOString()} ${r.level.toUpperCase().padEnd(5)} [${r.facility}] ${r.msg}${f}\n`,
  );
};

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x,
    );
  } catch {
    return '[unserialisable]';
  }
}

function parseSpec(spec: string | undefined): { defaultLevel: LogLevel; perName: Map<string, LogLevel> } {
  const perName = new Map<string, LogLevel>();
  let defaultLevel: LogLevel = process.env.NODE_TEST_CONTEXT ? 'silent' : 'info';
  for (const part of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, level] = part.includes('=') ? part.split('=') : [undefined, part];
    if (!(level in ORDER)) continue;
    if (name) perName.set(name, level as LogLevel);
    else defaultLevel = level as LogLevel;
  }
  return { defaultLevel, perName };
}

const config: LoggingConfig = {
  ...parseSpec(process.env.PPMID_LOG),
  sink: stderrSink,
  now: () => Date.now(),
};
const cache = new Map<string, Logger>();

export function configureLogging(opts: { spec?: string; sink?: LogSink; now?: () => number }): void {
  if (opts.spec !== undefined) Object.assign(config, parseSpec(opts.spec));
  if (opts.sink) config.sink = opts.sink;
  if (opts.now) config.now = opts.now;
  for (const l of cache.values()) l.refresh();
}

function levelFor(name: string): LogLevel {
  let best: LogLevel | undefined;
  let bestLen = -1;
  for (const [prefix, level] of config.perName) {
    if ((name === prefix || name.startsWith(`${prefix}:`)) && prefix.length > bestLen) {
      best = level;
      bestLen = prefix.length;
    }
  }
  return best ?? config.defaultLevel;
}

export class Logger {
  private threshold = 0;
  private constructor(
    readonly facility: string,
    private readonly now?: () => number,
  ) {
    this.refresh();
  }

  /** The shared logger of a facility (module), e.g. `Logger.get('chf')`. */
  static get(facility: string): Logger {
    let l = cache.get(facility);
    if (!l) {
      l = new Logger(facility);
      cache.set(facility, l);
    }
    return l;
  }

  /** A logger that stamps records with a given clock's time (devices on a VirtualClock). */
  static withClock(facility: string, now: () => number): Logger {
    return new Logger(facility, now);
  }

  /** Re-reads the level for this facility after `configureLogging`. */
  refresh(): void {
    this.threshold = ORDER[levelFor(this.facility)];
  }

  enabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return ORDER[level] >= this.threshold;
  }

  private emit(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < this.threshold) return;
    config.sink({ time: (this.now ?? config.now)(), level, facility: this.facility, msg, fields });
  }

  trace(msg: string, fields?: Record<string, unknown>): void {
    this.emit('trace', msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit('error', msg, fields);
  }
}
