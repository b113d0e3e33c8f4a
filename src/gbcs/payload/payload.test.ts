import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { lookupMessageCode } from '../codes/message-codes.ts';
import {
  encodeBufferFeedCommand,
  encodeProvisionalAlert,
  PROVISIONAL_MESSAGE_CODE,
} from '../codes/provisional.ts';
import { decryptPayload, ecdhSharedSecret, findProtectedBlocks } from '../crypto.ts';
import { decodeMessage } from '../decode.ts';
import { GbcsError } from '../errors.ts';
import { payloadCryptoContext } from '../security.ts';
import {
  type DecodedPayload,
  decodeDecryptedBlock,
  decodePayload,
  encodeDer,
  encodeDlmsApdu,
  encodeGbz,
  gbcsInvokeId,
  payloadToJson,
  renderPayload,
  sniffPayloadKind,
} from './index.ts';

const fixtures = rtdsMessages().map((m) => ({ m, g: decodeMessage(m.bytes) }));

function reencode(p: DecodedPayload): Uint8Array {
  if (p.dlms) return encodeDlmsApdu(p.dlms);
  if (p.gbz) return encodeGbz(p.gbz);
  if (p.asn1) return encodeDer(p.asn1);
  throw new Error(`nothing decoded (${p.kind})`);
}

describe('decodePayload over every RTDS message', () => {
  for (const { m, g } of fixtures) {
    it(m.name, () => {
      const p = decodePayload(g.content, g.messageCode);
      assert.equal(p.error, undefined, p.error?.message);
      assert.equal(
        p.kind,
        lookupMessageCode(g.messageCode)?.payload === 'asn1' ? 'asn1' : sniffPayloadKind(g.content),
      );
      assert.equal(toHex(reencode(p)), toHex(g.content), 'encode(decode(x)) must give x');
      const lines = renderPayload(p);
      assert.ok(lines.length > 0 && lines.every((l) => l.length > 0));
      assert.ok(
        lines.every((l) => /^( {2})*\S/.test(l) && !l.endsWith(' ')),
        'two-space indentation',
      );
      JSON.stringify(payloadToJson(p));
      // without the message code, the first bytes alone give the same format
      assert.equal(decodePayload(g.content).kind, p.kind);
      if (g.cra === 'alert') assert.ok(p.alert?.name, `alert code of ${m.file} named`);
      // GBCS.md 2: a DLMS payload's invoke-id is the low 24 bits of the originator counter
      if (p.dlms) assert.equal(p.dlms.invoke.invokeId, Number(g.originatorCounter & 0xffffffn));
    });
  }
});

describe('decodePayload behaviour', () => {
  it('renders the ECS17b command as a tree', () => {
    const { g } = fixtures.find(({ m }) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX')!;
    const lines = renderPayload(decodePayload(g.content, g.messageCode));
    assert.equal(lines[0], 'access-request invoke-id 0x0003E8 (break-on-error)');
    assert.equal(lines[1], '  request[0] action class 30 (Data protection) OBIS 0-0:43.2.8.255 method 1');
  });

  it('empty, unknown and contradicting contents come back with typed errors', () => {
    assert.equal(decodePayload(new Uint8Array(0)).error?.code, 'GBCS_TRUNCATED');
    const u = decodePayload(fromHex('C1020304'));
    assert.equal(u.kind, 'unknown');
    assert.equal(u.error?.code, 'GBCS_UNSUPPORTED');
    // a GBZ content under a DLMS message code (ECS17b) decodes as GBZ but is flagged
    const x = decodePayload(fromHex('010901010705000508000B0000'), 0x0027);
    assert.equal(x.kind, 'gbz');
    assert.equal(x.error?.code, 'GBCS_MALFORMED');
    // truncated DLMS: error with the offset where decoding stopped
    const t = decodePayload(fromHex('D9200003E80001'), 0x0027);
    assert.equal(t.kind, 'dlms');
    assert.equal(t.error?.code, 'GBCS_TRUNCATED');
    assert.equal(typeof t.error?.offset, 'number');
    assert.ok(renderPayload(t).some((l) => l.startsWith('error GBCS_TRUNCATED')));
  });

  it('names PROVISIONAL alerts and decodes their payload', () => {
    const content = encodeProvisionalAlert(
      {
        alert: 'ppmid-relay-rejected',
        ppmid: '00DB1234567890A4',
        reason: 'target-is-gpf',
        target: '00DB1234567890A3',
        messageCode: 0x0072,
        craFlag: 1,
        size: 120,
        suppressed: 0,
      },
      { invoke: gbcsInvokeId(9n), dateTime: fromHex('07E80101010000000000000000'.slice(0, 24)) },
    );
    const p = decodePayload(content, 0x1000);
    assert.equal(p.error, undefined);
    assert.equal(p.alert?.provisional, true);
    assert.equal(p.provisionalAlert?.alert, 'ppmid-relay-rejected');
    assert.match(renderPayload(p)[0], /PROVISIONAL/);
    const bbf = decodePayload(
      encodeBufferFeedCommand('block', gbcsInvokeId(1n)),
      PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED,
    );
    assert.equal(bbf.error, undefined);
    assert.equal(bbf.kind, 'dlms');
  });

  it('payloadToJson turns bigint and bytes into strings', () => {
    assert.deepEqual(payloadToJson({ a: 1n, b: fromHex('0A0B'), c: [undefined, 2], d: undefined }), {
      a: '1',
      b: '0A0B',
      c: [undefined, 2],
    });
  });

  it('property: random bytes and mutated fixture payloads never throw and errors are typed', () => {
    const contents = fixtures.map(({ g }) => ({ content: g.content, code: g.messageCode }));
    const mutated = fc
      .tuple(fc.nat(contents.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), fc.boolean())
      .map(([i, pos, v, cut, doCut]) => {
        const { content, code } = contents[i];
        const b = content.slice();
        b[pos % b.length] = v;
        return { bytes: doCut ? b.subarray(0, cut % (b.length + 1)) : b, code };
      });
    const random = fc
      .tuple(
        fc.uint8Array({ maxLength: 80 }),
        fc.option(fc.constantFrom(0x0027, 0x0074, 0x0012, 0x1000, 0x00cd), { nil: undefined }),
      )
      .map(([bytes, code]) => ({ bytes, code }));
    fc.assert(
      fc.property(fc.oneof(mutated, random), ({ bytes, code }) => {
        const p = decodePayload(bytes, code);
        if (p.error !== undefined) assert.ok(p.error instanceof GbcsError, String(p.error));
        assert.ok(renderPayload(p).length > 0);
        JSON.stringify(payloadToJson(p));
        // what decodes without error re-encodes to the same bytes
        if (p.error === undefined) assert.equal(toHex(reencode(p)), toHex(bytes));
      }),
      { numRuns: 4000 },
    );
  });
});

describe('payload-encrypted blocks decrypted by the security core decode here', () => {
  const euiHex = (b: Uint8Array) => toHex(b).toLowerCase();
  let decrypted = 0;
  for (const { m, g } of fixtures) {
    const blocks = findProtectedBlocks(g.content);
    if (blocks.length === 0 || g.cra !== 'response') continue;
    it(m.name, () => {
      const ctx0 = payloadCryptoContext(g, new Uint8Array(32));
      const keyFile = join(RTDS_KEYSTORE, `${euiHex(ctx0.recipient)}-ka.key`);
      const certFile = join(RTDS_KEYSTORE, `${euiHex(ctx0.originator)}-ka.pem`);
      if (!existsSync(keyFile) || !existsSync(certFile)) return;
      const z = ecdhSharedSecret(
        createPrivateKey(readFileSync(keyFile)),
        new X509Certificate(readFileSync(certFile)).publicKey,
      );
      const ctx = payloadCryptoContext(g, z);
      const p = decodePayload(g.content, g.messageCode);
      let here = 0;
      for (const b of blocks) {
        let plain: Uint8Array;
        try {
          plain = decryptPayload(g.content.subarray(b.offset, b.offset + b.length), ctx);
        } catch {
          continue; // a candidate that is not a real block fails the GCM tag
        }
        const d = decodeDecryptedBlock(p, b.offset, plain);
        assert.equal(d.error, undefined, d.error?.message);
        assert.ok(d.lines.length > 1);
        here++;
      }
      assert.ok(here > 0, 'at least one block decrypts');
      decrypted += here;
    });
  }
  it('decrypted some blocks', () => assert.ok(decrypted > 10, `${decrypted}`));
});
