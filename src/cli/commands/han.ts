/**
 * `ppmid-relay han ...` / `ppmid-relay zigbee ...`: the ZigBee codecs and the
 * HAN timing model on the command line.
 *
 *   zigbee link-key INSTALL_CODE_HEX           (code with its CRC-16, little-endian)
 *   zigbee decode-aps HEX [--link-key HEX] [--source EUI] [--json]
 *   han transfer-time [--bytes N] [--band 2.4GHz|subGHz] [--loss P] [--seed S] [--gap MS] [--block N] [--json]
 */
import type { Command } from 'commander';
import { measureTunnelTransfer } from '../../devices/han/index.ts';
import { fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import { ConfigError } from '../../runtime/errors.ts';
import {
  decodeApsFrame,
  decodeTunnelFrame,
  linkKeyFromInstallCode,
  TUNNELING_CLUSTER_ID,
  unsecureApsFrame,
  ZigbeeError,
} from '../../zigbee/index.ts';
import { errorText } from '../errors.ts';
import { commandGroup } from '../main.ts';

function hexArg(s: string, what: string): Uint8Array {
  try {
    return fromHex(s);
  } catch (e) {
    throw new ConfigError(`${what}: ${(e as Error).message}`);
  }
}

function num(s: string | undefined, what: string, dflt: number): number {
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new ConfigError(`${what} must be a number, got ${JSON.stringify(s)}`);
  return v;
}

const json = (v: unknown) =>
  JSON.stringify(v, (_k, x) =>
    x instanceof Uint8Array ? toHex(x) : typeof x === 'bigint' ? x.toString() : x,
  );

export function register(program: Command): void {
  const zigbee = commandGroup(program, 'zigbee');
  zigbee
    .command('link-key')
    .description('derive the APS link key from an install code (CRC-16 checked)')
    .argument('<installCode>', 'install code hex including its 2-byte CRC (little-endian)')
    .action((code: string) => {
      try {
        process.stdout.write(`${toHex(linkKeyFromInstallCode(hexArg(code, 'install code')))}\n`);
      } catch (e) {
        if (!(e instanceof ZigbeeError)) throw e;
        process.stderr.write(`ppmid-relay zigbee link-key: ${errorText(e)}\n`);
        process.exitCode = 1;
      }
    });
  zigbee
    .command('decode-aps')
    .description(
      'decode an APS frame; with --link-key, verify and decrypt it and decode the tunnel command inside',
    )
    .argument('<hex>', 'the APS frame')
    .option('--link-key <hex>', 'link key shared with the sender')
    .option('--source <eui>', "sender's EUI (needed when the frame has no extended nonce)")
    .option('--json', 'JSON output')
    .action((hex: string, o: { linkKey?: string; source?: string; json?: boolean }) => {
      try {
        const bytes = hexArg(hex, 'frame');
        const frame = decodeApsFrame(bytes).value;
        const out: Record<string, unknown> = { header: frame.header, aux: frame.aux };
        let payload = frame.header.security ? undefined : frame.payload;
        if (frame.header.security && o.linkKey) {
          const key = hexArg(o.linkKey, '--link-key');
          const u = unsecureApsFrame(bytes, {
            linkKeyFor: () => key,
            ...(o.source ? { sourceEui: normaliseEui(o.source) } : {}),
          });
          out.verified = true;
          out.frameCounter = u.aux.frameCounter;
          out.source = u.source;
          payload = u.payload;
        }
        if (payload) {
          out.payload = payload;
          if (
            frame.header.clusterId === TUNNELING_CLUSTER_ID &&
            frame.header.frameType === 'data' &&
            !frame.header.extended
          )
            out.tunnel = decodeTunnelFrame(payload).value;
        }
        process.stdout.write(
          o.json ? `${json(out)}\n` : `${JSON.stringify(JSON.parse(json(out)), null, 2)}\n`,
        );
      } catch (e) {
        if (!(e instanceof ZigbeeError || e instanceof ConfigError)) throw e;
        process.stderr.write(`ppmid-relay zigbee decode-aps: ${errorText(e)}\n`);
        process.exitCode = 1;
      }
    });

  const han = commandGroup(program, 'han');
  han
    .command('transfer-time')
    .description('modelled delivery time of one tunnel TransferData (fragmented, APS-secured) on the HAN')
    .option('--bytes <n>', 'tunnel data bytes (max 1500)', '1500')
    .option('--band <band>', '2.4GHz or subGHz', '2.4GHz')
    .option('--loss <p>', 'per-frame loss probability', '0')
    .option('--seed <s>', 'random seed', '1')
    .option('--gap <ms>', 'inter-fragment gap (apsInterframeDelay)')
    .option('--block <n>', 'APS block size in bytes')
    .option('--json', 'JSON output')
    .action(
      (o: {
        bytes: string;
        band: string;
        loss: string;
        seed: string;
        gap?: string;
        block?: string;
        json?: boolean;
      }) => {
        if (o.band !== '2.4GHz' && o.band !== 'subGHz')
          throw new ConfigError(`--band must be 2.4GHz or subGHz`);
        const m = measureTunnelTransfer({
          bytes: num(o.bytes, '--bytes', 1500),
          band: o.band,
          lossProbability: num(o.loss, '--loss', 0),
          seed: o.seed,
          ...(o.gap ? { interFragmentGapMs: num(o.gap, '--gap', 30) } : {}),
          ...(o.block ? { fragmentPayloadSize: num(o.block, '--block', 61) } : {}),
        });
        const r = m.report;
        const summary = {
          band: o.band,
          ok: r.ok,
          reason: r.reason,
          intact: m.intact,
          asduBytes: r.asduBytes,
          blocks: r.blocks,
          transferMs: r.transferMs,
          macAttempts: r.macAttempts,
          apsRetries: r.apsRetries,
          airtimeMs: r.airtimeMs,
          senderAirtimeMs: m.medium.airtime(r.from).airtimeMs,
        };
        if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else
          process.stdout.write(
            `${o.band}: ${r.asduBytes} bytes in ${r.blocks} blocks, ${r.ok ? `delivered in ${r.transferMs?.toFixed(1)} ms` : `failed (${r.reason})`}, ` +
              `${r.macAttempts} MAC attempts, ${r.apsRetries} APS retries, airtime ${r.airtimeMs.toFixed(1)} ms\n`,
          );
        if (!r.ok || !m.intact) process.exitCode = 1;
      },
    );
}
