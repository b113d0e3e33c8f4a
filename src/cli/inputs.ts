/**
 * GBCS messages given on the command line (`gbcs decode`, `atps inject`):
 * INPUT is a file (one message per line, or one binary message), a message
 * as text, or `-` for stdin (one message per line).
 *
 * Text is hex (spaces and colons allowed). Base64 is read when asked
 * (`--base64`), or without asking when it cannot be anything else: text that
 * is not hex, is canonical base64 and decodes to a GBCS envelope (DD General
 * Ciphering / GBT, DF General Signing, GBCS 7.2). So `zzzz` is an error (not
 * hex), never silently three bytes of base64. Each error says what is wrong:
 * the file that does not exist, the character that is not hex, the odd
 * number of digits.
 */
import { readFileSync, type Stats, statSync } from 'node:fs';
import { ConfigError } from '../runtime/errors.ts';

/** One message to decode: where it came from and its bytes (or why they could not be read). */
export interface InputMessage {
  source: string;
  bytes?: Uint8Array;
  error?: string;
}

export interface InputOptions {
  /** text is base64 (standard or URL-safe alphabet, padding optional), not hex */
  base64?: boolean;
}

const HEX_DIGIT = /[0-9a-fA-F]/;
const SEPARATOR = /[\s:]/;
const B64_CHAR = /[A-Za-z0-9+/_-]/;
/** First byte of every GBCS message: General Ciphering (and GBT) DD, General Signing DF. */
const GBCS_FIRST_BYTES = new Set([0xdd, 0xdf]);

/** Why `text` is not hex, or null if it is. */
function hexProblem(text: string): string | null {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (HEX_DIGIT.test(c)) digits++;
    else if (!SEPARATOR.test(c)) return `${JSON.stringify(c)} at character ${i + 1} is not a hex digit`;
  }
  if (digits % 2 !== 0) return `odd number of hex digits (${digits})`;
  return null;
}

/** The bytes of base64 `text` (whitespace ignored), or why it is not base64. */
function fromBase64(text: string): { bytes: Uint8Array } | { problem: string } {
  const t = text.replace(/\s+/g, '');
  const body = t.replace(/={1,2}$/, '');
  for (let i = 0; i < body.length; i++)
    if (!B64_CHAR.test(body[i]))
      return { problem: `${JSON.stringify(body[i])} at character ${i + 1} is not base64` };
  if (body.length % 4 === 1) return { problem: `length ${body.length} is not that of base64 text` };
  if (t !== body && t.length % 4 !== 0) return { problem: 'bad base64 padding' };
  const urlSafe = body.includes('-') || body.includes('_');
  if (urlSafe && (body.includes('+') || body.includes('/')))
    return { problem: 'mixes the standard and URL-safe base64 alphabets' };
  const bytes = Buffer.from(body, urlSafe ? 'base64url' : 'base64');
  // canonical: the unused low bits of the last character are zero
  if (bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '') !== body)
    return { problem: 'not canonical base64 (stray bits in the last character)' };
  return { bytes: new Uint8Array(bytes) };
}

/** Parses one message given as text; throws ConfigError saying what is wrong. */
export function parseMessageText(text: string, opts: InputOptions = {}): Uint8Array {
  const t = text.trim();
  if (t.length === 0) throw new ConfigError('empty input');
  if (opts.base64) {
    const b = fromBase64(t);
    if ('problem' in b) throw new ConfigError(`not base64: ${b.problem}`);
    if (b.bytes.length === 0) throw new ConfigError('not base64: no bytes');
    return b.bytes;
  }
  const problem = hexProblem(t);
  if (problem === null) return new Uint8Array(Buffer.from(t.replace(/[\s:]/g, ''), 'hex'));
  const b = fromBase64(t);
  if ('bytes' in b && b.bytes.length > 0 && GBCS_FIRST_BYTES.has(b.bytes[0])) return b.bytes;
  throw new ConfigError(`not hex: ${problem} (give --base64 for base64)`);
}

function isText(b: Buffer): boolean {
  for (const x of b) if (x !== 0x09 && x !== 0x0a && x !== 0x0d && (x < 0x20 || x > 0x7e)) return false;
  return true;
}

function linesToInputs(
  prefix: string,
  text: string,
  numberAlways: boolean,
  opts: InputOptions,
): InputMessage[] {
  const lines = text.split(/\r?\n/);
  const nonEmpty = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
  const out: InputMessage[] = [];
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const source = numberAlways || nonEmpty > 1 ? `${prefix}:${i + 1}` : prefix;
    try {
      out.push({ source, bytes: parseMessageText(t, opts) });
    } catch (err) {
      out.push({ source, error: err instanceof Error ? err.message : String(err) });
    }
  });
  return out;
}

/** An argument that names a file rather than holding a message: a path separator, or a file extension. */
function looksLikePath(arg: string): boolean {
  return /[/\\]/.test(arg) || /\.[A-Za-z][A-Za-z0-9]{0,4}$/.test(arg) || arg.startsWith('~');
}

/** Expands the INPUT arguments into messages (`stdin` reads all of standard input). */
export function readInputs(args: string[], stdin: () => string, opts: InputOptions = {}): InputMessage[] {
  const out: InputMessage[] = [];
  args.forEach((arg, i) => {
    if (arg === '-') {
      out.push(...linesToInputs('stdin', stdin(), true, opts));
      return;
    }
    let st: Stats | undefined;
    try {
      st = statSync(arg, { throwIfNoEntry: false });
    } catch {
      st = undefined; // e.g. ENAMETOOLONG: a long message, not a path
    }
    if (st?.isDirectory()) {
      out.push({ source: arg, error: `${arg} is a directory, not a file of messages` });
      return;
    }
    if (st) {
      let data: Buffer;
      try {
        data = readFileSync(arg);
      } catch (err) {
        out.push({ source: arg, error: `cannot read ${arg}: ${(err as NodeJS.ErrnoException).code ?? err}` });
        return;
      }
      if (isText(data)) out.push(...linesToInputs(arg, data.toString('utf8'), false, opts));
      else out.push({ source: arg, bytes: new Uint8Array(data) });
      return;
    }
    const source = `arg${i + 1}`;
    try {
      out.push({ source, bytes: parseMessageText(arg, opts) });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      // a path that does not exist is named by itself, not by its position
      out.push(
        looksLikePath(arg)
          ? { source: arg, error: `file not found: ${arg}` }
          : { source, error: `${why}; no such file either` },
      );
    }
  });
  return out;
}
