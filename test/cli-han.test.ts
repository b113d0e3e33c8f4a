/** `ppmid-relay zigbee ...` and `ppmid-relay han ...`, spawned as a user runs them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../src/runtime/bytes.ts';
import { encodeTunnelFrame, linkKeyFromInstallCode, secureApsFrame } from '../src/zigbee/index.ts';
import { runCli } from './support/cli.ts';

const cli = (args: string[]) => runCli(args);

describe('ppmid-relay zigbee / han', () => {
  it('derives the BDB example link key and refuses a bad CRC', () => {
    const ok = cli(['zigbee', 'link-key', '83FED3407A939723A5C639B26916D505C3B5']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '66B6900981E1EE3CA4206B6B861C02BB');
    const bad = cli(['zigbee', 'link-key', '83FED3407A939723A5C639B26916D505B5C3']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ZIGBEE_INSTALL_CODE_INVALID/);
    const notHex = cli(['zigbee', 'decode-aps', 'ZZ']);
    assert.equal(notHex.status, 1);
    assert.equal(notHex.stderr, 'ppmid-relay zigbee decode-aps: frame: hex string has a non-hex character\n');
  });
  it('verifies, decrypts and decodes a secured tunnel frame', () => {
    const key = linkKeyFromInstallCode(fromHex('83FED3407A939723A5C639B26916D505C3B5'));
    const zcl = encodeTunnelFrame(
      { dir: 's2c', cmd: 'TransferData', tunnelId: 2, data: fromHex('DD00') },
      { transactionSequenceNumber: 5 },
    );
    const frame = secureApsFrame({
      header: {
        frameType: 'data',
        deliveryMode: 'unicast',
        security: true,
        ackRequest: true,
        destinationEndpoint: 1,
        clusterId: 0x0704,
        profileId: 0x0109,
        sourceEndpoint: 1,
        counter: 1,
      },
      payload: zcl,
      linkKey: key,
      sourceEui: '00DB1234567890A4',
      frameCounter: 42,
    });
    const r = cli(['zigbee', 'decode-aps', toHex(frame), '--link-key', toHex(key), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      verified: boolean;
      frameCounter: number;
      source: string;
      tunnel: { command: { cmd: string; data: string } };
    };
    assert.equal(out.verified, true);
    assert.equal(out.frameCounter, 42);
    assert.equal(out.source, '00DB1234567890A4');
    assert.equal(out.tunnel.command.cmd, 'TransferData');
    assert.equal(out.tunnel.command.data, 'DD00');
    const wrong = cli(['zigbee', 'decode-aps', toHex(frame), '--link-key', '00'.repeat(16)]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /ZIGBEE_MIC_INVALID/);
  });
  it('reports the modelled transfer time', () => {
    const r = cli(['han', 'transfer-time', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { ok: boolean; blocks: number; transferMs: number; intact: boolean };
    assert.equal(s.ok, true);
    assert.equal(s.intact, true);
    assert.equal(s.blocks, 25);
    assert.ok(s.transferMs > 500 && s.transferMs < 2000);
  });
});
