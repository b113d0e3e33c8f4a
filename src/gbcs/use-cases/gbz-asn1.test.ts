/**
 * The GBZ (GSME, GPF) and ASN.1 rows of the catalogue: named fields by row,
 * typed errors with field path and offset, and a property per family
 * (random field values within their types round-trip through the row). The
 * RTDS table test (rtds.test.ts) covers every RTDS message of these codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { bytesEqual, toHex } from '../../runtime/bytes.ts';
import { decodeMessage } from '../decode.ts';
import type { Asn1Schema } from '../payload/der-schema.ts';
import { decodeGbz } from '../payload/gbz.ts';
import type { ZclField, ZclScalarType } from '../payload/zcl-fields.ts';
import { zclScalarRange } from '../payload/zcl-fields.ts';
import { zclSeCommandByKey } from '../payload/zcl-se.ts';
import {
  type Asn1CommandRow,
  decodeAlert,
  decodeCommand,
  decodeResponse,
  encodeAlert,
  encodeCommand,
  encodeResponse,
  type GbzCommandRow,
  UseCaseShapeError,
  useCaseById,
  useCaseRows,
} from './index.ts';

const rtds = (folder: string, file: string) => {
  const m = rtdsMessages().find((x) => x.folder === folder && x.file === file);
  if (!m) throw new Error(`no fixture ${folder}/${file}`);
  return decodeMessage(m.bytes);
};

describe('GBZ rows: named fields', () => {
  it('CS01b: the command is the Consumer Top Up by name; the response its result and credit', () => {
    const c = decodeCommand('CS01b', rtds('2.2_CS01b', 'CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX').content);
    assert.deepEqual(c.fields, {
      consumerTopUp: { originatingDevice: 0, topUpCode: '73950067887105178605' },
    });
    const r = decodeResponse('CS01b', rtds('2.2_CS01b', 'CS01b_2.2_SUCCESS_RESPONSE_GBCS.HEX').content);
    assert.deepEqual(r.fields, {
      components: [
        {
          cluster: 'prepayment',
          command: 'consumerTopUpResponse',
          fields: { resultType: 0, topUpValue: 1250000, sourceOfTopUp: 0, creditRemaining: 25144000 },
        },
      ],
    });
  });

  it('encodeCommand from words gives the DCC bytes (RTDS GCS39: frame control and sequence from the row)', () => {
    const m = rtds('7.3_GCS39', 'GCS39_7.3_SUCCESS_COMMAND_GBCS.HEX');
    const bytes = encodeCommand(
      'GCS39',
      {
        changeSupply: {
          providerId: 0,
          issuerEventId: 0x1c374a80,
          requestDateTime: 0,
          implementationDateTime: 0,
          proposedSupplyStatus: 1,
          supplyControlBits: 1,
        },
      },
      { originatorCounter: m.originatorCounter },
    );
    assert.equal(toHex(bytes), toHex(m.content));
  });

  it('repeated components (GCS16a: 31 Get Snapshot) are a list; From Date Time is a field (GCS15d)', () => {
    const g = decodeCommand('GCS16a', rtds('4.6.1_GCS16a', 'GCS16a_4.6.1_SUCCESS_COMMAND_GBCS.HEX').content);
    const list = (g.fields as { getSnapshot: { snapshotOffset: number }[] }).getSnapshot;
    assert.equal(list.length, 31);
    assert.deepEqual(
      list.map((x) => x.snapshotOffset),
      [...Array(31).keys()],
    );
    const d = decodeCommand('GCS15d', rtds('4.4.4_GCS15d', 'GCS15d_4.4.4_SUCCESS_COMMAND_GBCS.HEX').content);
    assert.equal(
      (d.fields as { getDebtRepaymentLog: { fromDateTime: number } }).getDebtRepaymentLog.fromDateTime,
      470707200,
    );
  });

  it('an encrypted response component keeps its ciphertext and MAC by name (GCS13a)', () => {
    const r = decodeResponse(
      'GCS13a',
      rtds('4.1.1_GCS13a', 'GCS13a_4.1.1_SUCCESS_UNRELIABLE_RESPONSE_GBCS.HEX').content,
    );
    const [c] = (r.fields as { components: { encrypted?: { securityControl: number; mac: string } }[] })
      .components;
    assert.equal(c.encrypted?.securityControl, 0x31);
    assert.equal(c.encrypted?.mac.length, 24);
  });

  it('GCS53 (GBCS V3.1 template): alert 0x8F0A carries one payload-encrypted Publish Snapshot, nothing else', () => {
    const encrypted = {
      additionalHeaderControl: 0,
      additionalFrameCounter: 0,
      securityControl: 0x31,
      invocationCounter: 0,
      ciphertext: '0102030405060708090A0B0C0D0E0F10',
      mac: 'A1A2A3A4A5A6A7A8A9AAABAC',
    };
    const alert = {
      alertCode: 0x8f0a,
      alertTime: 800000000,
      components: [{ cluster: 'metering', command: 'publishSnapshot', encrypted }],
    };
    const bytes = encodeAlert('GCS53', alert, { originatorCounter: 1n });
    const gbz = decodeGbz(bytes);
    assert.equal(gbz.components.length, 1);
    assert.equal(gbz.components[0]!.clusterId, 0x0702);
    assert.equal(
      gbz.components[0]!.header.frameControl,
      0x19,
      'cluster-specific, to client, no default response',
    );
    assert.equal(gbz.components[0]!.header.commandId, 0x06);
    assert.deepEqual(decodeAlert('GCS53', bytes).fields, alert);
    const row = useCaseById('GCS53')!;
    assert.equal(row.confirmed, 'gbcs-text');
    assert.deepEqual(row.alerts, [0x8f0a]);
    // a clear component, another command, or a second component is not GCS53's
    const refused = (components: unknown[]) =>
      assert.throws(
        () => encodeAlert('GCS53', { ...alert, components } as typeof alert, { originatorCounter: 1n }),
        (e: UseCaseShapeError) => e instanceof UseCaseShapeError && e.path.startsWith('alert.components'),
      );
    refused([{ cluster: 'metering', command: 'getSnapshot', encrypted }]);
    refused([{ cluster: 'metering', command: 'publishSnapshot', fields: {} }]);
    refused([alert.components[0], alert.components[0]]);
    const two = encodeAlert(
      'FutureDatedAlert-ZigBee',
      { ...alert, components: [alert.components[0], alert.components[0]] },
      {
        originatorCounter: 1n,
      },
    );
    assert.throws(
      () => decodeAlert('GCS53', two),
      (e: UseCaseShapeError) => e instanceof UseCaseShapeError && e.path === 'alert.components',
    );
  });

  it('GBZ alerts: the future-dated alert names the command it ran (RTDS GCS03 8F66)', () => {
    const a = decodeAlert(
      'FutureDatedAlert-ZigBee',
      rtds('1.6_GCS03', 'GCS03_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX').content,
    );
    assert.deepEqual(a.fields, {
      alertCode: 0x8f66,
      alertTime: 947980800,
      detail: {
        kind: 'future-dated-response',
        messageCode: 0x006d,
        originatorCounter: 1005n,
        cluster: 'prepayment',
        frameControl: 0x01,
        commandId: 0x06,
      },
    });
  });

  it('a command component of another use case is a UseCaseShapeError with path and offset', () => {
    const topUp = rtds('2.2_CS01b', 'CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX').content;
    assert.throws(
      () => decodeCommand('GCS06', topUp),
      (e: UseCaseShapeError) =>
        e instanceof UseCaseShapeError && e.path === 'command.selectAvailableEmergencyCredit',
    );
    // a truncated Consumer Top Up: the UTRN octet string announces more than is there
    const cut = Uint8Array.from(topUp.subarray(0, topUp.length - 3));
    cut[7] -= 3; // keep the GBZ component length (bytes 6-7) consistent with the cut
    assert.throws(
      () => decodeCommand('CS01b', cut),
      (e: UseCaseShapeError) =>
        e instanceof UseCaseShapeError && e.path === 'command.consumerTopUp.topUpCode' && e.offset === 12, // the length octet of the UTRN
    );
    // a response component the row does not allow
    const price = rtds('1.2.1_GCS01b', 'GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX').content;
    assert.throws(() => decodeResponse('CS01b', price), /is not a response of CS01b/);
  });

  it('encoding names the field that does not fit', () => {
    assert.throws(
      () =>
        encodeCommand(
          'CS01b',
          { consumerTopUp: { originatingDevice: 256, topUpCode: '1' } },
          { originatorCounter: 1n },
        ),
      (e: UseCaseShapeError) =>
        e instanceof UseCaseShapeError && e.path === 'command.consumerTopUp.originatingDevice',
    );
    assert.throws(
      () => encodeCommand('CS01b', { topUp: {} } as never, { originatorCounter: 1n }),
      /no component topUp in CS01b/,
    );
  });

  it('GBCS V3.1 component order and counts: GCS01a calendar before prices, Block Thresholds optional; GCS05 Debt Cap second, Low Credit Warning Level with a From Date Time', () => {
    const ids = (bytes: Uint8Array) =>
      decodeGbz(bytes).components.map(
        (c) =>
          `${c.clusterId.toString(16)}.${c.header.commandId}${c.fromDateTime !== undefined ? '+fdt' : ''}`,
      );
    const gcs01a = useCaseById('GCS01a') as GbzCommandRow;
    const [f01] = fc.sample(gbzCommandArb(gcs01a), { seed: 11, numRuns: 1 });
    const { blockThresholds, ...noThresholds } = f01!;
    const withThresholds = {
      ...noThresholds,
      blockThresholds: blockThresholds ?? sampleOne(gcs01a, 'blockThresholds'),
    };
    const cases: [Record<string, unknown>, boolean][] = [
      [withThresholds, true],
      [noThresholds, false],
    ];
    for (const [fields, expectThresholds] of cases) {
      const bytes = encodeCommand(gcs01a, fields, { originatorCounter: 1n });
      const got = ids(bytes);
      const days = (fields.dayProfiles as unknown[]).length;
      const weeks = (fields.weekProfiles as unknown[]).length;
      assert.deepEqual(got, [
        '707.0',
        ...Array(days).fill('707.1'),
        ...Array(weeks).fill('707.2'),
        '707.3',
        '707.4',
        '700.4',
        ...(expectThresholds ? ['700.6'] : []),
        '700.5',
      ]);
      const back = decodeCommand(gcs01a, bytes).fields as Record<string, unknown>;
      assert.equal('blockThresholds' in back, expectThresholds);
    }
    const gcs05 = useCaseById('GCS05') as GbzCommandRow;
    const [f05] = fc.sample(gbzCommandArb(gcs05), { seed: 5, numRuns: 1 });
    const got05 = ids(encodeCommand(gcs05, f05!, { originatorCounter: 1n }));
    assert.deepEqual(got05.slice(0, 5), ['705.3', '705.12', '705.9+fdt', '705.11', '707.0']);
    const noWeeks = { ...f05!, weekProfiles: [] };
    const back05 = decodeCommand(gcs05, encodeCommand(gcs05, noWeeks, { originatorCounter: 1n }));
    assert.deepEqual((back05.fields as { weekProfiles: unknown[] }).weekProfiles, []);
  });

  it('GCS11 (GBCS V3.1): Request New Password Response, consumer menu, empty password, answered by a Default Response', () => {
    const fields = {
      privacyPin: {
        issuerEventId: 0x2a3b4c5d,
        implementationDateTime: 0,
        durationInMinutes: 0,
        passwordType: 2,
        password: '',
      },
    };
    const bytes = encodeCommand('GCS11', fields, { originatorCounter: 1n });
    const gbz = decodeGbz(bytes);
    assert.equal(gbz.components.length, 1);
    const [c0] = gbz.components;
    assert.equal(c0!.clusterId, 0x0708);
    assert.equal(c0!.header.frameControl, 0x09, 'frame control: cluster-specific, server to client');
    assert.equal(c0!.header.commandId, 0x02, 'command id: Request New Password Response');
    // issuerEventId (4), UTCTime 0 (4), duration 0 (2), password type 0x02, empty octet string
    assert.equal(toHex(c0!.payload!), '5D4C3B2A' + '00000000' + '0000' + '02' + '00');
    assert.deepEqual(decodeCommand('GCS11', bytes).fields, fields);
    const row = useCaseById('GCS11') as GbzCommandRow;
    assert.equal(row.confirmed, 'gbcs-text');
    assert.ok(!('payloadUnknown' in row && row.payloadUnknown));
  });

  it('GCS21a (GBCS V3.1): Read Attributes of the commodity and supply control attributes, answered in clear', () => {
    const bytes = encodeCommand('GCS21a', { readPrice: {}, readMetering: {} }, { originatorCounter: 1n });
    assert.equal(toHex(bytes.subarray(0, 3)), '010902', 'profile 0x0109, two components');
    const ids = decodeGbz(bytes).components.map((c) => c.clusterId.toString(16));
    assert.deepEqual(ids, ['700', '702']);
    const f = decodeCommand('GCS21a', bytes).fields as Record<string, { attributes: { id: number }[] }>;
    assert.deepEqual(
      f.readMetering!.attributes.map((a) => a.id),
      [0x0b13, 0x0b12, 0x0b11, 0x0b10, 0x0b14, 0x0b15],
    );
    assert.throws(
      () =>
        encodeResponse(
          'GCS21a',
          { components: [{ cluster: 'price', command: 'publishConversionFactor', fields: {} }] },
          { originatorCounter: 1n },
        ),
      /not a response of GCS21a/,
    );
  });
});

describe('ASN.1 rows: named fields', () => {
  it('CCS08 (inferred): the Firmware Transfer Alert by name, byte-exact DER', () => {
    const alert = {
      alertCode: 0x8f72,
      executionDateTime: '20150101000000Z',
      entityId: '00DB1234567890A1',
      firmwareVersion: '0123ABCD',
      responseCode: 0,
    };
    const bytes = encodeAlert('CCS08', alert, { originatorCounter: 1n });
    // alert code 0x8F72: a positive INTEGER, so a leading zero octet
    assert.equal(
      toHex(bytes),
      '30290203008F72180F32303135303130313030303030305A040800DB1234567890A104040123ABCD020100',
    );
    assert.deepEqual(decodeAlert('CCS08', bytes).fields, alert);
  });

  it('GCS28: validity interval and the device answer', () => {
    const m = rtds('6.11_GCS28', 'GCS28_6.11_SUCCESS_COMMAND_GBCS.HEX');
    assert.deepEqual(decodeCommand('GCS28', m.content).fields, {
      validityIntervalStart: '20141231233000Z',
      validityIntervalEnd: '20150101003000Z',
    });
    const r = encodeResponse(
      'GCS28',
      { deviceTime: '20141231233000Z', responseCode: 0 },
      { originatorCounter: 1n },
    );
    assert.ok(bytesEqual(r, rtds('6.11_GCS28', 'GCS28_6.11_SUCCESS_RESPONSE_GBCS.HEX').content));
  });

  it('CS02b: the authorising control, replacements (certificates as DER hex) and key usage bits', () => {
    const m = rtds(
      '6.15.1_CS02bSupplierBySupplier',
      'CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX',
    );
    const f = decodeCommand('CS02bSupplierBySupplier', m.content).fields as {
      authorisingRemotePartyControl: {
        credentialsReplacementMode: number;
        authorisingRemotePartySeqNumber: bigint;
      };
      replacements: { targetTrustAnchorCell: { keyUsage: string }; replacementCertificate: string }[];
      executionDateTime: string;
    };
    assert.equal(f.authorisingRemotePartyControl.credentialsReplacementMode, 2);
    assert.equal(f.authorisingRemotePartyControl.authorisingRemotePartySeqNumber, m.originatorCounter);
    assert.deepEqual(
      f.replacements.map((r) => r.targetTrustAnchorCell.keyUsage),
      ['1', '00001', '00001'],
    );
    assert.match(f.replacements[0].replacementCertificate, /^30820/);
    assert.equal(f.executionDateTime, '20300115000000Z');
  });

  it('a device response with a non-minimal length re-encodes as received (header lengthForms)', () => {
    const m = rtds('6.24.1_CS02fMAC', 'CS02fMAC_6.24.1_SUCCESS_RESPONSE_GBCS.HEX');
    const d = decodeResponse('CS02f', m.content);
    assert.deepEqual(d.header, { lengthForms: { '': 2 } });
    assert.ok(bytesEqual(encodeResponse('CS02f', d.fields, { header: d.header }), m.content));
  });

  it('a wrong element is a UseCaseShapeError with path and offset (CS06 hash of 31 bytes)', () => {
    const m = rtds('11.3_CS06', 'CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX');
    const bad = Uint8Array.from(m.content);
    bad[3] = 31; // OCTET STRING length 32 -> 31 (the last hash byte becomes an unknown element)
    assert.throws(() => decodeCommand('CS06', bad), UseCaseShapeError);
  });
});

describe('catalogue facts of the GBZ and ASN.1 rows', () => {
  const rows = useCaseRows().filter((r) => r.family !== 'dlms');
  it('every GSME/GPF and DER use case of the GBCS Message Code table has a row', () => {
    const ids = new Set(rows.map((r) => r.useCase));
    for (const id of [
      'GCS01a',
      'GCS01b',
      'GCS02',
      'GCS03',
      'GCS04',
      'GCS05',
      'GCS06',
      'GCS07',
      'GCS09',
      'GCS11',
      'GCS13a',
      'GCS13b',
      'GCS13c',
      'GCS14',
      'GCS15b',
      'GCS15c',
      'GCS15d',
      'GCS15e',
      'GCS16a',
      'GCS16b',
      'GCS17',
      'GCS18',
      'GCS20',
      'GCS20r',
      'GCS21a',
      'GCS21b',
      'GCS21d',
      'GCS21e',
      'GCS21f',
      'GCS21j',
      'GCS21k',
      'GCS21m',
      'GCS23',
      'GCS24',
      'GCS24a',
      'GCS25',
      'GCS25a',
      'GCS28',
      'GCS31',
      'GCS32',
      'GCS33',
      'GCS36',
      'GCS38',
      'GCS39',
      'GCS40a',
      'GCS40b',
      'GCS40c',
      'GCS40d',
      'GCS41',
      'GCS44',
      'GCS46',
      'GCS53',
      'GCS59',
      'GCS60',
      'GCS61',
      'GCS62',
      'CS01b',
      'CS10a',
      'CS10b',
      'CS11',
      'PCS01',
      'PCS02',
      'CS02a',
      'CS02c',
      'CS02d',
      'CS02e',
      'CS02f',
      'CS03A1',
      'CS03B',
      'CS03A2',
      'CS03C',
      'CS04AC',
      'CS04B',
      'CS06',
      'CS07',
      'CS08',
      'CS09',
      'CCS08',
    ])
      assert.ok(ids.has(id), id);
  });
  it('every row names its roles (commands) and its SRVs where DUIS has one', () => {
    for (const r of rows) {
      if (r.kind === 'command') {
        assert.ok(r.rolesNote, r.useCase);
        // a command nobody may send is one whose GBCS V3.1 table names no role (GCS25: kept for the CH tap-off only)
        if (r.roles.length + (r.acbOnBehalfOf?.length ?? 0) === 0)
          assert.match(r.rolesNote, /^GBCS V3\.1 use-case table: \(none\)/, r.useCase);
      } else assert.equal(r.roles.length + (r.acbOnBehalfOf?.length ?? 0), 0, r.useCase);
    }
  });
});

// ---------------------------------------------------------------- property per family

function scalar(t: ZclScalarType): fc.Arbitrary<unknown> {
  if (t === 'bool') return fc.boolean();
  if (t === 'date')
    return fc.record({
      year: fc.option(fc.integer({ min: 1900, max: 2154 }), { nil: null }),
      month: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
      day: fc.option(fc.integer({ min: 1, max: 31 }), { nil: null }),
      dayOfWeek: fc.option(fc.integer({ min: 1, max: 7 }), { nil: null }),
    });
  const [min, max] = zclScalarRange(t);
  return fc.integer({ min, max });
}

function zclFields(fields: readonly ZclField[]): fc.Arbitrary<Record<string, unknown>> {
  const parts = fields.map((f): [string, fc.Arbitrary<unknown>] => {
    switch (f.type) {
      case 'octstr':
        return [f.name, fc.uint8Array({ maxLength: f.maxLength ?? 20 }).map(toHex)];
      case 'string':
        return [f.name, fc.stringMatching(/^[0-9A-Za-z ]{0,20}$/).map((s) => s.slice(0, f.maxLength ?? 20))];
      case 'list':
        return [f.name, f.countFrom ? fc.constant([]) : fc.array(scalar(f.of), { maxLength: 4 })];
      case 'records':
        return [f.name, fc.array(zclFields(f.fields), { maxLength: 3 })];
      case 'bytes':
        return [f.name, fc.uint8Array({ maxLength: 16 }).map(toHex)];
      default:
        return [f.name, scalar(f.type)];
    }
  });
  return fc.tuple(...parts.map(([, a]) => a)).map((vals) => {
    const out: Record<string, unknown> = {};
    parts.forEach(([n], i) => {
      out[n] = vals[i];
    });
    for (const f of fields)
      if (f.type === 'list' && f.countFrom)
        out[f.countFrom] = (out[f.countFrom] as number) & ~(f.countMask ?? 0xff);
    return out;
  });
}

function gbzCommandArb(row: GbzCommandRow): fc.Arbitrary<Record<string, unknown>> {
  const parts = row.command.map((s) => {
    let one: fc.Arbitrary<Record<string, unknown>>;
    if (s.command === 'readAttributes') {
      one = fc
        .array(
          fc.integer({ min: 0, max: 0xffff }).map((id) => ({ id })),
          { minLength: 1, maxLength: 5 },
        )
        .map((attributes) => ({ attributes }));
    } else {
      const f = zclSeCommandByKey(`${s.cluster}.${s.command}`);
      one = zclFields(f!.command.fields);
    }
    if (s.fromDateTime)
      one = fc
        .tuple(one, fc.integer({ min: 0, max: 0xffffffff }))
        .map(([x, t]) => ({ ...x, fromDateTime: t }));
    if (s.repeated) return fc.array(one, { minLength: s.optional ? 0 : 1, maxLength: 3 });
    return s.optional ? fc.option(one, { nil: undefined }) : one;
  });
  return fc
    .tuple(...parts)
    .map((vals) =>
      Object.fromEntries(
        row.command.flatMap((s, i) => (vals[i] === undefined ? [] : [[s.name, vals[i]] as const])),
      ),
    );
}

/** One sampled value of one component of a row (fixed seed). */
function sampleOne(row: GbzCommandRow, name: string): unknown {
  const only = {
    ...row,
    command: row.command.filter((s) => s.name === name).map((s) => ({ ...s, optional: undefined })),
  };
  return fc.sample(gbzCommandArb(only as GbzCommandRow), { seed: 1, numRuns: 1 })[0]![name];
}

/** JSON text of named fields; attribute names (informative, added by decoding) left out. */
const plain = (v: unknown) =>
  JSON.stringify(v, (k, x) => (k === 'name' ? undefined : typeof x === 'bigint' ? x.toString() : x));

describe('property: GBZ rows, random command fields round-trip through the row', () => {
  for (const row of useCaseRows()) {
    if (row.family !== 'gbz' || row.kind !== 'command' || row.payloadUnknown) continue;
    const r = row as GbzCommandRow;
    it(r.useCase, () => {
      fc.assert(
        fc.property(gbzCommandArb(r), (fields) => {
          const bytes = encodeCommand(r, fields, { originatorCounter: 1n });
          const back = decodeCommand(r, bytes);
          assert.equal(plain(back.fields), plain(fields));
          assert.ok(bytesEqual(encodeCommand(r, back.fields, { header: back.header }), bytes));
        }),
        { numRuns: 20 },
      );
    });
  }
});

function asn1Arb(s: Asn1Schema): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'integer':
      return fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
    case 'bigInteger':
      return fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
    case 'enumerated':
      return fc.integer({ min: 0, max: 200 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'octets':
      return fc.uint8Array({ minLength: s.size ?? 0, maxLength: s.size ?? 12 }).map(toHex);
    case 'bits':
      return fc.array(fc.constantFrom('0', '1'), { maxLength: 16 }).map((b) => b.join(''));
    case 'generalizedTime':
      return fc.integer({ min: 0, max: 2 ** 40 }).map((n) => `${String(n).padStart(14, '0').slice(-14)}Z`);
    case 'utcTime':
      return fc.integer({ min: 0, max: 2 ** 38 }).map((n) => `${String(n).padStart(12, '0').slice(-12)}Z`);
    case 'der':
      return fc
        .uint8Array({ maxLength: 20 })
        .map((b) =>
          `30${(b.length + 2).toString(16).padStart(2, '0')}04${b.length.toString(16).padStart(2, '0')}${toHex(b)}`.toUpperCase(),
        );
    case 'sequence':
      return fc
        .tuple(
          ...s.fields.map((f) =>
            f.optional ? fc.option(asn1Arb(f.schema), { nil: undefined }) : asn1Arb(f.schema),
          ),
        )
        .map((vals) =>
          Object.fromEntries(s.fields.flatMap((f, i) => (vals[i] === undefined ? [] : [[f.name, vals[i]]]))),
        );
    case 'sequenceOf':
      return fc.array(asn1Arb(s.of), { maxLength: 3 });
    case 'choice':
      return fc.oneof(...s.alternatives.map((a) => asn1Arb(a.schema).map((v) => ({ [a.name]: v }))));
  }
}

describe('property: ASN.1 rows, random command and response fields round-trip through the row', () => {
  for (const row of useCaseRows()) {
    if (row.family !== 'asn1' || row.payloadUnknown) continue;
    it(row.useCase, () => {
      const kinds =
        row.kind === 'alert'
          ? ([['alert', (row as unknown as { alert: Asn1Schema }).alert]] as const)
          : ([
              ['command', (row as Asn1CommandRow).command],
              ['response', (row as Asn1CommandRow).response],
            ] as const);
      for (const [kind, schema] of kinds) {
        fc.assert(
          fc.property(asn1Arb(schema), (v) => {
            const enc = kind === 'alert' ? encodeAlert : kind === 'command' ? encodeCommand : encodeResponse;
            const dec = kind === 'alert' ? decodeAlert : kind === 'command' ? decodeCommand : decodeResponse;
            const bytes = enc(row, v, { originatorCounter: 1n });
            assert.equal(plain(dec(row, bytes).fields), plain(v));
          }),
          { numRuns: 20 },
        );
      }
    });
  }
});
