/**
 * The protected-read object table (protected-objects.ts) over every RTDS
 * protected-read success response: decrypted with the RTDS key store, the
 * plaintext is named whole (every value under an object name, nothing left
 * over) and the named values re-encode to the identical plaintext bytes; a
 * plaintext that does not match is a typed error with its path and offset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { toHex } from '../../runtime/bytes.ts';
import { inspect, inspectToJson, loadKeyStoreDir, renderInspect, SecurityContext } from '../index.ts';
import {
  decodeProtectedPlaintext,
  encodeProtectedPlaintext,
  PROTECTED_OBJECTS,
  PROTECTED_READS,
  type ProtectedObjectName,
  protectedObjectByKey,
  protectedObjectKey,
  protectedReadObjects,
  UseCaseShapeError,
} from './index.ts';
import { protectedReadUnits } from './protected-objects.ts';

const security = new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) });
const reads = Object.keys(PROTECTED_READS);
const responses = rtdsMessages().filter(
  (m) => /_RESPONSE_/.test(m.name) && !/ERROR/.test(m.name) && reads.some((u) => m.name.includes(`${u}_`)),
);

/** Every leaf of a named value (path -> value); a DLMS node left unnamed would show as an object with `type`. */
function leaves(v: unknown, path: string, out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(v)) for (const [i, x] of v.entries()) leaves(x, `${path}[${i}]`, out);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) leaves(x, `${path}.${k}`, out);
  else out.push([path, v]);
  return out;
}

describe('protected-read objects over the RTDS responses', () => {
  it('covers the protected-read success responses of the corpus (ECS17b, 17d, 19, 20c, 21b, 22b, 66; single and twin)', () => {
    assert.equal(responses.length, 12, responses.map((m) => m.name).join());
  });

  for (const m of responses) {
    it(`${m.name}: decrypts, every value named, re-encodes to the same plaintext`, () => {
      const r = inspect(m.bytes, security);
      assert.equal(r.decrypted.length, 1, 'one encrypted block opened');
      const d = r.decrypted[0]!;
      assert.equal(d.fieldsError, undefined, d.fieldsError?.message);
      assert.ok(d.fields);
      const useCase = r.named!.useCase;
      assert.deepEqual(Object.keys(d.fields), protectedReadObjects(useCase));
      const all = leaves(d.fields, '');
      assert.ok(all.length > 0);
      for (const [path, v] of all) {
        assert.ok(!/\.(type|items|elements)$/.test(path), `${path} is an unnamed DLMS node`);
        assert.ok(typeof v === 'number' || typeof v === 'string', `${path}: ${typeof v}`);
      }
      const twin = /TWIN/.test(m.name) ? 'twin' : 'single';
      assert.equal(toHex(encodeProtectedPlaintext(useCase, d.fields, twin)), toHex(d.plaintext));
      // and the standalone decoder agrees with inspect
      assert.deepEqual(decodeProtectedPlaintext(useCase, d.plaintext), d.fields);
    });
  }

  it('the CLI JSON carries decrypted[].fields and units; the tree shows the named plaintext', () => {
    const m = responses.find((x) => x.name.includes('ECS17b_4.1.1_TWIN'))!;
    const r = inspect(m.bytes, security);
    const json = JSON.parse(JSON.stringify(inspectToJson(m.name, r))) as {
      decrypted: { fields: Record<string, Record<string, unknown>>; units: Record<string, string> }[];
    };
    const reg = json.decrypted[0]!.fields.importRegisters!;
    assert.deepEqual(reg, {
      activeImport: 10,
      activeImportScalerUnit: { scaler: 0, unit: 30 },
      reactiveImport: 10,
      reactiveImportScalerUnit: { scaler: 0, unit: 32 },
      secondaryActiveImport: 10,
    });
    assert.equal(json.decrypted[0]!.units['importRegisters.reactiveImport'], 'varh');
    const tree = renderInspect(m.name, r, security).join('\n');
    assert.match(tree, /importRegisters\.secondaryActiveImport = 10 Wh/);
  });
});

describe('protected-read plaintexts that do not match', () => {
  const ok = encodeProtectedPlaintext('ECS19', {
    prepaymentRegisters: {
      meterBalance: 1,
      emergencyCreditBalance: 2,
      accumulatedDebt: 3,
      timeDebt1: 4,
      timeDebt2: 5,
      paymentDebt: 6,
    },
  });

  it('a wrong type inside an object: path and byte offset of the element', () => {
    const bad = ok.slice();
    // third register (accumulatedDebt): 02 01 02 06 | 05 xxxxxxxx 05 xxxxxxxx | 05 ... -> make it unsigned (06)
    const at = 4 + 5 + 5;
    assert.equal(bad[at], 0x05);
    bad[at] = 0x06;
    assert.throws(
      () => decodeProtectedPlaintext('ECS19', bad),
      (e: unknown) =>
        e instanceof UseCaseShapeError &&
        e.path === 'plaintext.prepaymentRegisters.accumulatedDebt' &&
        e.offset === at,
    );
  });

  it('an object missing, bytes left over, a use case that is not a protected read', () => {
    assert.throws(
      () => decodeProtectedPlaintext('ECS20c', ok),
      (e: unknown) => e instanceof UseCaseShapeError && /structure of 2/.test(e.message),
    );
    assert.throws(
      () => decodeProtectedPlaintext('ECS19', new Uint8Array([...ok, 0])),
      (e: unknown) => e instanceof UseCaseShapeError && e.offset === ok.length,
    );
    assert.throws(() => decodeProtectedPlaintext('ECS17a', ok), /not a catalogued protected read/);
  });

  it('a value that does not fit its shape is refused when encoding', () => {
    assert.throws(
      () => encodeProtectedPlaintext('ECS19', { prepaymentRegisters: { meterBalance: 'x' } }),
      UseCaseShapeError,
    );
  });

  it('each object is found by the class/OBIS/attribute a command names', () => {
    for (const n of Object.keys(PROTECTED_OBJECTS) as ProtectedObjectName[])
      assert.equal(protectedObjectByKey(protectedObjectKey(n)), n);
    assert.equal(protectedObjectKey('importRegisters'), '1/0-0:94.44.34.10/2');
  });
});

describe('protected-read shapes: GBCS V3.1 use-case tables', () => {
  it('every object says where its shape comes from; each read use case is named in its sources', () => {
    for (const [n, o] of Object.entries(PROTECTED_OBJECTS)) {
      assert.equal(o.source.kind, 'gbcs-text', n);
      assert.match(o.source.ref, /^ECS\d+[a-z]? \(/, n);
    }
    for (const [u, names] of Object.entries(PROTECTED_READS))
      for (const n of names) assert.ok(PROTECTED_OBJECTS[n].source.ref.startsWith(u), `${u} ${n}`);
  });

  it('ECS21b and ECS20c balances: GBCS entry_prepaymentReadLogEntry order (not the prepayment register list)', () => {
    const order = [
      'time',
      'emergencyCreditBalance',
      'meterBalance',
      'paymentDebt',
      'timeDebt1',
      'timeDebt2',
      'accumulatedDebt',
    ];
    for (const n of ['prepaymentDailyReadLog', 'billingFinancialLog'] as const) {
      const sc = PROTECTED_OBJECTS[n].shapes.single as { t: string; of: { fields: Record<string, unknown> } };
      assert.deepEqual(Object.keys(sc.of.fields), order, n);
    }
    // the RTDS ECS21b reads name their rows so, the balances double-long (pennies)
    const m = responses.find((x) => x.name.includes('ECS21b_4.14_KRP'))!;
    const d = inspect(m.bytes, security).decrypted[0]!;
    const rows = (d.fields as { prepaymentDailyReadLog: Record<string, number>[] }).prepaymentDailyReadLog;
    assert.ok(rows.length > 0);
    for (const r of rows) assert.deepEqual(Object.keys(r), order);
    assert.equal(protectedReadUnits('ECS21b')['prepaymentDailyReadLog[].meterBalance'], 'pennies');
  });

  it('ECS21a: the billing register log entry (entry_registerReadLogEntry), 48 TOU and 4 x 8 block registers', () => {
    assert.deepEqual(
      PROTECTED_OBJECTS.importDailyReadLog.shapes,
      PROTECTED_OBJECTS.billingRegisterLog.shapes,
    );
    const row = (twin: boolean) => ({
      time: 1,
      activeImport: 2,
      ...(twin ? { secondaryActiveImport: 3 } : {}),
      touRegisters: Array.from({ length: 48 }, (_, i) => i),
      ...(twin ? { secondaryTouRegisters: [1, 2, 3, 4] } : {}),
      block1TouRegisters: [1, 2, 3, 4, 5, 6, 7, 8],
      block2TouRegisters: [1, 2, 3, 4, 5, 6, 7, 8],
      block3TouRegisters: [1, 2, 3, 4, 5, 6, 7, 8],
      block4TouRegisters: [1, 2, 3, 4, 5, 6, 7, 8],
    });
    for (const twin of [false, true]) {
      const v = { importDailyReadLog: [row(twin)] };
      const bytes = encodeProtectedPlaintext('ECS21a', v, twin ? 'twin' : 'single');
      assert.deepEqual(decodeProtectedPlaintext('ECS21a', bytes), v);
    }
    // the old two-column entry is not GBCS's: refused
    assert.throws(
      () => encodeProtectedPlaintext('ECS21a', { importDailyReadLog: [{ time: 1, activeImport: 2 }] }),
      UseCaseShapeError,
    );
    assert.equal(protectedReadUnits('ECS21a')['importDailyReadLog[].touRegisters[]'], 'Wh');
  });

  it('ECS17e: one array of exactly 64 (GBCS: a 1 by 64 matrix)', () => {
    const v = { touBlockRegisters: { touBlockRegisters: Array.from({ length: 64 }, (_, i) => i) } };
    assert.deepEqual(decodeProtectedPlaintext('ECS17e', encodeProtectedPlaintext('ECS17e', v)), v);
    assert.throws(
      () => encodeProtectedPlaintext('ECS17e', { touBlockRegisters: { touBlockRegisters: [1, 2] } }),
      UseCaseShapeError,
    );
  });
});
