/**
 * `ppmid-relay dsp ...`: the DCC Data Service Provider on the command line.
 *
 *   dsp transform --keystore DIR [--acb EUI] [--now ISO] [--acb-counter N]
 *                 [--device EUI=TYPE[:VARIANT]]... [--json] FILE...
 *     Transforms DUIS Service Requests into GBCS: the Command (General
 *     Ciphering with the ACB MAC) for a non-critical SR, the Pre-Command for a
 *     critical one; or prints the DSP's error (code, DUIS Response Code where
 *     DUIS has one). Exit status 1 when any file failed.
 *   dsp srs [--json] [--supported] | --markdown (the whole table; alone)
 *     Every Service Reference Variant of DUIS V5.4 (the DSP's SRV table,
 *     src/dcc/dsp/srv-table.ts): supported or refused and why, kind, CVs,
 *     roles, use cases.
 *
 * Each sub-command is added by its own function on the `dsp` group
 * (`addTransformCommand`, `addSrsCommand`), so more (a DSP service...) can
 * be added beside them.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { srvListing } from '../../dcc/dsp/srv-listing.ts';
import { srvMarkdown, srvSupported, srvTable } from '../../dcc/dsp/srv-table.ts';
import {
  counterFrom,
  DeviceInventory,
  DspTransformError,
  type EsmeVariant,
  type TransformContext,
  type TransformResult,
  transformServiceRequest,
} from '../../dcc/dsp/transform/index.ts';
import { type DeviceType, DuisError, dspRejection, parseDuisRequest } from '../../duis/index.ts';
import { describeMessageCode } from '../../gbcs/codes/message-codes.ts';
import { DEFAULT_ACB_EUI, loadKeyStoreDir, SecurityContext } from '../../gbcs/index.ts';
import { ESME_VARIANTS } from '../../gbcs/use-cases/index.ts';
import { normaliseEui, toHex } from '../../runtime/bytes.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { errorText } from '../errors.ts';
import { commandGroup } from '../main.ts';

const DEVICE_TYPES: readonly DeviceType[] = ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'HCALCS'];

/** `EUI=TYPE[:VARIANT]` -> inventory entry. */
export function parseDeviceOption(s: string): [string, DeviceType, EsmeVariant | undefined] {
  const m = /^([0-9A-Fa-f:-]+)=([A-Za-z]+)(?::([a-z]+))?$/.exec(s.trim());
  if (!m) throw new ConfigError(`--device ${s}: expected EUI=TYPE[:VARIANT]`);
  let eui: string;
  try {
    eui = normaliseEui(m[1]);
  } catch {
    throw new ConfigError(`--device ${s}: ${m[1]} is not an EUI-64`);
  }
  const type = m[2].toUpperCase() as DeviceType;
  if (!DEVICE_TYPES.includes(type))
    throw new ConfigError(`--device ${s}: type is one of ${DEVICE_TYPES.join(', ')}`);
  const variant = m[3] as EsmeVariant | undefined;
  if (variant !== undefined && (type !== 'ESME' || !ESME_VARIANTS.includes(variant)))
    throw new ConfigError(`--device ${s}: a variant (${ESME_VARIANTS.join(', ')}) applies to an ESME only`);
  return [eui, type, variant];
}

interface TransformOptions {
  keystore: string;
  acb: string;
  now?: string;
  acbCounter?: string;
  device?: string[];
  json?: boolean;
}

/** The transform context the CLI options describe. */
export function cliTransformContext(opts: TransformOptions): TransformContext {
  const security = new SecurityContext({
    keyStore: loadKeyStoreDir(opts.keystore),
    acb: normaliseEui(opts.acb),
  });
  const inventory = DeviceInventory.rtds();
  for (const d of opts.device ?? []) inventory.set(...parseDeviceOption(d));
  let clock: TransformContext['clock'] = new SystemClock();
  if (opts.now !== undefined) {
    const t = Date.parse(opts.now);
    if (Number.isNaN(t)) throw new ConfigError(`--now ${opts.now} is not an ISO date-time`);
    clock = { now: () => t };
  }
  const ctx: TransformContext = {
    security,
    deviceTypeOf: inventory.deviceTypeOf,
    esmeVariantOf: inventory.esmeVariantOf,
    clock,
  };
  if (opts.acbCounter !== undefined) {
    if (!/^\d{1,20}$/.test(opts.acbCounter) || BigInt(opts.acbCounter) > 0xffffffffffffffffn)
      throw new ConfigError(`--acb-counter ${opts.acbCounter} is not a 64-bit unsigned integer`);
    ctx.nextAcbCounter = counterFrom(BigInt(opts.acbCounter));
  }
  return ctx;
}

interface FileOutcome {
  file: string;
  result?: TransformResult;
  error?: { code: string; responseCode?: string; httpStatus?: number; message: string };
}

function outcomeError(e: unknown): NonNullable<FileOutcome['error']> {
  if (e instanceof DspTransformError) {
    const o: NonNullable<FileOutcome['error']> = {
      code: e.code,
      httpStatus: e.httpStatus,
      message: e.message,
    };
    if (e.responseCode) o.responseCode = e.responseCode;
    return o;
  }
  if (e instanceof DuisError) {
    const r = dspRejection(e);
    const o: NonNullable<FileOutcome['error']> = {
      code: e.code,
      httpStatus: r.httpStatus,
      message: e.message,
    };
    if (r.responseCode) o.responseCode = r.responseCode;
    return o;
  }
  const err = e as { code?: unknown; message?: unknown };
  return {
    code: typeof err?.code === 'string' ? err.code : 'ERROR',
    message: typeof err?.message === 'string' ? err.message : String(e),
  };
}

/** Transforms one file; never throws. */
export function transformFile(file: string, ctx: TransformContext): FileOutcome {
  let xml: Buffer;
  try {
    xml = readFileSync(file);
  } catch (e) {
    return { file, error: { code: 'FILE_UNREADABLE', message: errorText(e) } };
  }
  try {
    const req = parseDuisRequest(xml);
    return { file, result: transformServiceRequest(req, ctx) };
  } catch (e) {
    return { file, error: outcomeError(e) };
  }
}

function outcomeJson(o: FileOutcome): Record<string, unknown> {
  if (o.error) return { file: o.file, ok: false, error: o.error };
  const r = o.result!;
  const out: Record<string, unknown> = {
    file: o.file,
    ok: true,
    kind: r.kind,
    srv: r.srv,
    useCase: r.useCase,
    messageCode: r.messageCode,
    critical: r.critical,
    target: r.target,
    targetType: r.targetType,
    originator: r.originator,
    originatorCounter: r.originatorCounter.toString(),
    execution: r.execution.kind === 'at' ? { kind: 'at', at: r.execution.at.toISOString() } : r.execution,
    gbcs: toHex(r.gbcs),
  };
  if (r.dspScheduledAt) out.dspScheduledAt = r.dspScheduledAt.toISOString();
  return out;
}

export function addTransformCommand(dsp: Command): Command {
  return dsp
    .command('transform')
    .description(
      'transform DUIS Service Requests into GBCS: the Command (with ACB MAC) of a non-critical SR, the Pre-Command of a critical SR',
    )
    .argument('<file...>', 'DUIS request XML files')
    .requiredOption(
      '--keystore <dir>',
      'key store directory (<eui>[-pp]-<ka|ds>.<pem|key>) with the ACB KA private key',
    )
    .option('--acb <eui>', 'EUI of the Access Control Broker', DEFAULT_ACB_EUI)
    .option('--now <iso>', "the DSP's time (GBZ Issuer Event ID); default the system clock")
    .option('--acb-counter <n>', 'first ACB Originator Counter, for commands the ACB originates (8.11)')
    .option(
      '--device <eui=type[:variant]>',
      'inventory entry, repeatable (default: the RTDS estate ...A0 ESME, A1 GSME, A2 CHF, A3 GPF, A4 PPMID, A5 HCALCS, A6 ESME)',
      (v: string, acc: string[] | undefined) => [...(acc ?? []), v],
    )
    .option('--json', 'one JSON object per file')
    .action((files: string[], opts: TransformOptions) => {
      const ctx = cliTransformContext(opts);
      let failed = 0;
      for (const f of files) {
        const o = transformFile(f, ctx);
        if (o.error) failed++;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(outcomeJson(o))}\n`);
        } else if (o.error) {
          const rc = o.error.responseCode ? ` ${o.error.responseCode}` : '';
          process.stdout.write(`${f}: error ${o.error.code}${rc}: ${o.error.message}\n`);
        } else {
          const r = o.result!;
          const kind = r.kind === 'command' ? 'COMMAND' : 'PRECOMMAND';
          process.stdout.write(`${f}: ${r.srv} ${r.useCase} ${kind}\n${toHex(r.gbcs)}\n`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}

/** `dsp srs`: one object per SRV of DUIS V5.4, from the DSP's SRV table (src/dcc/dsp/srv-table.ts). */
export function serviceRequestListing(): Array<Record<string, unknown>> {
  return srvListing();
}

/** The SRVs this DSP answers today (a transform or a non-device handler), for the help text. */
function supportedSummary(): string {
  const t = srvTable();
  const n = t.filter((e) => srvSupported(e.srv)).length;
  if (n === t.length) return `all ${n} SRVs of DUIS V5.4 are answered`;
  return `${n} of the ${t.length} SRVs of DUIS V5.4 are answered; the others are refused with E11`;
}

export function addSrsCommand(dsp: Command): Command {
  return dsp
    .command('srs')
    .description(
      `list every Service Reference Variant of DUIS V5.4 with what this DSP does with it: supported or not (and why), kind, Command Variants offered and refused (with reasons), eligible user roles, GBCS use cases (${supportedSummary()})`,
    )
    .option('--json', 'one JSON object per SRV')
    .option('--supported', 'only the SRVs this DSP answers')
    .option('--markdown', "the table as Markdown (docs/dsp.md's SRV list)")
    .action((opts: { json?: boolean; supported?: boolean; markdown?: boolean }) => {
      if (opts.markdown) {
        // the Markdown table is docs/dsp.md's whole list: a filter or format it cannot honour is refused, not ignored
        if (opts.json || opts.supported)
          throw new ConfigError('--markdown prints the whole table: not with --json or --supported');
        process.stdout.write(srvMarkdown());
        return;
      }
      for (const s of serviceRequestListing()) {
        if (opts.supported && !s.supported) continue;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(s)}\n`);
          continue;
        }
        const cvs = (s.commandVariants as number[]).join(',') || '-';
        const state = s.supported ? 'supported' : 'REFUSED (E11)';
        process.stdout.write(
          `${String(s.srv).padEnd(7)} ${String(s.name)}  [${state}, ${s.kind}, ${s.class}, CV ${cvs}, roles ${(s.roles as string[]).join(',')}]\n`,
        );
        for (const r of (s.refused ?? []) as Array<{ cvs: number[]; reason: string; unlessPolicy?: string }>)
          process.stdout.write(
            `          CV ${r.cvs.join(',')} not offered${r.unlessPolicy ? ` (unless ${r.unlessPolicy})` : ''}: ${r.reason}\n`,
          );
        const tr = s.transform as { useCases: Array<Record<string, unknown>> } | undefined;
        for (const u of tr?.useCases ?? []) {
          const when = u.when ? ` when ${u.when}` : '';
          process.stdout.write(
            `          ${describeMessageCode(Number(u.messageCode))} -> ${(u.target as string[]).join('/')} (${u.payload})${when}\n`,
          );
        }
        if (!tr)
          for (const u of s.useCases as Array<{ useCase: string; messageCode: string; targets: string[] }>)
            process.stdout.write(
              `          use case ${u.useCase} ${u.messageCode} -> ${u.targets.join('/')}\n`,
            );
        if (s.reason) process.stdout.write(`          ${String(s.reason)}\n`);
        if (s.gbcsRoleRefusal) process.stdout.write(`          ${String(s.gbcsRoleRefusal)}\n`);
        if (s.trustAnchorRefusal) process.stdout.write(`          ${String(s.trustAnchorRefusal)}\n`);
      }
    });
}

export function register(program: Command): void {
  const dsp = commandGroup(program, 'dsp');
  addTransformCommand(dsp);
  addSrsCommand(dsp);
}
