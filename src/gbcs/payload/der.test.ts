import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { GbcsError } from '../errors.ts';
import { decodeDer, decodeDerAll, der, describeDerNode, encodeDer, renderDer } from './der.ts';

describe('ASN.1 DER (X.690)', () => {
  it('decodes the CS06 response SEQUENCE { INTEGER, OCTET STRING }', () => {
    const n = decodeDer(fromHex('300902010004040123ABCE'));
    assert.equal(n.tagClass, 'universal');
    assert.equal(n.constructed, true);
    assert.equal(n.tag, 16);
    assert.equal(n.children?.length, 2);
    assert.deepEqual(n.children?.[0].decoded, { kind: 'integer', value: 0n });
    assert.deepEqual(n.children?.[1].decoded, { kind: 'octet-string', bytes: fromHex('0123ABCE') });
    assert.deepEqual(renderDer(n), [
      'SEQUENCE (2 elements, 9 bytes)',
      '  INTEGER 0',
      '  OCTET STRING(4) 0123ABCE',
    ]);
  });

  it('decodes universal types', () => {
    const cases: [string, string][] = [
      ['0101FF', 'BOOLEAN true'],
      ['0201FF', 'INTEGER -1 (0xFF)'],
      ['02020080', 'INTEGER 128 (0x0080)'],
      ['0500', 'NULL'],
      ['06082A8648CE3D030107', 'OBJECT IDENTIFIER 1.2.840.10045.3.1.7 (prime256v1)'],
      ['03020780', 'BIT STRING unused 7 80'],
      ['0A0103', 'ENUMERATED 3'],
      ['0C03414243', 'UTF8String "ABC"'],
      ['1303414243', 'PrintableString "ABC"'],
      ['1603414243', 'IA5String "ABC"'],
      ['180F32303135303130313030303030305A', 'GeneralizedTime 2015-01-01T00:00:00Z'],
      ['170D3135303130313030303030305A', 'UTCTime 2015-01-01T00:00:00Z'],
      ['8001FF', '[0] FF'],
      ['A0030201FF', '[0] (1 element, 3 bytes)'],
    ];
    for (const [hex, text] of cases) {
      const n = decodeDer(fromHex(hex));
      assert.equal(describeDerNode(n), text, hex);
      assert.equal(toHex(encodeDer(n)), hex);
    }
  });

  it('long lengths: 81 and 82 forms; a non-minimal form is noted and kept', () => {
    const body = new Uint8Array(200).fill(0xab);
    const hex = `0481C8${toHex(body)}`;
    const n = decodeDer(fromHex(hex));
    assert.equal(n.length, 200);
    assert.equal(n.headerLength, 3);
    assert.equal(n.nonMinimalLength, undefined);
    assert.equal(toHex(encodeDer(n)), hex);
    const big = decodeDer(fromHex(`048201F4${'00'.repeat(500)}`));
    assert.equal(big.length, 500);
    const loose = decodeDer(fromHex('04820002ABCD'));
    assert.equal(loose.nonMinimalLength, 2);
    assert.equal(toHex(encodeDer(loose)), '04820002ABCD');
    const loose2 = decodeDer(fromHex('048102ABCD'));
    assert.equal(loose2.nonMinimalLength, 1);
  });

  it('high tag numbers', () => {
    const n = decodeDer(fromHex('9F81000100'));
    assert.equal(n.tagClass, 'context');
    assert.equal(n.tag, 128);
    assert.equal(toHex(encodeDer(n)), '9F81000100');
    assert.throws(() => decodeDer(fromHex('9F1E0100')), { code: 'GBCS_MALFORMED' });
  });

  it('rejects indefinite length, truncation, bad primitives and trailing bytes with typed errors', () => {
    assert.throws(() => decodeDer(fromHex('30800500 0000')), { code: 'GBCS_UNSUPPORTED' });
    assert.throws(() => decodeDer(fromHex('300A0500')), { code: 'GBCS_TRUNCATED' });
    assert.throws(() => decodeDer(fromHex('3003050100')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDer(fromHex('0200')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDer(fromHex('010200FF')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDer(fromHex('05000500')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDer(fromHex('0603808001')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDer(fromHex('30')), { code: 'GBCS_TRUNCATED' });
    assert.equal(decodeDerAll(fromHex('05000500')).length, 2);
  });

  it('builders encode what the decoder reads back', () => {
    const tree = der.sequence(
      der.integer(1000),
      der.integer(-129),
      der.octetString(fromHex('AABB')),
      der.oid('1.2.840.10045.4.3.2'),
      der.generalizedTime('20300115090000Z'),
      der.context(1, der.boolean(true)),
      der.contextPrimitive(2, fromHex('01')),
      der.bitString(fromHex('0780'), 7),
      der.null(),
      der.enumerated(5),
    );
    const bytes = encodeDer(tree);
    const back = decodeDer(bytes);
    assert.equal(toHex(encodeDer(back)), toHex(bytes));
    assert.deepEqual(back.children?.[0].decoded, { kind: 'integer', value: 1000n });
    assert.deepEqual(back.children?.[1].decoded, { kind: 'integer', value: -129n });
    assert.equal(toHex(back.children![1].value), 'FF7F');
    assert.deepEqual(back.children?.[3].decoded, { kind: 'oid', value: '1.2.840.10045.4.3.2' });
  });

  it('property: random and mutated bytes give a typed error or an exact round trip', () => {
    const seed = fromHex('300902010004040123ABCE');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 48 }),
          fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
            const b = seed.slice();
            b[i] = v;
            return b;
          }),
        ),
        (b) => {
          try {
            return toHex(encodeDer(decodeDer(b))) === toHex(b);
          } catch (e) {
            return e instanceof GbcsError;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('deep nesting is refused with a typed error', () => {
    const depth = 200;
    const parts: number[] = [];
    for (let i = 0; i < depth; i++) parts.push(0x30, 2 * (depth - i - 1));
    assert.throws(
      () => decodeDer(Uint8Array.from(parts.slice(0, 2 * depth))),
      (e: unknown) => e instanceof GbcsError,
    );
  });
});
