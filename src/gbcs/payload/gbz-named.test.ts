import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { lookupMessageCode } from '../codes/message-codes.ts';
import { decodeMessage } from '../decode.ts';
import { decodeComponentFields, decodeNamedGbz, encodeComponentFields, encodeNamedGbz } from './gbz-named.ts';
import { sniffPayloadKind } from './index.ts';
import {
  decodeZclFields,
  encodeZclFields,
  GbcsFieldError,
  type ZclField,
  type ZclScalarType,
  zclScalarRange,
} from './zcl-fields.ts';
import { ZCL_SE_CLUSTERS } from './zcl-se.ts';

describe('ZCL fields (the one ZCL field codec)', () => {
  const fields = [
    { name: 'providerId', type: 'uint32' },
    { name: 'label', type: 'octstr', maxLength: 4 },
    { name: 'value', type: 'int32' },
    {
      name: 'entries',
      type: 'records',
      fields: [
        { name: 'id', type: 'uint8' },
        { name: 'price', type: 'uint24' },
      ],
    },
  ] as const satisfies readonly ZclField[];

  it('reads little-endian fields and writes the same bytes back', () => {
    const bytes = fromHex('78563412' + '02ABCD' + 'FFFFFFFF' + '01102700' + '02204E00');
    const v = decodeZclFields(fields, bytes);
    assert.equal(v.providerId, 0x12345678);
    assert.equal(v.label, 'ABCD');
    assert.equal(v.value, -1);
    assert.deepEqual(v.entries, [
      { id: 1, price: 10000 },
      { id: 2, price: 20000 },
    ]);
    assert.equal(toHex(encodeZclFields(fields, v)), toHex(bytes));
  });

  it('a short or long payload is a GbcsFieldError with the field path and byte offset', () => {
    const e = (() => {
      try {
        decodeZclFields(fields, fromHex('7856341205ABCD'), 'command.x', 10);
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof GbcsFieldError);
    assert.equal(e.path, 'command.x.label');
    assert.equal(e.offset, 14); // the length octet: 5 octets where at most 4 fit
    assert.throws(
      () => decodeZclFields([{ name: 'a', type: 'uint8' }] as const, fromHex('0102')),
      (err: GbcsFieldError) => err.path === 'fields' && err.offset === 1,
    );
  });

  it('encoding refuses values outside their type, missing and unknown fields, naming the path', () => {
    const ok = { providerId: 1, label: '', value: 0, entries: [] };
    assert.throws(
      () => encodeZclFields(fields, { ...ok, value: 2 ** 31 }),
      /fields\.value: .* outside int32/,
    );
    assert.throws(
      () => encodeZclFields(fields, { ...ok, entries: [{ id: 256, price: 0 }] }),
      /entries\[0\]\.id/,
    );
    const { providerId: _, ...missing } = ok;
    assert.throws(() => encodeZclFields(fields, missing as never), /fields\.providerId: missing/);
    assert.throws(
      () => encodeZclFields(fields, { ...ok, extra: 1 } as never),
      /fields\.extra: is not a field/,
    );
    assert.throws(() => encodeZclFields(fields, { ...ok, label: '0102030405' }), /too long/);
  });
});

describe('GBZ named fields over every RTDS GBZ payload', () => {
  const gbz = rtdsMessages().filter((m) => {
    const msg = decodeMessage(m.bytes);
    return sniffPayloadKind(msg.content) === 'gbz';
  });
  it('RTDS has GBZ payloads', () => assert.ok(gbz.length >= 190, `${gbz.length}`));
  for (const m of gbz) {
    it(`${m.name}: named components, no remainder, byte-exact re-encode`, () => {
      const msg = decodeMessage(m.bytes);
      const info = lookupMessageCode(msg.messageCode);
      const named = decodeNamedGbz(msg.content, info ? info.kind === 'alert' : undefined);
      for (const c of named.components) {
        assert.ok(!c.cluster.startsWith('0x'), `cluster ${c.cluster} named`);
        assert.ok(!c.command.startsWith('0x'), `command ${c.command} named`);
        assert.ok(c.fields || c.encrypted);
      }
      assert.equal(toHex(encodeNamedGbz(named)), toHex(msg.content));
      // the named form survives JSON (bigint counters as decimal strings)
      const json = JSON.parse(JSON.stringify(named, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      assert.equal(toHex(encodeNamedGbz(json)), toHex(msg.content));
    });
  }
});

describe('GBZ named fields: cases', () => {
  it('CS01b: Consumer Top Up with its UTRN as text', () => {
    const { command, fields } = decodeComponentFields(
      0x0705,
      { frameControl: 0x01, commandId: 0x04 },
      fromHex('00143733393530303637383837313035313738363035'),
    );
    assert.equal(command, 'consumerTopUp');
    assert.deepEqual(fields, { originatingDevice: 0, topUpCode: '73950067887105178605' });
  });

  it('an SE command that is not in the table is a typed error naming the component', () => {
    assert.throws(
      () => decodeNamedGbz(fromHex('01090101070500040100FF00')),
      (e: GbcsFieldError) =>
        e instanceof GbcsFieldError && e.path === 'gbz.components[0].fields' && e.offset === 11,
    );
  });

  it('a Display Message without the optional Extended Message Control round-trips (RTDS GCS07)', () => {
    const p = fromHex('804A371C0000000000FFFF055265736574');
    const d = decodeComponentFields(0x0703, { frameControl: 0x09, commandId: 0 }, p);
    assert.equal(d.fields.message, 'Reset');
    assert.equal(d.fields.extendedMessageControl, undefined);
    assert.equal(toHex(encodeComponentFields(0x0703, 0x09, 'displayMessage', d.fields).payload), toHex(p));
  });
});

// ---------------------------------------------------------------- property: every SE command round-trips

function scalarArb(t: ZclScalarType): fc.Arbitrary<unknown> {
  if (t === 'bool') return fc.boolean();
  if (t === 'date') {
    const opt = (lo: number, hi: number) => fc.option(fc.integer({ min: lo, max: hi }), { nil: null });
    return fc.record({ year: opt(1900, 2154), month: opt(0, 254), day: opt(0, 254), dayOfWeek: opt(0, 254) });
  }
  const [min, max] = zclScalarRange(t);
  return fc.integer({ min, max });
}

function fieldsArb(fields: readonly ZclField[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.tuple(
        ...fields.map((f): fc.Arbitrary<unknown> => {
          switch (f.type) {
            case 'octstr':
              return fc.uint8Array({ maxLength: f.maxLength ?? 40 }).map(toHex);
            case 'string':
              return fc.string({
                unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
                maxLength: f.maxLength ?? 40,
              });
            case 'list':
              return f.countFrom ? fc.constant(undefined) : fc.array(scalarArb(f.of), { maxLength: 5 });
            case 'records':
              return fc.array(fieldsArb(f.fields), { maxLength: 3 });
            case 'bytes':
              return fc.uint8Array({ maxLength: 30 }).map(toHex);
            default:
              return scalarArb(f.type);
          }
        }),
      ),
      fc.nat({ max: fields.length }),
    )
    .chain(([vals, cut]) => {
      const out: Record<string, unknown> = {};
      const firstOptional = fields.findIndex((f) => 'optional' in f && f.optional);
      fields.forEach((f, i) => {
        if (firstOptional >= 0 && i >= Math.max(firstOptional, cut)) return; // optional tail left out
        out[f.name] = vals[i];
      });
      // lists whose count another field gives
      const counted = fields.filter((f) => f.type === 'list' && f.countFrom);
      if (counted.length === 0) return fc.constant(out);
      return fc
        .tuple(
          ...counted.map((f) =>
            f.type === 'list' ? fc.array(scalarArb(f.of), { minLength: 0, maxLength: 15 }) : fc.constant([]),
          ),
        )
        .map((lists) => {
          counted.forEach((f, i) => {
            if (f.type !== 'list') return;
            const list = lists[i];
            const mask = f.countMask ?? 0xff;
            out[f.countFrom!] = ((out[f.countFrom!] as number) & ~mask & 0xff) | list.length;
            out[f.name] = list;
          });
          return out;
        });
    });
}

describe('property: random field values of every SE command round-trip', () => {
  for (const cluster of ZCL_SE_CLUSTERS) {
    for (const [dir, list] of [
      [0x01, cluster.toServer],
      [0x09, cluster.toClient],
    ] as const) {
      for (const cmd of list) {
        it(`${cluster.name}.${cmd.name}`, () => {
          fc.assert(
            fc.property(fieldsArb(cmd.fields), (v) => {
              const e = encodeComponentFields(cluster.id, dir, cmd.name, v);
              assert.equal(e.commandId, cmd.id);
              const d = decodeComponentFields(
                cluster.id,
                { frameControl: dir, commandId: e.commandId },
                e.payload,
              );
              assert.equal(d.command, cmd.name);
              assert.deepEqual(normalise(d.fields), normalise(v));
            }),
            { numRuns: 60 },
          );
        });
      }
    }
  }
});

function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  return v;
}
