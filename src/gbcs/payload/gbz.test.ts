import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { GbcsError } from '../errors.ts';
import {
  dateToZigbeeTime,
  decodeGbz,
  encodeGbz,
  type GbzPayload,
  gbzComponent,
  gbzPayload,
  renderGbz,
  zigbeeTimeToDate,
} from './gbz.ts';
import { PayloadReader, PayloadWriter } from './io.ts';
import { decodeZclView, readZclValue, writeZclValue, zcl, zclCommandName } from './zcl.ts';

describe('GBZ (GBCS 7.2)', () => {
  it('decodes a Prepayment Default Response (GCS06 response)', () => {
    const p = decodeGbz(fromHex('010901010705000508000B0000'));
    assert.equal(p.profileId, 0x0109);
    assert.equal(p.componentCount, 1);
    assert.equal(p.alert, undefined);
    const c = p.components[0];
    assert.equal(c.last, true);
    assert.equal(c.encrypted, undefined);
    assert.equal(c.clusterId, 0x0705);
    assert.deepEqual(c.header, { frameControl: 0x08, sequence: 0, commandId: 0x0b });
    assert.deepEqual(c.zcl, { kind: 'default-response', commandId: 0, status: 0 });
    assert.deepEqual(renderGbz(p), [
      'gbz 1 component(s)',
      '  component[0] cluster 0x0705 (Prepayment) [last]',
      '    global server->client seq 0 cmd 0x0B Default Response',
      '    for cmd 0x00 status SUCCESS',
    ]);
  });

  it('control bits: last (bit 0), encrypted (bit 1), from-date-time (bit 4), reserved bits kept', () => {
    // GCS21j-style component with From Date Time: control 0x11
    const hex = '01090111070500 0A 1C0E6C00 01000A 000000'.replace(/ /g, '');
    const p = decodeGbz(fromHex(hex));
    const c = p.components[0];
    assert.equal(c.last, true);
    assert.equal(c.fromDateTime, 0x1c0e6c00);
    assert.equal(c.header.commandId, 0x0a);
    assert.equal(toHex(encodeGbz(p)), hex);
    // encrypted: additional header, ciphered length, security header, ciphertext, 12-byte MAC
    const cipher = 'AABBCC';
    const mac = '00112233445566778899AABB';
    const enc = `010901030702001B 0000 180001 0014 3100000007 ${cipher} ${mac}`.replace(/ /g, '');
    const e = decodeGbz(fromHex(enc));
    const ec = e.components[0];
    assert.equal(ec.last, true);
    assert.ok(ec.encrypted);
    assert.equal(ec.payload, undefined);
    assert.equal(ec.encrypted.securityControl, 0x31);
    assert.equal(ec.encrypted.invocationCounter, 7);
    assert.equal(toHex(ec.encrypted.ciphertext), cipher);
    assert.equal(toHex(ec.encrypted.mac), mac);
    assert.equal(toHex(encodeGbz(e)), enc);
    // reserved control bit 0x40 survives the round trip
    const odd = '010901410705000508000B0000';
    const o = decodeGbz(fromHex(odd));
    assert.equal(o.components[0].reservedControlBits, 0x40);
    assert.equal(toHex(encodeGbz(o)), odd);
  });

  it('ciphered length must match the component', () => {
    const bad = '010901030702001900001800010015310000000700000000000000000000000000000000'.slice(0, 2 * 30);
    assert.throws(
      () => decodeGbz(fromHex(bad)),
      (e: unknown) => e instanceof GbcsError,
    );
  });

  it('alerts: header, future-dated detail, firmware hash, components, no components', () => {
    const fd = decodeGbz(fromHex('0109018F6638810A000E006D00000000000003ED07050106'), true);
    assert.deepEqual(fd.alert, { code: 0x8f66, time: 0x38810a00 });
    assert.deepEqual(fd.alertDetail, {
      kind: 'future-dated-response',
      messageCode: 0x006d,
      originatorCounter: 1005n,
      clusterId: 0x0705,
      frameControl: 0x01,
      commandId: 0x06,
    });
    assert.equal(toHex(encodeGbz(fd)), '0109018F6638810A000E006D00000000000003ED07050106');
    const fw = decodeGbz(fromHex(`0109018F721C374A800920${'A1'.repeat(32)}`));
    assert.equal(fw.alertDetail?.kind, 'firmware-hash');
    const bare = decodeGbz(fromHex('0109008F301C374A80'));
    assert.equal(bare.alert?.code, 0x8f30);
    assert.equal(zigbeeTimeToDate(bare.alert!.time).toISOString(), '2015-01-01T00:00:00.000Z');
    const withComponent = decodeGbz(fromHex('0109018F0A1C374A80010705000508000B0000'), true);
    assert.equal(withComponent.components.length, 1);
    assert.equal(withComponent.alertBody, undefined);
    assert.equal(toHex(encodeGbz(withComponent)), '0109018F0A1C374A80010705000508000B0000');
  });

  it('builds payloads: last bit on the final component only', () => {
    const p = gbzPayload([
      gbzComponent(
        0x0702,
        { frameControl: 0x00, sequence: 0, commandId: 0x00 },
        zcl.readAttributes([0x0000, 0x0302]),
      ),
      gbzComponent(
        0x0705,
        { frameControl: 0x00, sequence: 1, commandId: 0x00 },
        zcl.readAttributes([0x0001]),
        {
          fromDateTime: dateToZigbeeTime(new Date('2015-01-01T00:00:00Z')),
        },
      ),
    ]);
    const bytes = encodeGbz(p);
    assert.equal(toHex(bytes), '01090200070200070000000000020311070500091C374A800001000100');
    const back = decodeGbz(bytes);
    assert.deepEqual(
      back.components.map((c) => c.last),
      [false, true],
    );
    assert.deepEqual(back.components[0].zcl, {
      kind: 'read-attributes',
      attributes: [
        { attributeId: 0, name: 'CurrentSummationDelivered' },
        { attributeId: 0x0302, name: 'Divisor' },
      ],
    });
  });

  it('rejects bad profile, trailing bytes and a short component with typed errors', () => {
    assert.throws(
      () => decodeGbz(fromHex('010401010705000508000B0000')),
      (e: unknown) => e instanceof GbcsError,
    );
    assert.throws(() => decodeGbz(fromHex('010901010705000508000B000000')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeGbz(fromHex('01090101070500050800')), { code: 'GBCS_TRUNCATED' });
    assert.throws(() => decodeGbz(fromHex('0109010107050002 0800'.replace(' ', ''))), {
      code: 'GBCS_TRUNCATED',
    });
  });

  it('property: random GBZ bytes give a typed error or an exact round trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 60 }),
        fc.option(fc.boolean(), { nil: undefined }),
        (rest, alert) => {
          const b = Uint8Array.from([0x01, 0x09, ...rest]);
          let p: GbzPayload;
          try {
            p = decodeGbz(b, alert);
          } catch (e) {
            return e instanceof GbcsError;
          }
          return toHex(encodeGbz(p)) === toHex(b);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('ZCL views and data types', () => {
  it('names commands per cluster and direction', () => {
    assert.equal(zclCommandName(0x0705, { frameControl: 0x01, commandId: 0x04 }), 'Consumer Top Up');
    assert.equal(zclCommandName(0x0705, { frameControl: 0x09, commandId: 0x03 }), 'Consumer Top Up Response');
    assert.equal(zclCommandName(0x0700, { frameControl: 0x09, commandId: 0x05 }), 'Publish Price Matrix');
    assert.equal(zclCommandName(0x0702, { frameControl: 0x01, commandId: 0x0d }), 'Set Supply Status');
    assert.equal(zclCommandName(0x0019, { frameControl: 0x01, commandId: 0x03 }), 'Image Block Request');
    assert.equal(zclCommandName(0x0000, { frameControl: 0x00, commandId: 0x01 }), 'Read Attributes Response');
  });

  it('Read Attributes Response with typed values, write response forms', () => {
    const payload = zcl.readAttributesResponse([
      { attributeId: 0x0000, value: zcl.value(0x25, 123456789) },
      { attributeId: 0x0302, status: 0x86 },
      { attributeId: 0x0004, value: zcl.value(0x42, 'ACME') },
      { attributeId: 0x0207, value: zcl.value(0x2a, -5) },
      { attributeId: 0x0300, value: zcl.value(0x27, 2n ** 63n) },
    ]);
    const v = decodeZclView(0x0702, { frameControl: 0x08, sequence: 0, commandId: 0x01 }, payload);
    assert.equal(v.kind, 'read-attributes-response');
    if (v.kind !== 'read-attributes-response') return;
    assert.equal(v.records[0].value?.value, 123456789);
    assert.equal(v.records[0].name, 'CurrentSummationDelivered');
    assert.equal(v.records[1].status, 0x86);
    assert.equal(v.records[2].value?.value, 'ACME');
    assert.equal(v.records[3].value?.value, -5);
    assert.equal(v.records[4].value?.value, 2n ** 63n);
    const all = decodeZclView(0x0702, { frameControl: 0x08, sequence: 0, commandId: 0x04 }, fromHex('00'));
    assert.deepEqual(all, { kind: 'write-attributes-response', records: [{ status: 0 }] });
  });

  it('ZCL value encoding round-trips, including arrays and structures', () => {
    const vals = [
      zcl.value(0x10, true),
      zcl.value(0x21, 0xbeef),
      zcl.value(0x29, -2),
      zcl.value(0x41, fromHex('0102')),
      zcl.value(0x41, null),
      zcl.value(0x48, [zcl.value(0x20, 1), zcl.value(0x20, 2)]),
      zcl.value(0x4c, [zcl.value(0x20, 1), zcl.value(0x42, 'x')]),
      zcl.value(0xe2, 0x1c374a80),
      zcl.value(0xf0, fromHex('00DB1234567890A4')),
    ];
    for (const v of vals) {
      const w = new PayloadWriter();
      writeZclValue(w, v);
      const back = readZclValue(new PayloadReader(w.finish()), v.dataType);
      assert.deepEqual(back, v);
    }
    assert.throws(() => writeZclValue(new PayloadWriter(), zcl.value(0x20, 256)), RangeError);
    assert.throws(() => readZclValue(new PayloadReader(fromHex('00')), 0x77), { code: 'GBCS_UNSUPPORTED' });
  });
});
