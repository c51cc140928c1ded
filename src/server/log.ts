/**
 * The server's log on stderr: plain lines (`airlock serve: ...`) or, with --log-json,
 * one JSON object per line ({ time, level, msg, ...fields }). `quiet` keeps warnings and
 * errors only.
 */

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createLogger(o: { json?: boolean; quiet?: boolean; write?: (line: string) => void } = {}): Logger {
  const write = o.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (o.quiet && level === 'info') return;
    if (o.json) {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
      return;
    }
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
      .join(' ');
    write(`airlock serve: ${level === 'info' ? '' : `${level}: `}${msg}${extra ? ` ${extra}` : ''}\n`);
  };
  return {
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}
