/**
 * The DSP's downlink cut into GBT blocks (han-downlink.ts, GBCS 7.2.11): the
 * boundaries of the HAN transfer size, many blocks, targets in the CH itself,
 * and what a device's reassembler does with hostile blocks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeGbt, encodeGbtFragment, GbtReassembler, gbtOverheadFor } from '../../gbcs/gbt.ts';
import { encodeApdu, GbcsMalformedError, GbcsUnsupportedError, peekRouting } from '../../gbcs/index.ts';
import { bytesEqual } from '../../runtime/bytes.ts';
import { GSME_MAILBOX_HEADER } from '../../zigbee/gsme-mailbox.ts';
import { downlinkTransfers, HAN_MAX_TRANSFER } from './han-downlink.ts';

const ACB = '90-B3-D5-1F-30-00-00-02';
const GSME = '00-DB-12-34-56-78-90-A1';

/** A real GBCS Command (General Signing, ACB to the GSME) of exactly `size` bytes, content seeded. */
function command(size: number, counter = 7n): Uint8Array {
  const build = (n: number) =>
    encodeApdu({
      cra: 'command',
      originatorCounter: counter,
      originator: ACB,
      recipient: GSME,
      otherInfo: { messageCode: 0x0109 },
      content: Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff),
      signature: null,
    });
  let n = size - (build(size).length - size);
  for (let k = 0; k < 4 && build(n).length !== size; k++) n += size - build(n).length;
  const out = build(n);
  assert.equal(out.length, size, `built ${out.length}, wanted ${size}`);
  return out;
}

function reassemble(blocks: readonly Uint8Array[]): Uint8Array {
  const r = new GbtReassembler({ maxStreams: 8, maxMessageBytes: 16_384 });
  let whole: Uint8Array | null = null;
  blocks.forEach((b, i) => {
    assert.equal(whole, null, `complete before block ${i + 1} of ${blocks.length}`);
    whole = r.add(b);
  });
  assert.ok(whole, 'incomplete after the last block');
  return whole;
}

describe('downlinkTransfers (GBT on the downlink, GBCS 7.2.11)', () => {
  it('a Command of exactly the HAN maximum goes whole, one transfer', () => {
    const c = command(HAN_MAX_TRANSFER);
    const t = downlinkTransfers(c, 'ESME');
    assert.equal(t.length, 1);
    assert.ok(bytesEqual(t[0]!, c));
  });

  it('one byte more: two GBT blocks, the first filling the transfer exactly, routed like the Command', () => {
    const c = command(HAN_MAX_TRANSFER + 1);
    const t = downlinkTransfers(c, 'PPMID');
    assert.equal(t.length, 2);
    assert.equal(t[0]!.length, HAN_MAX_TRANSFER);
    assert.ok(t[1]!.length < HAN_MAX_TRANSFER);
    const head = peekRouting(c);
    for (const [i, b] of t.entries()) {
      const f = decodeGbt(b);
      assert.equal(f.blockNumber, i + 1);
      assert.equal(f.lastBlock, i === t.length - 1);
      const r = peekRouting(b);
      assert.deepEqual(
        [r.craFlag, r.originatorEui, r.targetEui, r.messageCode, r.originatorCounter],
        [head.craFlag, head.originatorEui, head.targetEui, head.messageCode, head.originatorCounter],
      );
    }
    assert.ok(bytesEqual(reassemble(t), c));
  });

  it('a 1.8 KB Command (CS02b size) and a 10 KB one: every block within the transfer, reassembled exactly', () => {
    for (const [size, blocks] of [
      [1_800, 2],
      [10_000, Math.ceil(10_000 / (HAN_MAX_TRANSFER - gbtOverheadFor(HAN_MAX_TRANSFER)))],
    ] as const) {
      const c = command(size);
      const t = downlinkTransfers(c, 'ESME');
      assert.equal(t.length, blocks, `${size} B`);
      for (const b of t) assert.ok(b.length <= HAN_MAX_TRANSFER, `${size} B: a ${b.length}-byte block`);
      assert.ok(bytesEqual(reassemble(t), c));
    }
  });

  it("a GSME's limit is the transfer less the mailbox GET-RESPONSE header: 1498 whole, 1499 in blocks", () => {
    const max = HAN_MAX_TRANSFER - GSME_MAILBOX_HEADER;
    assert.equal(downlinkTransfers(command(max), 'GSME').length, 1);
    const c = command(max + 1);
    const t = downlinkTransfers(c, 'GSME');
    assert.equal(t.length, 2);
    assert.equal(t[0]!.length, max);
    assert.ok(bytesEqual(reassemble(t), c));
  });

  it('the CHF and GPF (the CH itself) and unknown targets get the Command whole', () => {
    const c = command(1_800);
    for (const type of ['CHF', 'GPF', undefined] as const) assert.equal(downlinkTransfers(c, type).length, 1);
  });

  it('a transfer too small for a block is refused, not cut into nothing', () => {
    assert.throws(() => downlinkTransfers(command(200), 'GSME', 40), RangeError);
  });
});

describe('a device reassembling downlink blocks refuses hostile ones (typed)', () => {
  const c = command(4_000, 9n);
  const t = downlinkTransfers(c, 'GSME');

  it('a missing block: never complete', () => {
    const r = new GbtReassembler();
    assert.equal(r.add(t[0]!), null);
    assert.equal(r.add(t[2]!), null);
    assert.equal(r.pending, 1);
  });

  it('a block repeated with other data, a block past the last: GbcsMalformedError', () => {
    const r = new GbtReassembler();
    r.add(t[0]!);
    const f = decodeGbt(t[0]!);
    const forged = encodeGbtFragment({ ...f, blockData: f.blockData.map((x) => x ^ 0xff) });
    assert.throws(() => r.add(forged), GbcsMalformedError);
    const r2 = new GbtReassembler();
    r2.add(t.at(-1)!);
    const past = decodeGbt(t[0]!);
    assert.throws(
      () => r2.add(encodeGbtFragment({ ...past, blockNumber: t.length + 1 })),
      GbcsMalformedError,
    );
  });

  it('more bytes than the device takes: GbcsUnsupportedError, the stream dropped', () => {
    const r = new GbtReassembler({ maxMessageBytes: 2_000 });
    r.add(t[0]!);
    assert.throws(() => r.add(t[1]!), GbcsUnsupportedError);
    assert.equal(r.pending, 0);
  });
});
