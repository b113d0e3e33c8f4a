/**
 * The `ppmid-relay gbcs` command, spawned as a user runs it: JSON fields and
 * exit codes of `gbcs decode`, and the RTDS UTRN from `gbcs utrn`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './support/cli.ts';
import { RTDS_KEYSTORE, RTDS_MESSAGES, rtdsMessages } from './support/fixtures.ts';

const cli = (args: string[], input?: string) => runCli(args, { input });

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const ecs17bCommand = join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
const ecs01cCommand = join(RTDS_MESSAGES, '1.1.2_ECS01c/ECS01c_1.1.2_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX');
const ecs17bResponse = join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
const pcs01 = join(RTDS_MESSAGES, 'NA_PCS01/PCS01_NA_SUCCESS_COMMAND_GBCS.HEX');

describe('ppmid-relay gbcs decode --json', () => {
  it('fixtures with the key store: fields and checks', () => {
    const r = cli([
      'gbcs',
      'decode',
      '--keystore',
      RTDS_KEYSTORE,
      '--json',
      ecs17bCommand,
      ecs01cCommand,
      ecs17bResponse,
      pcs01,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b, c, d] = jsonLines(r.stdout);
    assert.deepEqual(
      {
        source: a.source,
        envelope: a.envelope,
        cra: a.cra,
        originatorCounter: a.originatorCounter,
        originator: a.originator,
        recipient: a.recipient,
        messageCode: a.messageCode,
        useCase: a.useCase,
        payloadKind: a.payloadKind,
        mac: a.mac,
        signature: a.signature,
      },
      {
        source: ecs17bCommand,
        envelope: 'general-ciphering',
        cra: 'command',
        originatorCounter: '1000',
        originator: '90B3D51F30010000',
        recipient: '00DB1234567890A0',
        messageCode: '0x0027',
        useCase: 'ECS17b',
        payloadKind: 'dlms',
        mac: 'valid',
        signature: 'absent',
      },
    );
    assert.equal('error' in a, false);
    assert.equal(b.signature, 'valid', 'critical command signed by the supplier');
    assert.equal(b.mac, 'valid');
    assert.equal(c.cra, 'response');
    assert.equal(c.originator, '00DB1234567890A0');
    assert.equal(d.mac, 'no-key', 'PPMID to GSME: no private key for either');
  });

  it('without --keystore MACs and signatures are no-key or absent', () => {
    const r = cli(['gbcs', 'decode', '--json', ecs17bCommand, ecs01cCommand]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = jsonLines(r.stdout);
    assert.equal(a.mac, 'no-key');
    assert.equal(a.signature, 'absent');
    assert.equal(b.signature, 'no-key');
  });

  it('hex and base64 arguments, and stdin with one message per line', () => {
    const [m1, m2] = rtdsMessages().filter((m) => m.kind === 'RESPONSE');
    const b64 = Buffer.from(m2.bytes).toString('base64');
    const r = cli(['gbcs', 'decode', '--json', m1.hex, b64]);
    assert.equal(r.status, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.deepEqual(
      out.map((o) => o.source),
      ['arg1', 'arg2'],
    );
    assert.ok(out.every((o) => o.cra === 'response'));
    const s = cli(['gbcs', 'decode', '--json', '-'], `${m1.hex}\n\n${m2.hex}\n`);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(
      jsonLines(s.stdout).map((o) => o.source),
      ['stdin:1', 'stdin:3'],
    );
  });

  it('a file with one message per line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-cli-'));
    const file = join(dir, 'batch.txt');
    const ms = rtdsMessages().slice(0, 3);
    writeFileSync(file, ms.map((m) => m.hex).join('\n'));
    const r = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, '--json', file]);
    assert.equal(r.status, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.equal(out.length, 3);
    assert.deepEqual(
      out.map((o) => o.source),
      [`${file}:1`, `${file}:2`, `${file}:3`],
    );
  });

  it('malformed input: non-zero exit with an error, other inputs still decoded', () => {
    const truncated = rtdsMessages()[0].hex.slice(0, 80);
    const r = cli(['gbcs', 'decode', '--json', ecs17bCommand, truncated, 'not!hex']);
    assert.equal(r.status, 1);
    const [ok, bad, junk] = jsonLines(r.stdout);
    assert.equal(ok.error, undefined);
    assert.equal(typeof bad.error, 'string');
    assert.equal(bad.errorCode, 'GBCS_TRUNCATED');
    assert.equal(typeof junk.error, 'string');
  });

  it('the readable tree', () => {
    const r = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, ecs17bResponse]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /General Ciphering \(DD\)/);
    assert.match(r.stdout, /Originator: 00DB1234567890A0 \(device\)/);
    assert.match(r.stdout, /Recipient: 90B3D51F30010000 \(supplier\)/);
    assert.match(r.stdout, /Message Code: 0x0027/);
    assert.match(r.stdout, /Encrypted block at \d+ \(43 bytes\) decrypts to: 0201/);
    assert.match(r.stdout, /MAC: [0-9A-F]{24} -> valid/);
  });
});

describe('ppmid-relay gbcs utrn', () => {
  it('prints the RTDS CS01a UTRN', () => {
    const args = [
      '--keystore',
      RTDS_KEYSTORE,
      '--supplier',
      '90B3D51F30010000',
      '--device',
      '00DB1234567890A0',
    ];
    const r = cli(['gbcs', 'utrn', ...args, '--counter', '12884901888', '--value', '10', '--pounds']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '73946144332040217315');
    const v = cli([
      'gbcs',
      'verify-utrn',
      ...args,
      '--counter',
      '0x0000000300000000',
      '73946144332040217315',
    ]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /valid: 10 pounds/);
    const w = cli(['gbcs', 'verify-utrn', ...args, '--counter', '12884901889', '73946144332040217315']);
    assert.equal(w.status, 1);
  });
});
