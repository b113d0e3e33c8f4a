/**
 * Consumption in ATPS homes (issue 12): a `generated` home's ESME and GSME
 * accrue consumption over virtual time (meter-common/metrology.ts, computed
 * lazily from the elapsed device time: no timer per meter). Read through
 * GBCS over the WAN (ECS17b and GCS13a, payload-encrypted for the supplier,
 * decrypted with its keys), the import registers rise as the home's clock
 * advances, and stay put while it does not. The `rtds` home keeps the RTDS
 * reference registers (the fidelity suites compare with them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { rebuildCommand } from '../../src/devices/meter-common/test-support.ts';
import { decodeMessage, type GbcsMessage } from '../../src/gbcs/index.ts';
import { decodeDlmsData } from '../../src/gbcs/payload/dlms.ts';
import { decodeGbz } from '../../src/gbcs/payload/gbz.ts';
import { decodeComponentFields } from '../../src/gbcs/payload/gbz-named.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeNamedPayload } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { byName } from '../support/atps-harness.ts';

const HOUR = 3600_000;

async function home(profile: 'generated' | 'rtds') {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile(profile);
  const { id } = await atps.createHome({ profile });
  const remote = new SecurityContext({ keyStore: p.world, acb: p.acb });
  let counter = 0x7200_0000n;
  /** an RTDS read rebuilt with a fresh counter and the profile's keys, injected over the WAN, its response */
  const read = (fragment: string): GbcsMessage => {
    const base = decodeMessage(byName(fragment).bytes);
    const bytes = rebuildCommand(remote, base, { counter: ++counter });
    const [r] = atps.inject(id, 'wan', bytes, { source: fragment });
    assert.equal(r?.deviceDecision, 'accepted', `${r?.deviceReason}`);
    assert.ok(r.response, 'answered');
    return decodeMessage(fromHex(r.response));
  };
  const esmeImport = (): number => {
    const m = read('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');
    const v = Object.values(
      decodeNamedPayload(m.messageCode, 'response', m.content).fields as Record<
        string,
        Record<string, unknown>
      >,
    )[0]!.getProtectedAttributes as { value: { protectedAttributes: string } };
    const s = decodeDlmsData(remote.decryptPayload(fromHex(v.value.protectedAttributes), m)).value as {
      items: Array<{ items: Array<{ value: number | bigint }> }>;
    };
    return Number(s.items[0]!.items[0]!.value);
  };
  const gasRegister = (): number => {
    const m = read('GCS13a_4.1.1_SUCCESS_UNRELIABLE_COMMAND');
    const c = decodeGbz(m.content, false).components[0]!;
    assert.ok(c.encrypted, 'the metering read is payload-encrypted');
    const plain = remote.decryptPayload(m.content.subarray(c.encrypted.offset!), m);
    const f = decodeComponentFields(c.clusterId, { frameControl: 0x08, commandId: c.header.commandId }, plain)
      .fields as { records: Array<{ id: number; value: { value: number } }> };
    return Number(f.records.find((x) => x.id === 0)!.value.value);
  };
  const advance = (ms: number) => atps.backchannel(id, { action: 'advance', ms });
  return { esmeImport, gasRegister, advance };
}

describe('metrology in ATPS homes: reads rise with virtual time', () => {
  it('generated home: ECS17b active import and GCS13a gas register rise as the clock advances, not otherwise', async () => {
    const h = await home('generated');
    const e0 = h.esmeImport();
    const g0 = h.gasRegister();
    h.advance(6 * HOUR);
    const e1 = h.esmeImport();
    const g1 = h.gasRegister();
    // 6 h of the default loads: 12 half hours of ~165 Wh and ~63 litres, shaped by the time of day (night low)
    assert.ok(e1 - e0 >= 12 * 165 * 0.1 && e1 - e0 <= 12 * 165 * 4, `active import +${e1 - e0} Wh`);
    assert.ok(g1 - g0 >= 12 * 63 * 0.1 && g1 - g0 <= 12 * 63 * 4, `gas +${g1 - g0}`);
    // another day: more again
    h.advance(24 * HOUR);
    const e2 = h.esmeImport();
    const g2 = h.gasRegister();
    assert.ok(e2 - e1 > e1 - e0, 'a day holds more than six night hours');
    assert.ok(g2 - g1 > g1 - g0);
  });

  it('rtds home: the registers stay the RTDS reference values', async () => {
    const h = await home('rtds');
    const g0 = h.gasRegister();
    h.advance(6 * HOUR);
    assert.equal(h.gasRegister(), g0);
    assert.equal(g0, 12345);
  });
});
