import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeOtaBlock,
  decodeOtaImage,
  encodeOtaBlock,
  encodeOtaImage,
  isOtaImage,
  OtaImageError,
  OtaReceiver,
  otaBlocks,
} from './ota.ts';

const image = new Uint8Array(130).map((_, i) => i);
const file = encodeOtaImage({
  manufacturerCode: 0x1234,
  imageType: 1,
  fileVersion: 0x01020304,
  headerString: 'test',
  image,
});

describe('ZigBee OTA image and blocks', () => {
  it('a file round-trips and its hash verifies', () => {
    assert.ok(isOtaImage(file));
    const d = decodeOtaImage(file);
    assert.equal(d.fileVersion, 0x01020304);
    assert.equal(d.imageType, 1);
    assert.equal(d.headerString, 'test');
    assert.deepEqual(d.image, image);
    assert.equal(d.size, file.length);
    assert.match(d.hash, /^[0-9A-F]{64}$/);
  });

  it('a changed byte, a wrong size or a foreign file is refused', () => {
    const bad = file.slice();
    bad[60] ^= 1;
    assert.throws(() => decodeOtaImage(bad), OtaImageError);
    assert.throws(() => decodeOtaImage(file.subarray(0, file.length - 1)), OtaImageError);
    assert.throws(() => decodeOtaImage(new Uint8Array(100)), OtaImageError);
    assert.equal(isOtaImage(new Uint8Array([0xdd, 0, 0, 0])), false);
  });

  it('blocks (Image Block Response frames) reassemble into the same file; a gap is refused', () => {
    const blocks = otaBlocks(file, 48);
    const rx = new OtaReceiver();
    let out: Uint8Array | null = null;
    for (const b of blocks) out = rx.add(decodeOtaBlock(encodeOtaBlock(b))!);
    assert.deepEqual(out, file);
    const rx2 = new OtaReceiver();
    rx2.add(blocks[0]!);
    assert.throws(() => rx2.add(blocks[2]!), OtaImageError);
  });
});
