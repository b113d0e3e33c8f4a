/**
 * `ppmid-relay gbcs ...`: the GBCS codec on the command line.
 *
 *   gbcs decode [--keystore DIR] [--acb EUI] [--json] [--base64] INPUT...
 *     INPUT: a file (one message per line, or one binary message), a message
 *     in hex, or `-` (stdin, one message per line); base64 with --base64, or
 *     when it cannot be anything else (see ../inputs.ts).
 *     Exit status 1 when any input failed to decode.
 *   gbcs utrn --keystore DIR --supplier EUI --device EUI --counter N --value V [--pounds]
 *   gbcs verify-utrn --keystore DIR --supplier EUI --device EUI --counter N UTRN
 *   gbcs payload encode --use-case UC --kind command|response|alert --fields FILE.json [--counter N]
 *     prints the payload hex built from named fields (docs/use-cases.md)
 *   gbcs use-cases [--json]
 *     lists the use-case catalogue: code, targets, roles, SRVs, fields
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MESSAGE_CODES } from '../../gbcs/codes/message-codes.ts';
// Narrow imports (not gbcs/index.ts): decoding loads the codec, not the test PKI.
import { inspect, inspectToJson, renderInspect } from '../../gbcs/inspect.ts';
import { LazyKeyStoreDir } from '../../gbcs/keystore-dir.ts';
import { SecurityContext } from '../../gbcs/security.ts';
import { DEFAULT_ACB_EUI } from '../../gbcs/types.ts';
import {
  encodeAlert,
  encodeCommand,
  encodeResponse,
  rowHasNoPayload,
  type UseCaseRow,
  useCaseByCode,
  useCaseById,
  useCaseFieldList,
  useCaseRows,
} from '../../gbcs/use-cases/index.ts';
import { generateUtrn, verifyUtrn } from '../../gbcs/utrn.ts';
import { normaliseEui, toHex } from '../../runtime/bytes.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { readInputs } from '../inputs.ts';
import { commandGroup } from '../main.ts';

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
    .argument('<input...>', 'file, message in hex (base64 with --base64), or - for stdin')
    .option(
      '--keystore <dir>',
      'key store directory (<eui>[-pp]-<ka|ds>.<pem|key>) to check MACs and signatures',
    )
    .option('--acb <eui>', 'EUI of the Access Control Broker that MACs commands', DEFAULT_ACB_EUI)
    .option('--json', 'one JSON object per message')
    .option('--base64', 'messages given as text are base64 (standard or URL-safe), not hex')
    .action(
      (inputs: string[], opts: { keystore?: string; acb: string; json?: boolean; base64?: boolean }) => {
        const security = opts.keystore
          ? new SecurityContext({ keyStore: new LazyKeyStoreDir(opts.keystore), acb: eui(opts.acb, '--acb') })
          : undefined;
        const messages = readInputs(inputs, () => readFileSync(0, 'utf8'), { base64: opts.base64 });
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
          else
            process.stdout.write(`${first ? '' : '\n'}${renderInspect(m.source, r, security).join('\n')}\n`);
          first = false;
        }
        if (messages.length === 0) {
          process.stderr.write('ppmid-relay gbcs decode: no input messages\n');
          failed++;
        }
        if (failed > 0) process.exitCode = 1;
      },
    );

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
        const ctx = new SecurityContext({ keyStore: new LazyKeyStoreDir(opts.keystore) });
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
      const ctx = new SecurityContext({ keyStore: new LazyKeyStoreDir(opts.keystore) });
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

  const payload = gbcs
    .command('payload')
    .description('GBCS payloads from named fields (the use-case catalogue)');
  payload
    .command('encode')
    .description('print the payload hex of a use case built from named fields (docs/use-cases.md)')
    .requiredOption('--use-case <uc>', 'use-case id (ECS17b) or Message Code (0x0027)')
    .requiredOption('--kind <kind>', 'command, response or alert')
    .requiredOption(
      '--fields <file>',
      'JSON file: the named fields, or {fields, header} as `gbcs decode --json` prints under payload (- for stdin)',
    )
    .option('--counter <n>', 'Originator Counter giving the DLMS invoke-id when the file has no header', '0')
    .action((opts: { useCase: string; kind: string; fields: string; counter: string }) => {
      const row = findRow(opts.useCase);
      if (opts.kind !== 'command' && opts.kind !== 'response' && opts.kind !== 'alert')
        throw new ConfigError(`--kind must be command, response or alert, got ${JSON.stringify(opts.kind)}`);
      const text = opts.fields === '-' ? readFileSync(0, 'utf8') : readFileSync(opts.fields, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ConfigError(`--fields: not JSON: ${err instanceof Error ? err.message : String(err)}`);
      }
      const wrapped = json !== null && typeof json === 'object' && 'fields' in json;
      const fields = wrapped ? (json as { fields: unknown }).fields : json;
      const header = wrapped ? (json as { header?: unknown }).header : undefined;
      const opt = header === undefined ? { originatorCounter: parseCounter(opts.counter) } : { header };
      const encode = { command: encodeCommand, response: encodeResponse, alert: encodeAlert }[opts.kind];
      process.stdout.write(`${toHex(encode(row, fields, opt))}\n`);
    });

  gbcs
    .command('use-cases')
    .description('list the GBCS use-case catalogue: code, targets, roles, SRVs, fields')
    .option('--json', 'one JSON object per use case')
    .action(async (opts: { json?: boolean }) => {
      const rows = useCaseRows();
      // loaded here only: the device emulators are not needed by the other gbcs commands
      const { emulatorsDriven, emulatorsRunning } = await import('../../devices/use-case-runners.ts');
      const pending = MESSAGE_CODES.filter((m) => !m.provisional && !useCaseByCode(m.code));
      if (opts.json) {
        for (const r of rows)
          process.stdout.write(
            `${JSON.stringify(useCaseJson(r, emulatorsRunning(r), emulatorsDriven(r)))}\n`,
          );
        for (const m of pending)
          process.stdout.write(
            `${JSON.stringify({ code: hex4(m.code), useCase: m.useCase, name: m.name, kind: m.kind, family: m.payload, targets: m.targets ?? [m.target], critical: m.critical, srvs: m.srv ? [m.srv] : [], catalogued: false })}\n`,
          );
        return;
      }
      let running = 0;
      for (const r of rows) {
        const runsOn = emulatorsRunning(r);
        if (runsOn.length > 0) running++;
        const drives = emulatorsDriven(r);
        const j = useCaseJson(r, runsOn, drives);
        process.stdout.write(
          `${j.code} ${r.useCase} ${r.name}\n  ${r.kind}, ${r.family}, targets ${r.targets.join('/')}${r.esmeVariants ? ` (${r.esmeVariants.join('/')})` : ''}, ${r.critical ? 'critical' : 'non-critical'}, SRV ${r.srvs.join(' ') || '-'}, roles ${r.roles.join(' ') || '-'}${r.acbOnBehalfOf ? `, via ACB for ${r.acbOnBehalfOf.join(' ')}` : ''} (${r.rolesConfirmed}), payload ${r.payloadUnknown ? 'UNKNOWN' : r.noPayloadByGbcs ? `none (GBCS defines none${r.zseCommand ? `; ZSE ${r.zseCommand} on the HAN` : ''})` : r.confirmed}, runs on ${runsOn.join('/') || 'no emulator yet'}${drives.length ? ` (drives ${drives.join('/')} over the HAN)` : ''}\n`,
        );
        for (const [kind, leaves] of Object.entries(j.fields ?? {}))
          for (const l of leaves as { path: string; type: string; unit?: string }[])
            process.stdout.write(`    ${kind} ${l.path}: ${l.type}${l.unit ? ` [${l.unit}]` : ''}\n`);
      }
      process.stdout.write(
        `${rows.length} use cases catalogued, ${running} run on an emulated device; ${pending.length} GBCS codes (GBZ/ASN.1) without catalogue rows yet\n`,
      );
    });
}

const hex4 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

function findRow(uc: string): UseCaseRow {
  const row = /^0x[0-9a-f]+$/i.test(uc) ? useCaseByCode(Number.parseInt(uc, 16)) : useCaseById(uc);
  if (!row)
    throw new ConfigError(`--use-case: no catalogue row for ${JSON.stringify(uc)} (see gbcs use-cases)`);
  return row;
}

/**
 * One catalogue row as JSON (`gbcs use-cases --json`); `runsOn` lists the emulated device types
 * that execute it (devices/use-case-runners.ts), when the caller knows them; `drives` the HAN
 * devices the executing emulator drives while it runs it (the ESME's ALCS commands: HCALCS).
 */
export function useCaseJson(
  r: UseCaseRow,
  runsOn?: readonly string[],
  drives?: readonly string[],
): Record<string, unknown> & { code: string; fields?: unknown } {
  const fields = rowHasNoPayload(r) ? undefined : useCaseFieldList(r);
  const out: Record<string, unknown> & { code: string; fields?: unknown } = {
    code: hex4(r.code),
    useCase: r.useCase,
    name: r.name,
    kind: r.kind,
    family: r.family,
    targets: r.targets,
    critical: r.critical,
    srvs: r.srvs,
    roles: r.roles,
    rolesConfirmed: r.rolesConfirmed,
    confirmed: r.confirmed,
    catalogued: true,
  };
  if (runsOn) out.runsOn = runsOn;
  if (drives?.length) out.drives = drives;
  if (r.acbOnBehalfOf) out.acbOnBehalfOf = r.acbOnBehalfOf;
  if (r.rolesNote) out.rolesNote = r.rolesNote;
  if (r.note) out.note = r.note;
  if (r.esmeVariants) out.esmeVariants = r.esmeVariants;
  if (r.altFamily) out.altFamily = r.altFamily;
  if (r.aliases) out.aliases = r.aliases;
  if (r.alerts) out.alerts = r.alerts.map(hex4);
  if (r.payloadUnknown) out.payloadUnknown = true;
  if (r.noPayloadByGbcs) out.noPayloadByGbcs = true;
  if (r.zseCommand) out.zseCommand = r.zseCommand;
  if (r.nameUnconfirmed) out.nameUnconfirmed = true;
  if (fields) {
    const nonEmpty = Object.fromEntries(Object.entries(fields).filter(([, v]) => v.length > 0));
    out.fields = nonEmpty;
  }
  return out;
}
