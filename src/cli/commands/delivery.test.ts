import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { generateSigningKeyPair, signStatusReport } from '../../delivery/index.ts';
import { makeSignedEnvelope } from '../../devices/ppmid/atps.ts';
import { toHex } from '../../runtime/bytes.ts';

const BIN = new URL('../../../bin/ppmid-relay.js', import.meta.url).pathname;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, 'delivery', ...args], { encoding: 'utf8' });

describe('ppmid-relay delivery', () => {
  it('keygen, then decode an envelope and a status report with signature checks; bad input exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delivery-cli-'));
    const k = run('keygen', '--out', join(dir, 'supplier'));
    assert.equal(k.status, 0, k.stderr);
    const { keyId } = JSON.parse(k.stdout);
    const gbcs = rtdsMessages().find((m) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX')!.bytes;
    const env = makeSignedEnvelope({
      gbcs,
      ppmid: '00DB1234567890A4',
      supplierId: '90B3D51F30010000',
      deliveryKey: createPrivateKey(readFileSync(join(dir, 'supplier.key'), 'utf8')),
      createdAt: Date.UTC(2026, 0, 1),
    });
    const rep = generateSigningKeyPair();
    const report = signStatusReport(
      {
        envelopeId: '00'.repeat(16),
        envelopeIdIsDigest: false,
        ppmid: '00DB1234567890A4',
        supplierId: null,
        requestId: null,
        at: 0,
        outcome: 'rejected',
        reason: 'firmware',
        attempts: 0,
        sequence: 1,
        detail: 'x',
      },
      rep.privateKey,
    );
    const file = join(dir, 'in.hex');
    writeFileSync(file, `${toHex(env)}\n# a comment\n${toHex(report)}\n`);
    const d = run('decode', '--key', join(dir, 'supplier.pub'), file);
    assert.equal(d.status, 0, d.stderr);
    const [a, b] = d.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(a.kind, 'envelope');
    assert.equal(a.keyId, keyId);
    assert.equal(a.signatureCheck, 'valid');
    assert.equal(a.requestId.counter, '1000');
    assert.equal(b.kind, 'status-report');
    assert.equal(b.reason, 'firmware');
    assert.equal(b.signature, 'invalid', 'checked with the supplier key, not the reporting key');
    const bad = run('decode', '0102');
    assert.equal(bad.status, 1);
    assert.equal(JSON.parse(bad.stdout).errorCode, 'DELIVERY_TRUNCATED');
  });
});
