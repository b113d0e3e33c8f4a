/**
 * `ppmid-relay gbcs ...`: the GBCS codec on the command line.
 *
 *   gbcs decode [--keystore DIR] [--acb EUI] [--json] INPUT...
 *     INPUT: a file (one message per line, hex or base64, or one binary
 *     message), a hex or base64 string, or `-` (stdin, one message per line).
 *     Exit status 1 when any input failed to decode.
 *   gbcs utrn --keystore DIR --supplier EUI --device EUI --counter N --value V [--pounds]
 *   gbcs verify-utrn --keystore DIR --supplier EUI --device EUI --counter N UTRN
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
// Narrow imports (not gbcs/index.ts): decoding loads the codec, not the test PKI.
import { inspect, inspectToJson, renderInspect } from '../../gbcs/inspect.ts';
import { loadKeyStoreDir } from '../../gbcs/keystore-dir.ts';
import { SecurityContext } from '../../gbcs/security.ts';
import { DEFAULT_ACB_EUI } from '../../gbcs/types.ts';
import { generateUtrn, verifyUtrn } from '../../gbcs/utrn.ts';
import { normaliseEui } from '../../runtime/bytes.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { commandGroup } from '../main.ts';

/** One message to decode: where it came from and its bytes (or why they could not be read). */
export interface InputMessage {
  source: string;
  bytes?: Uint8Array;
  error?: string;
}

const HEX_RE = /^[0-9a-fA-F\s:]+$/;
const B64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Parses one textual message: hex (spaces/colons allowed) or base64. */
export function parseMessageText(text: string): Uint8Array {
  const t = text.trim();
  if (t.length === 0) throw new ConfigError('empty input');
  const compact = t.replace(/[\s:]/g, '');
  if (HEX_RE.test(t) && compact.length % 2 === 0) return new Uint8Array(Buffer.from(compact, 'hex'));
  if (B64_RE.test(compact)) {
    const b = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
    if (b.length > 0) return new Uint8Array(b);
  }
  throw new ConfigError('input is neither hex nor base64');
}

function isText(b: Buffer): boolean {
  for (const x of b) if (x !== 0x09 && x !== 0x0a && x !== 0x0d && (x < 0x20 || x > 0x7e)) return false;
  return true;
}

function linesToInputs(prefix: string, text: string, numberAlways: boolean): InputMessage[] {
  const lines = text.split(/\r?\n/);
  const nonEmpty = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
  const out: InputMessage[] = [];
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const source = numberAlways || nonEmpty > 1 ? `${prefix}:${i + 1}` : prefix;
    try {
      out.push({ source, bytes: parseMessageText(t) });
    } catch (err) {
      out.push({ source, error: err instanceof Error ? err.message : String(err) });
    }
  });
  return out;
}

/** Expands the INPUT arguments into messages. */
export function readInputs(args: string[], stdin: () => string): InputMessage[] {
  const out: InputMessage[] = [];
  args.forEach((arg, i) => {
    if (arg === '-') {
      out.push(...linesToInputs('stdin', stdin(), true));
      return;
    }
    if (existsSync(arg) && statSync(arg).isFile()) {
      const data = readFileSync(arg);
      if (isText(data)) out.push(...linesToInputs(arg, data.toString('utf8'), false));
      else out.push({ source: arg, bytes: new Uint8Array(data) });
      return;
    }
    const source = `arg${i + 1}`;
    try {
      out.push({ source, bytes: parseMessageText(arg) });
    } catch (err) {
      out.push({
        source,
        error: `not a file, hex or base64: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  });
  return out;
}

function parseCounter(s: string): bigint {
  try {
    const v = BigInt(s.trim());
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError();
    return v;
  } catch {
    throw new ConfigError(`--counter must be a decimal or 0x-hex 64-bit number, got ${JSON.stringify(s)}`);
  }
}

function eui(s: string, what: string): string {
  try {
    return normaliseEui(s);
  } catch {
    throw new ConfigError(`${what} must be an EUI-64 (16 hex digits), got ${JSON.stringify(s)}`);
  }
}

export function register(program: Command): void {
  const gbcs = commandGroup(program, 'gbcs');

  gbcs
    .command('decode')
    .description('decode GBCS messages (hex, base64, files with one message per line, or - for stdin)')
    .argument('<input...>', 'file, hex or base64 string, or - for stdin')
    .option(
      '--keystore <dir>',
      'key store directory (<eui>[-pp]-<ka|ds>.<pem|key>) to check MACs and signatures',
    )
    .option('--acb <eui>', 'EUI of the Access Control Broker that MACs commands', DEFAULT_ACB_EUI)
    .option('--json', 'one JSON object per message')
    .action((inputs: string[], opts: { keystore?: string; acb: string; json?: boolean }) => {
      const security = opts.keystore
        ? new SecurityContext({ keyStore: loadKeyStoreDir(opts.keystore), acb: eui(opts.acb, '--acb') })
        : undefined;
      const messages = readInputs(inputs, () => readFileSync(0, 'utf8'));
      let failed = 0;
      let first = true;
      for (const m of messages) {
        if (!m.bytes) {
          failed++;
          if (opts.json) process.stdout.write(`${JSON.stringify({ source: m.source, error: m.error })}\n`);
          else process.stdout.write(`${first ? '' : '\n'}${m.source}\n  ERROR: ${m.error}\n`);
          first = false;
          continue;
        }
        const r = inspect(m.bytes, security);
        if (r.error) failed++;
        if (opts.json) process.stdout.write(`${JSON.stringify(inspectToJson(m.source, r))}\n`);
        else process.stdout.write(`${first ? '' : '\n'}${renderInspect(m.source, r, security).join('\n')}\n`);
        first = false;
      }
      if (messages.length === 0) {
        process.stderr.write('ppmid-relay gbcs decode: no input messages\n');
        failed++;
      }
      if (failed > 0) process.exitCode = 1;
    });

  gbcs
    .command('utrn')
    .description('generate a prepayment top-up UTRN (GBCS.md 5a)')
    .requiredOption('--keystore <dir>', 'key store holding the supplier prepayment KA key (-pp-ka)')
    .requiredOption('--supplier <eui>', 'supplier EUI')
    .requiredOption('--device <eui>', 'meter EUI')
    .requiredOption('--counter <n>', 'Originator Counter of the top-up (decimal or 0x hex)')
    .requiredOption('--value <v>', 'top-up value (0..8191, pennies unless --pounds)')
    .option('--pounds', 'the value is in pounds')
    .action(
      (opts: {
        keystore: string;
        supplier: string;
        device: string;
        counter: string;
        value: string;
        pounds?: boolean;
      }) => {
        const value = Number(opts.value);
        if (!Number.isInteger(value) || value < 0 || value > 8191)
          throw new ConfigError(`--value must be an integer 0..8191, got ${JSON.stringify(opts.value)}`);
        const ctx = new SecurityContext({ keyStore: loadKeyStoreDir(opts.keystore) });
        const utrn = generateUtrn(ctx, {
          supplier: eui(opts.supplier, '--supplier'),
          device: eui(opts.device, '--device'),
          counter: parseCounter(opts.counter),
          value,
          valueClass: opts.pounds ? 'pounds' : 'pennies',
        });
        process.stdout.write(`${utrn}\n`);
      },
    );

  gbcs
    .command('verify-utrn')
    .description('check a UTRN against supplier, device and counter')
    .argument('<utrn>', '20-digit UTRN')
    .requiredOption('--keystore <dir>', 'key store holding a private key of the pair')
    .requiredOption('--supplier <eui>', 'supplier EUI')
    .requiredOption('--device <eui>', 'meter EUI')
    .requiredOption('--counter <n>', 'expected Originator Counter (decimal or 0x hex)')
    .action((utrn: string, opts: { keystore: string; supplier: string; device: string; counter: string }) => {
      const ctx = new SecurityContext({ keyStore: loadKeyStoreDir(opts.keystore) });
      const r = verifyUtrn(
        ctx,
        utrn.replace(/\s/g, ''),
        eui(opts.supplier, '--supplier'),
        eui(opts.device, '--device'),
        parseCounter(opts.counter),
      );
      process.stdout.write(r.valid ? `valid: ${r.value} ${r.valueClass}\n` : `invalid: ${r.reason}\n`);
      if (!r.valid) process.exitCode = 1;
    });
}
