import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { GbcsError } from '../errors.ts';
import {
  cosemDateTimeFromDate,
  cosemUtcDateTime,
  type DlmsApdu,
  type DlmsData,
  decodeDlmsApdu,
  decodeDlmsData,
  decodeLongInvokeId,
  dlms,
  encodeDlmsApdu,
  encodeDlmsData,
  encodeLongInvokeId,
  formatCosemDateTime,
  formatObis,
  gbcsInvokeId,
  parseCosemDateTime,
  parseObis,
  renderDlmsApdu,
} from './dlms.ts';

/** Each row: hex of one tagged Data, the value it must decode to. */
const DATA_VECTORS: [string, DlmsData][] = [
  ['00', { type: 'null' }],
  ['FF', { type: 'dont-care' }],
  ['0300', { type: 'boolean', value: false }],
  ['03FF', { type: 'boolean', value: true }],
  ['0301', { type: 'boolean', value: true, raw: 1 }],
  ['040A8040', { type: 'bit-string', bitLength: 10, bytes: fromHex('8040') }],
  ['05FFFFFFFE', { type: 'double-long', value: -2 }],
  ['06000186A0', { type: 'double-long-unsigned', value: 100000 }],
  ['0903010203', { type: 'octet-string', value: fromHex('010203') }],
  ['0A03414243', { type: 'visible-string', value: 'ABC' }],
  ['0C02C3A9', { type: 'utf8-string', value: 'é' }],
  ['0D12', { type: 'bcd', value: 0x12 }],
  ['0F80', { type: 'integer', value: -128 }],
  ['10FF38', { type: 'long', value: -200 }],
  ['11FF', { type: 'unsigned', value: 255 }],
  ['12FFFF', { type: 'long-unsigned', value: 65535 }],
  ['14FFFFFFFFFFFFFFFF', { type: 'long64', value: -1n }],
  ['15FFFFFFFFFFFFFFFF', { type: 'long64-unsigned', value: 0xffffffffffffffffn }],
  ['1602', { type: 'enum', value: 2 }],
  ['173FC00000', { type: 'float32', value: 1.5 }],
  ['18BFF8000000000000', { type: 'float64', value: -1.5 }],
  ['1907DF0101FF000000008000FF', { type: 'date-time', value: fromHex('07DF0101FF000000008000FF') }],
  ['1A07DF0101FF', { type: 'date', value: fromHex('07DF0101FF') }],
  ['1B17300000', { type: 'time', value: fromHex('17300000') }],
  [
    '02021200010100',
    {
      type: 'structure',
      items: [
        { type: 'long-unsigned', value: 1 },
        { type: 'array', items: [] },
      ],
    },
  ],
];

describe('DLMS data types (Green Book A-XDR)', () => {
  for (const [hex, value] of DATA_VECTORS) {
    const bytes = fromHex(hex);
    it(`${value.type} ${hex}`, () => {
      const { value: got, offset } = decodeDlmsData(bytes);
      assert.equal(offset, bytes.length);
      assert.deepEqual(got, value);
      assert.equal(toHex(encodeDlmsData(got)), hex);
    });
  }

  it('compact-array (tag 19) with a structure type description', () => {
    // structure{double-long-unsigned, long-unsigned}, two rows of 6 bytes
    const hex = '13020206120C' + '0000000A0001' + '000000140002';
    const { value } = decodeDlmsData(fromHex(hex));
    assert.equal(value.type, 'compact-array');
    if (value.type !== 'compact-array') return;
    assert.equal(value.elements.length, 2);
    assert.deepEqual(value.elements[1], {
      type: 'structure',
      items: [
        { type: 'double-long-unsigned', value: 20 },
        { type: 'long-unsigned', value: 2 },
      ],
    });
    assert.equal(toHex(encodeDlmsData(value)), hex);
  });

  it('compact-array contents that stop inside an element are truncated', () => {
    assert.throws(() => decodeDlmsData(fromHex('13020206120B0000000A0001000000140002')), {
      code: 'GBCS_TRUNCATED',
    });
  });

  it('a compact-array of zero-size elements with content is malformed, not an endless loop', () => {
    assert.throws(() => decodeDlmsData(fromHex('13000101')), { code: 'GBCS_MALFORMED' });
  });

  it('rejects a non-minimal A-XDR length and an unknown tag with typed errors', () => {
    assert.throws(() => decodeDlmsData(fromHex('098103010203')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDlmsData(fromHex('08')), { code: 'GBCS_UNSUPPORTED' });
    assert.throws(() => decodeDlmsData(fromHex('0C01FF')), { code: 'GBCS_MALFORMED' });
  });

  it('refuses deep nesting with a typed error instead of overflowing the stack', () => {
    const deep = new Uint8Array(2000).fill(0x01).map((_, i) => (i % 2 === 0 ? 0x01 : 0x01));
    assert.throws(
      () => decodeDlmsData(deep),
      (e: unknown) => e instanceof GbcsError,
    );
  });

  it('encoder range-checks values', () => {
    assert.throws(() => encodeDlmsData({ type: 'unsigned', value: 256 }), RangeError);
    assert.throws(() => encodeDlmsData({ type: 'long', value: 40000 }), RangeError);
    assert.throws(() => encodeDlmsData({ type: 'date-time', value: new Uint8Array(5) }), RangeError);
  });
});

describe('OBIS and COSEM date-time', () => {
  it('formats and parses OBIS codes A-B:C.D.E.F', () => {
    assert.equal(formatObis(fromHex('00002B0208FF')), '0-0:43.2.8.255');
    assert.equal(formatObis(fromHex('0100010800FF')), '1-0:1.8.0.255');
    assert.equal(toHex(parseObis('1-0:1.8.0.255')), '0100010800FF');
    assert.throws(() => parseObis('1-0:1.8.0'), RangeError);
    assert.throws(() => parseObis('1-0:1.8.0.256'), RangeError);
  });

  it('splits a date-time with unspecified fields', () => {
    const t = parseCosemDateTime(fromHex('07DF0101FF000000008000FF'));
    assert.equal(t?.year, 2015);
    assert.equal(t?.dayOfWeek, undefined);
    assert.equal(t?.deviation, undefined);
    assert.equal(formatCosemDateTime(fromHex('07DF0101FF000000008000FF')), '2015-01-01 00:00:00');
    assert.equal(formatCosemDateTime(fromHex('FFFF0101FFFFFF0000800000')), '****-01-01 **:**:00 status 0x00');
  });

  it('builds a UTC date-time (Monday = 1)', () => {
    assert.equal(toHex(cosemDateTimeFromDate(new Date('2024-01-01T12:30:05Z'))), '07E80101010C1E0500000000');
  });

  it('builds the command / ESME form: day of week and deviation not specified (RTDS)', () => {
    const t = new Date('2014-12-31T23:59:10.57Z');
    assert.equal(toHex(cosemUtcDateTime(t, { hundredths: true })), '07DE0C1FFF173B0A398000FF');
    assert.equal(toHex(cosemUtcDateTime(t, { clockStatus: 0x02 })), '07DE0C1FFF173B0A00800002');
    assert.equal(toHex(cosemUtcDateTime(new Date(Date.UTC(2015, 0, 1)))), '07DF0101FF000000008000FF');
    assert.throws(() => cosemUtcDateTime(new Date(Number.NaN)), GbcsError);
  });
});

describe('long-invoke-id-and-priority', () => {
  it('GBCS commands use 0x20 (break on error) and the low 24 bits of the counter', () => {
    const l = decodeLongInvokeId(0x200003e8);
    assert.deepEqual(l, {
      invokeId: 0x3e8,
      highPriority: false,
      confirmed: false,
      breakOnError: true,
      selfDescriptive: false,
      reserved: 0,
    });
    assert.equal(encodeLongInvokeId(l), 0x200003e8);
    assert.deepEqual(gbcsInvokeId(0x0000000301000003e8n), l);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        (v) => encodeLongInvokeId(decodeLongInvokeId(v)) === v,
      ),
    );
  });
});

describe('ACCESS APDUs', () => {
  // ECS17b (RTDS 4.1.1) command: action on Data protection 0-0:43.2.8.255 method 1 (get_protected_attributes)
  const ecs17b =
    'D9200003E9000103001E00002B0208FF0101020201010205120001090600005E2C220A0F021200000202160000010102021602020509090400000000000003E9090890B3D51F30010000090800DB1234567890A00900020216020202090102090000'.slice(
      0,
      -2,
    );

  it('decodes the ECS17b access-request and renders it', () => {
    const a = decodeDlmsApdu(fromHex(ecs17b));
    assert.equal(a.apdu, 'access-request');
    if (a.apdu !== 'access-request') return;
    assert.equal(a.invoke.invokeId, 0x3e9);
    assert.equal(a.dateTime.length, 0);
    assert.equal(a.requests.length, 1);
    assert.equal(a.requests[0].kind, 'action');
    assert.equal(a.requests[0].classId, 30);
    assert.equal(formatObis(a.requests[0].obis), '0-0:43.2.8.255');
    assert.equal(a.requests[0].id, 1);
    const lines = renderDlmsApdu(a);
    assert.equal(lines[0], 'access-request invoke-id 0x0003E9 (break-on-error)');
    assert.equal(lines[1], '  request[0] action class 30 (Data protection) OBIS 0-0:43.2.8.255 method 1');
    assert.equal(toHex(encodeDlmsApdu(a)), ecs17b);
  });

  it('round-trips a get-with-selection request and a response with results', () => {
    const req: DlmsApdu = {
      apdu: 'access-request',
      invoke: gbcsInvokeId(7n),
      dateTime: new Uint8Array(0),
      requests: [
        {
          kind: 'get-with-selection',
          classId: 7,
          obis: parseObis('1-0:99.1.0.255'),
          id: 2,
          selectiveAccess: { selector: 1, parameters: dlms.struct(dlms.u16(1), dlms.u32(2)) },
        },
        { kind: 'get', classId: 3, obis: parseObis('1-0:1.8.0.255'), id: 2 },
      ],
      data: [dlms.null(), dlms.null()],
    };
    const bytes = encodeDlmsApdu(req);
    assert.deepEqual(decodeDlmsApdu(bytes), req);
    const res: DlmsApdu = {
      apdu: 'access-response',
      invoke: gbcsInvokeId(7n),
      dateTime: cosemDateTimeFromDate(new Date('2020-06-01T00:00:00Z')),
      data: [dlms.u32(12345)],
      results: [
        { kind: 'get', result: 0 },
        { kind: 'action', result: 3 },
      ],
    };
    assert.deepEqual(decodeDlmsApdu(encodeDlmsApdu(res)), res);
    assert.ok(renderDlmsApdu(res).some((l) => l.includes('result[1] action read-write-denied')));
  });

  it('rejects trailing bytes, bad choices and unknown APDU tags with typed errors', () => {
    assert.throws(() => decodeDlmsApdu(fromHex(`${ecs17b}00`)), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDlmsApdu(fromHex('D9200003E900010700')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDlmsApdu(fromHex('C0010203')), { code: 'GBCS_UNSUPPORTED' });
    assert.throws(() => decodeDlmsApdu(fromHex('DA200003E90002')), { code: 'GBCS_MALFORMED' });
    assert.throws(() => decodeDlmsApdu(fromHex('D92000')), { code: 'GBCS_TRUNCATED' });
  });

  it('property: random bytes never escape as untyped errors; what decodes re-encodes exactly', () => {
    fc.assert(
      fc.property(fc.constantFrom(0xd9, 0xda, 0x0f), fc.uint8Array({ maxLength: 64 }), (tag, rest) => {
        const b = Uint8Array.from([tag, ...rest]);
        try {
          const a = decodeDlmsApdu(b);
          return toHex(encodeDlmsApdu(a)) === toHex(b);
        } catch (e) {
          return e instanceof GbcsError && typeof e.offset === 'number';
        }
      }),
      { numRuns: 3000 },
    );
  });
});
