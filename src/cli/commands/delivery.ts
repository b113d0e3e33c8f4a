/**
 * `ppmid-relay delivery ...`: the internet leg's formats on the command line
 * (docs/ppmid.md).
 *
 *   delivery decode HEX|FILE... [--key PEM_FILE]   envelope (PDE) or status report (PSR) -> JSON per input;
 *                                                  with --key, the signature is checked with that public key
 *   delivery keygen [--out PREFIX]                  a P-256 delivery / reporting key pair (PEM) and its key id
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DeliveryError,
  decodeEnvelope,
  decodeStatusReport,
  envelopeToJson,
  generateSigningKeyPair,
  statusReportToJson,
  verifyEnvelopeSignature,
  verifyStatusReport,
} from '../../delivery/index.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { commandGroup } from '../main.ts';

function inputs(args: string[]): Array<{ source: string; bytes: Uint8Array }> {
  const out: Array<{ source: string; bytes: Uint8Array }> = [];
  for (const a of args) {
    if (existsSync(a)) {
      const raw = readFileSync(a);
      const lines = raw
        .toString('utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      if (lines.length > 0 && lines.every((l) => /^[0-9A-Fa-f\s]+$/.test(l))) {
        lines.forEach((l, i) => {
          out.push({ source: `${a}:${i + 1}`, bytes: fromHex(l) });
        });
      } else out.push({ source: a, bytes: new Uint8Array(raw) });
    } else {
      try {
        out.push({ source: 'arg', bytes: fromHex(a) });
      } catch (e) {
        throw new ConfigError(`${a}: neither a file nor hex (${(e as Error).message})`);
      }
    }
  }
  return out;
}

export function register(program: Command): void {
  const d = commandGroup(program, 'delivery');
  d.command('decode')
    .description('decode delivery envelopes (PDE) and status reports (PSR) to JSON, one line per input')
    .argument('<input...>', 'hex string or file (hex lines or binary)')
    .option('--key <pem>', 'public (or private) key PEM file to check the signature with')
    .action((args: string[], o: { key?: string }) => {
      let key: KeyObject | undefined;
      if (o.key) key = createPublicKey(readFileSync(o.key, 'utf8'));
      for (const { source, bytes } of inputs(args)) {
        try {
          if (bytes[0] === 0x50 && bytes[1] === 0x53) {
            const r = decodeStatusReport(bytes);
            const sig = key ? (verifyStatusReport(r, key) ? 'valid' : 'invalid') : 'not-checked';
            process.stdout.write(
              `${JSON.stringify({ source, kind: 'status-report', ...statusReportToJson(r), keyId: r.keyId, signature: sig })}\n`,
            );
          } else {
            const env = decodeEnvelope(bytes);
            const sig = key ? verifyEnvelopeSignature(env, [key]) : 'not-checked';
            process.stdout.write(
              `${JSON.stringify({ source, kind: 'envelope', ...envelopeToJson(env), signatureCheck: sig })}\n`,
            );
          }
        } catch (e) {
          if (!(e instanceof DeliveryError)) throw e;
          process.stdout.write(
            `${JSON.stringify({ source, error: e.message, errorCode: e.code, errorOffset: e.offset ?? null })}\n`,
          );
          process.exitCode = 1;
        }
      }
    });
  d.command('keygen')
    .description('make a P-256 signing key pair (a supplier delivery key or a PPMID reporting key)')
    .option('--out <prefix>', 'write <prefix>.key (PKCS#8) and <prefix>.pub (SPKI) instead of printing')
    .action((o: { out?: string }) => {
      const k = generateSigningKeyPair();
      const priv = k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const pub = k.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      if (o.out) {
        writeFileSync(`${o.out}.key`, priv, { mode: 0o600 });
        writeFileSync(`${o.out}.pub`, pub);
        process.stdout.write(
          `${JSON.stringify({ keyId: k.keyId, privateKey: `${o.out}.key`, publicKey: `${o.out}.pub` })}\n`,
        );
      } else process.stdout.write(`# key id ${k.keyId}\n${priv}${pub}`);
    });
}
