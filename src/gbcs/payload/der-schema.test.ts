import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import * as S from '../use-cases/rows/asn1-structures.ts';
import { der, encodeDer } from './der.ts';
import { type Asn1Schema, decodeAsn1, decodeAsn1Detailed, encodeAsn1 } from './der-schema.ts';
import { GbcsFieldError } from './zcl-fields.ts';

describe('ASN.1 schemas (der-schema)', () => {
  it('GCS28 Set Clock: two GeneralizedTimes by name (RTDS 6.11 GCS28 SUCCESS)', () => {
    const bytes = fromHex('3022180F32303134313233313233333030305A180F32303135303130313030333030305A');
    const v = decodeAsn1(S.SetClockCommand, bytes);
    assert.deepEqual(v, { validityIntervalStart: '20141231233000Z', validityIntervalEnd: '20150101003000Z' });
    assert.equal(toHex(encodeAsn1(S.SetClockCommand, v)), toHex(bytes));
  });

  it('CS06: optional execution date-time absent (immediate)', () => {
    const v = { manufacturerImageHash: 'AB'.repeat(32), originatorCounter: 1000n };
    const b = encodeAsn1(S.ActivateFirmwareCommand, v);
    assert.deepEqual(decodeAsn1(S.ActivateFirmwareCommand, b), v);
  });

  it('implicit context tags (CS02b AuthorisingRemotePartyControl) decode by tag', () => {
    const v = {
      credentialsReplacementMode: 2,
      authorisingRemotePartyTACellIdentifier: {
        remotePartyRole: 2,
        keyUsage: '1',
      },
      authorisingRemotePartySeqNumber: 1002n,
      newRemotePartyFloorSeqNumber: 0n,
    };
    const b = encodeAsn1(S.AuthorisingRemotePartyControl, v);
    assert.equal(toHex(b), '3013020102A2070201020302078083020' + '3EA840100');
    assert.deepEqual(decodeAsn1(S.AuthorisingRemotePartyControl, b), v);
  });

  it('a payload that does not follow the schema is a GbcsFieldError with path and offset', () => {
    // CS06 with a 31-byte hash
    const bad = encodeDer(der.sequence(der.octetString(new Uint8Array(31)), der.integer(5)));
    assert.throws(
      () => decodeAsn1(S.ActivateFirmwareCommand, bad, 'command', 100),
      (e: GbcsFieldError) =>
        e instanceof GbcsFieldError && e.path === 'command.manufacturerImageHash' && e.offset === 102,
    );
    // an extra element
    const extra = encodeDer(der.sequence(der.generalizedTime('20150101000000Z'), der.integer(0), der.null()));
    assert.throws(() => decodeAsn1(S.SetClockResponse, extra), /1 element\(s\) after the last field/);
    // truncated DER
    assert.throws(() => decodeAsn1(S.SetClockResponse, fromHex('3005180F3230')), GbcsFieldError);
  });

  it('a non-minimal length form is kept in lengthForms and re-encoded as received', () => {
    const bytes = fromHex('308200060201000A0100');
    const schema = {
      type: 'sequence',
      fields: [
        { name: 'a', schema: { type: 'integer' } },
        { name: 'b', schema: { type: 'enumerated' } },
      ],
    } as const;
    const { value, lengthForms } = decodeAsn1Detailed(schema, bytes);
    assert.deepEqual(value, { a: 0, b: 0 });
    assert.deepEqual(lengthForms, { '': 2 });
    assert.equal(toHex(encodeAsn1(schema, value, 'payload', lengthForms)), toHex(bytes));
    assert.equal(toHex(encodeAsn1(schema, value)), '30060201000A0100');
  });

  it('encoding names the path of a wrong value', () => {
    assert.throws(
      () =>
        encodeAsn1(S.SetClockCommand, {
          validityIntervalStart: '2015',
          validityIntervalEnd: '20150101000000Z',
        }),
      (e: GbcsFieldError) => e.path === 'payload.validityIntervalStart',
    );
    assert.throws(
      () => encodeAsn1(S.JoinDeviceCommand, { joinMethodAndRole: 0, otherDeviceType: 0 } as never),
      /otherDeviceEntityIdentifier: missing/,
    );
  });
});

// ---------------------------------------------------------------- property: every GBCS structure round-trips

function arb(s: Asn1Schema): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'integer':
      return fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
    case 'bigInteger':
      return fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n });
    case 'enumerated':
      return fc.integer({ min: 0, max: 300 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'octets':
      return fc.uint8Array({ minLength: s.size ?? 0, maxLength: s.size ?? 20 }).map(toHex);
    case 'bits':
      return fc.array(fc.constantFrom('0', '1'), { maxLength: 30 }).map((b) => b.join(''));
    case 'generalizedTime':
      return fc.integer({ min: 0, max: 2 ** 40 }).map((n) => `${String(n).padStart(14, '0').slice(-14)}Z`);
    case 'utcTime':
      return fc.integer({ min: 0, max: 2 ** 38 }).map((n) => `${String(n).padStart(12, '0').slice(-12)}Z`);
    case 'der':
      // a certificate-like element: a SEQUENCE
      return fc
        .uint8Array({ maxLength: 40 })
        .map((b) => toHex(encodeDer(der.sequence(der.octetString(b), der.integer(b.length)))));
    case 'sequence':
      return fc
        .tuple(
          ...s.fields.map((f) => (f.optional ? fc.option(arb(f.schema), { nil: undefined }) : arb(f.schema))),
        )
        .map((vals) => {
          const out: Record<string, unknown> = {};
          s.fields.forEach((f, i) => {
            if (vals[i] !== undefined) out[f.name] = vals[i];
          });
          return out;
        });
    case 'sequenceOf':
      return fc.array(arb(s.of), { maxLength: 3 });
    case 'choice':
      return fc.oneof(...s.alternatives.map((a) => arb(a.schema).map((v) => ({ [a.name]: v }))));
  }
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('property: random values of every GBCS ASN.1 structure round-trip', () => {
  for (const [name, schema] of Object.entries(S)) {
    it(name, () => {
      fc.assert(
        fc.property(arb(schema as Asn1Schema), (v) => {
          const b = encodeAsn1(schema as Asn1Schema, v as never);
          assert.deepEqual(plain(decodeAsn1(schema as Asn1Schema, b)), plain(v));
        }),
        { numRuns: 50 },
      );
    });
  }
});
