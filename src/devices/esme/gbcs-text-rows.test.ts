/**
 * The ESME runs the catalogue rows whose payloads come from GBCS V3.1's
 * use-case tables without an RTDS example (confirmed 'gbcs-text'). Each
 * command is built from named fields (encodeCommand) in the envelope of an
 * RTDS command of the same originator and signing policy (its Message Code
 * changed, a fresh counter); the response is read by named fields, protected
 * ones decrypted as the supplier would. Read after write where the meter
 * holds the data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { type DlmsData, decodeDlmsData, dlms, encodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { decodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { getAttribute } from './attribute-store.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();

/** A fresh ESME (`opts`) and a sender of `useCase` with `fields` in the envelope of the RTDS command `base`. */
function meter(opts: Parameters<typeof rig.meter>[0] = {}) {
  const m = rig.meter(opts);
  const sender = rig.changedSender(m, 1n << 42n);
  const send = (base: string, useCase: string, fields: Fields) => {
    const r = sender(base, () => {}, { useCase, fields });
    assert.equal(r.ev?.decision, 'accepted', `${useCase}: ${r.ev?.reason} ${JSON.stringify(r.ev?.detail)}`);
    return r;
  };
  return { ...m, send };
}

/** The plaintext of a protected read's response (decrypted with the supplier's keys). */
function protectedPlaintext(f: Fields, message: GbcsMessage): DlmsData {
  const v = Object.values(f)[0]!.getProtectedAttributes as {
    result: string;
    value: { protectedAttributes: string };
  };
  assert.equal(v.result, 'success');
  return decodeDlmsData(rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message))
    .value;
}

const ECS17D = 'ECS17d_4.1.2_SINGLE_SUCCESS_COMMAND_GBCS.HEX';
const TOU_BLOCKS = '1/0-0:94.44.34.2/2';

/** ECS17e's command: the protected read of the TOU-with-blocks register list, protection as in the RTDS ECS17d. */
function ecs17e(): Fields {
  const base = decodeMessage(rtdsFixture(ECS17D, 'COMMAND'));
  const d = decodeCommand(base.messageCode, base.content).fields as {
    protectedReadTouRegisters: { getProtectedAttributes: { protectionParameters: unknown[] } };
  };
  return {
    protectedReadTouBlockRegisters: {
      getProtectedAttributes: {
        objectList: [
          {
            classId: 1,
            logicalName: '0-0:94.44.34.2',
            attributeIndex: 2,
            dataIndex: 0,
            restriction: { restrictionType: 0, restrictionValue: null },
          },
        ],
        protectionParameters: d.protectedReadTouRegisters.getProtectedAttributes.protectionParameters,
      },
    },
  };
}

/** The 64 values of a TOU-with-blocks register list (structure of one array). */
function matrixOf(pt: DlmsData): number[] {
  assert.ok(pt.type === 'structure' && pt.items.length === 1, 'one object read');
  const list = pt.items[0]!;
  assert.ok(list.type === 'structure' && list.items.length === 1);
  const arr = list.items[0]!;
  assert.ok(arr.type === 'array');
  return arr.items.map((x) => {
    assert.equal(x.type, 'double-long-unsigned');
    return Number((x as { value: number }).value);
  });
}

describe('ESME: ECS17e Read ESME Energy Register (TOU with Blocks), GBCS V3.1 tables', () => {
  it('answers the register list the meter holds, payload-encrypted for the supplier', () => {
    const values = Array.from({ length: 64 }, (_, i) => (i * 7919 + 13) % 100_000);
    const held = toHex(encodeDlmsData(dlms.struct(dlms.array(...values.map((v) => dlms.u32(v))))));
    const m = meter({ initialState: { protectedData: { [TOU_BLOCKS]: held } } });
    const r = m.send(ECS17D, 'ECS17e', ecs17e());
    assert.equal(r.ev?.reason, 'OK');
    assert.deepEqual(matrixOf(protectedPlaintext(r.fields, r.message)), values);
  });

  it('a meter given no block registers holds them all zero (64 entries)', () => {
    const m = meter();
    const r = m.send(ECS17D, 'ECS17e', ecs17e());
    assert.deepEqual(
      matrixOf(protectedPlaintext(r.fields, r.message)),
      Array.from({ length: 64 }, () => 0),
    );
  });
});

const ECS12 = 'ECS12_3.2_SUCCESS_COMMAND_GBCS.HEX';
/** An RTDS command the ACB originates to the ESME (non-critical). */
const ACB_TO_ESME = 'ECS21c_4.6.2_SUCCESS_COMMAND_GBCS.HEX';
const PRIMARY = '1234567890123';
const SECONDARY = '9876543210987';

describe('ESME: ECS39a / ECS39b Set (Export) MPAN Value, GBCS V3.1 tables', () => {
  it('ECS39a on a single element ESME: the primary MPAN (13 octets) is stored where the object is read', () => {
    const m = meter();
    const r = m.send(ECS12, 'ECS39a', { importMpans: { value: PRIMARY } });
    assert.deepEqual(r.fields, { importMpans: { value: { result: 'success' } } });
    assert.equal(getAttribute(m.esme.stateView, 'importMpans.value'), PRIMARY);
  });

  it('ECS39a: 26 octets to a single element ESME is an error (type-unmatched), nothing written', () => {
    const m = meter();
    m.send(ECS12, 'ECS39a', { importMpans: { value: PRIMARY } });
    const r = m.send(ECS12, 'ECS39a', { importMpans: { value: SECONDARY + PRIMARY } });
    assert.deepEqual(r.fields, { importMpans: { value: { result: 'type-unmatched' } } });
    assert.equal(r.ev?.reason, 'FAILED');
    assert.equal(getAttribute(m.esme.stateView, 'importMpans.value'), PRIMARY);
  });

  it('ECS39a on a twin element ESME: primary and secondary (26 octets); 20 octets refused', () => {
    const m = meter({ variant: 'twin' });
    assert.deepEqual(m.send(ECS12, 'ECS39a', { importMpans: { value: PRIMARY + SECONDARY } }).fields, {
      importMpans: { value: { result: 'success' } },
    });
    assert.equal(getAttribute(m.esme.stateView, 'importMpans.value'), PRIMARY + SECONDARY);
    const bad = m.send(ECS12, 'ECS39a', { importMpans: { value: `${PRIMARY}1234567` } });
    assert.deepEqual(bad.fields, { importMpans: { value: { result: 'type-unmatched' } } });
    assert.equal(getAttribute(m.esme.stateView, 'importMpans.value'), PRIMARY + SECONDARY);
  });

  it('ECS39b sets the export MPAN (13 octets), sent by the ACB (GBCS: the ACB only)', () => {
    const m = meter();
    const r = m.send(ACB_TO_ESME, 'ECS39b', { exportMpan: { value: SECONDARY } });
    assert.deepEqual(r.fields, { exportMpan: { value: { result: 'success' } } });
    assert.equal(getAttribute(m.esme.stateView, 'exportMpan.value'), SECONDARY);
  });
});

describe('ESME: ECS40 Read MPAN Value and ECS50 Send CIN, GBCS V3.1 tables', () => {
  it('ECS40 reads back the import MPANs and the export MPAN that ECS39a / ECS39b set', () => {
    const m = meter({ variant: 'twin' });
    m.send(ECS12, 'ECS39a', { importMpans: { value: PRIMARY + SECONDARY } });
    m.send(ACB_TO_ESME, 'ECS39b', { exportMpan: { value: SECONDARY } });
    const r = m.send(ECS12, 'ECS40', { importMpans: { value: null }, exportMpan: { value: null } });
    assert.deepEqual(r.fields, {
      importMpans: { value: { result: 'success', value: PRIMARY + SECONDARY } },
      exportMpan: { value: { result: 'success', value: SECONDARY } },
    });
  });

  it('ECS50 from the ACB stores the CIN; from the supplier itself it is refused and nothing changes', () => {
    const m = meter();
    const r = m.send(ACB_TO_ESME, 'ECS50', { customerIdentificationNumber: { value: '31323334' } });
    assert.deepEqual(r.fields, { customerIdentificationNumber: { value: { result: 'success' } } });
    assert.equal(getAttribute(m.esme.stateView, 'customerIdentificationNumber.value'), '31323334');
    assert.throws(() => m.send(ECS12, 'ECS50', { customerIdentificationNumber: { value: '39393939' } }));
    assert.equal(getAttribute(m.esme.stateView, 'customerIdentificationNumber.value'), '31323334');
  });
});
