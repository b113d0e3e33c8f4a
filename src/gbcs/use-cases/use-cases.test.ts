/**
 * The catalogue engine: typed named-field encode/decode, typed errors with
 * field path and byte offset on payloads that do not match their row, and a
 * property test per payload family (DLMS commands, responses, alerts):
 * random field values within their types round-trip byte-exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RTDS_MESSAGES } from '../../../test/support/fixtures.ts';
import { bytesEqual, fromHex, toHex } from '../../runtime/bytes.ts';
import { decode } from '../decode.ts';
import { formatObis } from '../payload/dlms.ts';
import type { GbcsMessage } from '../types.ts';
import { formatCosemDateTimeText, parseCosemDateTimeText } from './cosem-text.ts';
import {
  type DlmsAccess,
  type DlmsAlertRow,
  type DlmsCommandRow,
  decodeAlert,
  decodeCommand,
  decodeResponse,
  encodeAlert,
  encodeCommand,
  encodeResponse,
  type Schema,
  setField,
  USE_CASES,
  UseCaseShapeError,
  UseCaseUnknownError,
  useCaseByCode,
  useCaseById,
  useCaseFieldList,
  useCaseRows,
} from './index.ts';

function rtds(folder: string, file: string): GbcsMessage {
  return decode(fromHex(readFileSync(join(RTDS_MESSAGES, folder, file), 'utf8').trim())) as GbcsMessage;
}

describe('named fields', () => {
  it('CS01a from words gives the RTDS command payload (typed fields)', () => {
    const m = rtds('2.2_CS01a', 'CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX');
    const named = decodeCommand('CS01a', m.content);
    assert.equal(named.fields.tokenGateway.enter, '73946144332040217315');
    const built = encodeCommand(
      'CS01a',
      { tokenGateway: { enter: '73946144332040217315' } },
      { originatorCounter: m.originatorCounter },
    );
    assert.equal(toHex(built), toHex(m.content));
  });

  it('ECS17a response values carry their units in the listing', () => {
    const m = rtds('4.2_ECS17a', 'ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX');
    const named = decodeResponse('ECS17a', m.content);
    assert.equal(named.fields.activeEnergyExport.value.result, 'success');
    assert.equal(typeof named.fields.activeEnergyExport.value.value, 'number');
    const list = useCaseFieldList(useCaseById('ECS17a')!);
    assert.deepEqual(
      list?.response.find((l) => l.path === 'activeEnergyExport.value.value'),
      { path: 'activeEnergyExport.value.value', type: 'double-long-unsigned', unit: 'Wh' },
    );
  });

  it('COSEM date-time text is exact for any 12 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (b) => {
        assert.equal(toHex(parseCosemDateTimeText(formatCosemDateTimeText(b))), toHex(b));
      }),
    );
  });

  it('unknown use case and family without rows are typed errors', () => {
    assert.throws(() => decodeCommand('NOPE', Uint8Array.of(0xd9)), UseCaseUnknownError);
    assert.equal(useCaseByCode(0x0eee), undefined); // no GBCS Message Code
  });
});

describe('payloads that do not match their row', () => {
  const m = rtds('1.5_ECS04a', 'ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX');

  it('a wrong data type names the field and the byte offset', () => {
    const bad = Uint8Array.from(m.content);
    // the last Data is double-long (05 + 4 bytes): make it double-long-unsigned
    bad[bad.length - 5] = 0x06;
    const e = assertShapeError(() => decodeCommand('ECS04a', bad));
    assert.equal(e.path, 'command.meterBalance.updateAmount');
    assert.equal(e.offset, bad.length - 5);
  });

  it('a descriptor of another use case is refused at its offset', () => {
    const other = rtds('4.18_ECS82', 'ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX');
    const e = assertShapeError(() => decodeCommand('ECS04a', other.content));
    assert.equal(e.path, 'command.meterBalance.updateAmount');
    assert.equal(typeof e.offset, 'number');
  });

  it('a deep mismatch inside a structure gives the nested path and offset', () => {
    const ecs02 = rtds('1.6_ECS02', 'ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
    const named = decodeCommand('ECS02', ecs02.content);
    const first = named.fields.account.creditChargeConfiguration[0]!;
    const obis = Buffer.from(first.creditReference.split(/[-:.]/).map(Number)).toString('hex').toUpperCase();
    const hex = toHex(ecs02.content);
    // turn the first credit reference octet-string (09 06 ...) into a visible-string (0A 06 ...)
    const at = hex.indexOf(`0906${obis}`) / 2;
    const bad = Uint8Array.from(ecs02.content);
    bad[at] = 0x0a;
    const e = assertShapeError(() => decodeCommand('ECS02', bad));
    assert.equal(e.path, 'command.account.creditChargeConfiguration[0].creditReference');
    assert.equal(e.offset, at);
  });

  it('extra requests are an unnamed remainder: refused, never dropped', () => {
    const ecs17a = rtds('4.2_ECS17a', 'ECS17a_4.2_SUCCESS_COMMAND_GBCS.HEX');
    assertShapeError(() => decodeCommand('ECS82', ecs17a.content));
  });

  it('encoding refuses unknown, missing and out-of-range fields with their path', () => {
    const h = { originatorCounter: 1n };
    const bad = (f: unknown) => encodeCommand('ECS04a' as string, f, h);
    assert.equal(assertShapeError(() => bad({})).path, 'command.meterBalance.updateAmount');
    assert.equal(
      assertShapeError(() => bad({ meterBalance: { updateAmount: 1, x: 2 } })).path,
      'command.meterBalance.x',
    );
    assert.equal(
      assertShapeError(() => bad({ meterBalance: { updateAmount: 2 ** 31 } })).path,
      'command.meterBalance.updateAmount',
    );
  });
});

function assertShapeError(f: () => unknown): UseCaseShapeError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UseCaseShapeError, `expected UseCaseShapeError, got ${e}`);
    return e;
  }
  assert.fail('no error');
}

// ---------------------------------------------------------------- property tests

function arb(sc: Schema, depth = 0): fc.Arbitrary<unknown> {
  const small = { maxLength: depth > 1 ? 2 : 4 };
  switch (sc.t) {
    case 'integer':
      return fc.integer({ min: -128, max: 127 });
    case 'long':
      return fc.integer({ min: -32768, max: 32767 });
    case 'double-long':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'unsigned':
    case 'enum':
    case 'bcd':
      return fc.integer({ min: 0, max: 255 });
    case 'long-unsigned':
      return fc.integer({ min: 0, max: 0xffff });
    case 'double-long-unsigned':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'long64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'long64-unsigned':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'visible-string':
      return fc.string({
        maxLength: 16,
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      });
    case 'utf8-string':
      return fc.string({ maxLength: 16 });
    case 'bit-string':
      return fc
        .array(
          fc.constantFrom('0', '1'),
          sc.size !== undefined ? { minLength: sc.size, maxLength: sc.size } : { maxLength: 24 },
        )
        .map((a) => a.join(''));
    case 'octet-string': {
      const bytes =
        sc.sizes !== undefined
          ? fc.constantFrom(...sc.sizes).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
          : fc.uint8Array(
              sc.size !== undefined ? { minLength: sc.size, maxLength: sc.size } : { maxLength: 20 },
            );
      if (sc.as === 'obis') return fc.uint8Array({ minLength: 6, maxLength: 6 }).map(formatObis);
      if (sc.as === 'date-time')
        return fc.uint8Array({ minLength: 12, maxLength: 12 }).map(formatCosemDateTimeText);
      if (sc.as === 'date')
        return fc
          .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ minLength: 3, maxLength: 3 }))
          .map(([y, r]) => dateText(y, r));
      if (sc.as === 'time') return fc.uint8Array({ minLength: 4, maxLength: 4 }).map(timeText);
      if (sc.as === 'ascii') return bytes.map((b) => String.fromCharCode(...b));
      return bytes.map(toHex);
    }
    case 'structure': {
      const names = Object.keys(sc.fields);
      return fc
        .tuple(...names.map((n) => arb(sc.fields[n] as Schema, depth + 1)))
        .map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]])));
    }
    case 'array':
    case 'compact-array':
      return fc.array(arb(sc.of, depth + 1), small);
    case 'nullable':
      return fc.option(arb(sc.of, depth + 1), { nil: null });
  }
}

import { formatCosemDate, formatCosemTime, parseCosemDateText, parseCosemTimeText } from './cosem-text.ts';

function dateText(y: number, r: Uint8Array): string {
  return formatCosemDate(Uint8Array.of(y >> 8, y & 0xff, r[0]!, r[1]!, r[2]!));
}
function timeText(b: Uint8Array): string {
  return formatCosemTime(b);
}
void parseCosemDateText;
void parseCosemTimeText;

const RANGE: Schema = {
  t: 'structure',
  fields: {
    restrictingObject: {
      t: 'structure',
      fields: {
        classId: { t: 'long-unsigned' },
        logicalName: { t: 'octet-string', as: 'obis', size: 6 },
        attributeIndex: { t: 'integer' },
        dataIndex: { t: 'long-unsigned' },
      },
    },
    fromValue: { t: 'double-long-unsigned' },
    toValue: { t: 'double-long-unsigned' },
    selectedValues: { t: 'array', of: { t: 'null' } },
  },
};

function commandArb(row: DlmsCommandRow): fc.Arbitrary<Record<string, Record<string, unknown>>> {
  const parts = row.accesses.map((a: DlmsAccess) => {
    const v = a.kind === 'get' ? fc.constant(null) : arb(a.kind === 'get-range' ? RANGE : a.schema);
    return a.optional ? fc.option(v, { nil: undefined }) : v;
  });
  return fc.tuple(...parts).map((vs) => {
    const out: Record<string, Record<string, unknown>> = {};
    row.accesses.forEach((a, i) => {
      if (vs[i] === undefined && a.optional) return;
      setField(out, a.object, a.member, vs[i]);
    });
    return out;
  });
}

function responseArb(
  row: DlmsCommandRow,
  cmd: Record<string, Record<string, unknown>>,
): fc.Arbitrary<Record<string, Record<string, unknown>>> {
  const asked = row.accesses.filter((a) => cmd[a.object] !== undefined && a.member in cmd[a.object]!);
  const parts = asked.map((a) => {
    const value = a.kind === 'get' || a.kind === 'get-range' ? a.schema : a.returns;
    const failed = fc
      .constantFrom('read-write-denied', 'other-reason', 'object-unavailable')
      .map((result) => ({ result }));
    if (!value) return fc.oneof(fc.constant({ result: 'success' }), failed);
    return fc.oneof(
      arb(value).map((v) => ({ result: 'success', value: v })),
      failed,
    );
  });
  return fc.tuple(...parts).map((vs) => {
    const out: Record<string, Record<string, unknown>> = {};
    asked.forEach((a, i) => {
      setField(out, a.object, a.member, vs[i]);
    });
    return out;
  });
}

const jsonSafe = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

describe('property: random DLMS field values round-trip (fixed seed, FC_SEED to explore)', () => {
  const header = { originatorCounter: 0x0000000300000001n };
  for (const row of USE_CASES) {
    if (row.family !== 'dlms') continue; // GBZ and ASN.1 rows: gbz-asn1.test.ts
    if ('noPayloadByGbcs' in row && row.noPayloadByGbcs) {
      it(`${row.useCase}: GBCS defines no payload, encode/decode say so`, () => {
        assert.throws(
          () => decodeCommand(row.useCase as string, Uint8Array.of(0xd9)),
          /GBCS defines no payload/,
        );
        assert.throws(() => encodeCommand(row.useCase as string, {}, header), /GBCS defines no payload/);
        assert.ok(!('payloadUnknown' in row && row.payloadUnknown));
      });
      continue;
    }
    if ('payloadUnknown' in row && row.payloadUnknown) {
      it(`${row.useCase}: payload not catalogued, refused (never guessed)`, () => {
        assert.throws(() => decodeCommand(row.useCase as string, Uint8Array.of(0xd9)), UseCaseUnknownError);
        assert.throws(() => encodeCommand(row.useCase as string, {}, header), UseCaseUnknownError);
      });
      continue;
    }
    if (row.kind === 'command') {
      const r = row as DlmsCommandRow;
      it(`${r.useCase} command and response`, () => {
        fc.assert(
          fc.property(
            commandArb(r).chain((c) => fc.tuple(fc.constant(c), responseArb(r, c))),
            ([cmd, rsp]) => {
              const bytes = encodeCommand(r, cmd, header);
              const back = decodeCommand(r, bytes);
              assert.equal(jsonSafe(back.fields), jsonSafe(cmd));
              assert.ok(bytesEqual(encodeCommand(r, back.fields, { header: back.header }), bytes));
              const rb = encodeResponse(r, rsp, header);
              const rback = decodeResponse(r, rb, cmd);
              assert.equal(jsonSafe(rback.fields), jsonSafe(rsp));
            },
          ),
          { numRuns: 25 },
        );
      });
    } else {
      const r = row as DlmsAlertRow;
      it(`${r.useCase} alert`, () => {
        fc.assert(
          fc.property(arb(r.body), (body) => {
            const bytes = encodeAlert(r, body, header);
            assert.equal(jsonSafe(decodeAlert(r, bytes).fields), jsonSafe(body));
          }),
          { numRuns: 25 },
        );
      });
    }
  }
});

describe('docs: every unconfirmed row says what was searched', () => {
  it('docs/use-cases.md "Still unconfirmed" names each unconfirmed row (payload or roles) and no other', () => {
    const doc = readFileSync(new URL('../../../docs/use-cases.md', import.meta.url), 'utf8');
    const section = doc.split('### Still unconfirmed: what was searched')[1]!.split('\n### ')[0]!;
    const listed = new Map<string, string>();
    for (const line of section.split('\n')) {
      const m = /^\| ([A-Za-z0-9-]+(?:, [A-Za-z0-9-]+)*) \| ([PR, ]+) \|/.exec(line);
      if (m) for (const id of m[1]!.split(', ')) listed.set(id, m[2]!);
    }
    const want = new Map<string, string>();
    for (const r of useCaseRows()) {
      const what = [
        r.confirmed === 'unconfirmed' ? 'P' : '',
        r.kind === 'command' && r.rolesConfirmed === 'unconfirmed' ? 'R' : '',
      ]
        .filter(Boolean)
        .join(', ');
      if (what) want.set(r.useCase, what);
    }
    assert.deepEqual(new Map([...listed].sort()), new Map([...want].sort()));
  });
});
