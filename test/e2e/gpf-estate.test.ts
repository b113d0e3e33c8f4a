/**
 * The GPF of the running estate (issues 12 and 17): every simulated home's
 * Communications Hub holds a GPF (devices/gpf) with its own keys, in the
 * DSP's inventory and at the supplier's premises. On the running system with
 * real HTTP between the supplier and the DSP (XSD validation on, XML-DSig
 * signed and verified, `startE2eSystem`):
 * - 8.9 with ReadSecurityDetails (CCS07) to the CHF: the DSP backs up the CH's
 *   GPF Device Log from the response (dcc/dsp/device-log-backups.ts);
 * - 8.12.2 Restore GPF Device Log (GCS59) to the GPF: the DSP builds it from
 *   that backup, the CHF hands it to the GPF, the GPF restores every entry
 *   (result 0 each) and holds the log;
 * - 4.1.1 Read Instantaneous Import Registers (GCS13a) to the GPF: answered
 *   by the GPF (originator its EUI) from its gas mirror, the data the GSME
 *   wrote when it last woke (payload-encrypted for the supplier: decrypted
 *   with the supplier's key).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { decodeGbz } from '../../src/gbcs/payload/gbz.ts';
import { decodeComponentFields } from '../../src/gbcs/payload/gbz-named.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SubmitRequest } from '../../src/supplier/service.ts';
import { SYSTEM_PARTIES } from '../../src/system/keys.ts';
import { waitFor } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, startE2eSystem } from './harness.ts';

const dashed = (e: string) => e.match(/../g)!.join('-');

describe('e2e: the GPF of an estate home, over the HTTP DSP', () => {
  let e2e: E2eSystem | undefined;
  after(async () => e2e?.stop());

  it('8.9 backs up the GPF Device Log, 8.12.2 restores it on the GPF, 4.1.1 reads the gas mirror from the GPF', async () => {
    e2e = await startE2eSystem({ homes: 1, wanMix: 'reliable=1', seed: 'gpf-estate', xsdValidation: true });
    const { sys } = e2e;
    assert.ok(sys.urls.dsp, 'the DSP listens on HTTP (network transport)');
    const h = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const dsp = sys.dsp!;
    const gpf = h.plan.gpf;
    const order = async (o: Omit<SubmitRequest, 'premisesId'>): Promise<CommandRecord> => {
      const c = await supplier.submit({ premisesId: h.premisesId, route: 'wan', ...o });
      const f = await awaitCommand(sys, c.id);
      assert.equal(f.state, 'responded', `${f.srv}: ${f.state} ${f.reason ?? ''}`);
      assert.ok(f.response?.gbcs, `${f.srv}: the device's GBCS response`);
      return f;
    };
    const premises = supplier.getPremises(h.premisesId)!;
    assert.ok(
      premises.devices.some((d) => d.eui === gpf && d.type === 'GPF'),
      'the GPF is listed at the premises',
    );
    assert.equal(dsp.inventory.get(gpf)?.deviceType, 'GPF');

    // 8.9 / CCS07: the CHF's and the GPF's Device Logs, backed up by the DSP
    await order({
      order: { kind: 'duis', srv: '8.9', body: { ReadSecurityDetails: null } },
      target: h.plan.chf,
    });
    const backup = dsp.deviceLogBackups.get(gpf)?.gpf;
    assert.ok(backup && backup.entries.length > 0, 'a GPF Device Log backup');
    assert.ok(
      backup.entries.some((e) => e.deviceId === h.plan.gsme),
      'the GSME is in the GPF log backup',
    );
    assert.deepEqual(h.gpf.stateView.deviceLog, [], 'the GPF log before the restore');

    // 8.12.2 / GCS59 to the GPF
    const restore = await order({
      order: { kind: 'duis', srv: '8.12.2', body: { OldGPFID: dashed(gpf) } },
      target: gpf,
    });
    const rm = decodeMessage(fromHex(restore.response!.gbcs!));
    assert.equal(rm.originator, gpf, 'the GPF answered');
    const outcomes = (
      decodeResponse('GCS59', rm.content).fields as {
        restoreOutcomes: Array<{ device: { deviceId: string }; result: number }>;
      }
    ).restoreOutcomes;
    assert.deepEqual(
      outcomes.map((o) => [o.device.deviceId.toUpperCase(), o.result]),
      backup.entries.map((e) => [e.deviceId, 0]),
    );
    assert.deepEqual(
      h.gpf.stateView.deviceLog,
      backup.entries.map((e) => ({ deviceId: e.deviceId, deviceType: e.deviceType })),
      'the GPF holds the restored log',
    );

    // the GSME wakes (its mailbox poll) and writes the gas mirror
    const writes = h.gpf.mirror.updates;
    h.gsme.poll();
    await waitFor(() => h.gpf.mirror.updates > writes, undefined, {
      what: 'the GSME writing the gas mirror',
    });
    const mirrored = h.gpf.mirror.state.registers.currentSummationDelivered;

    // 4.1.1 / GCS13a to the GPF: answered from the mirror
    const read = await order({
      order: { kind: 'duis', srv: '4.1.1', body: { ReadInstantaneousImportRegisters: null } },
      target: gpf,
    });
    const m = decodeMessage(fromHex(read.response!.gbcs!));
    assert.equal(m.originator, gpf, 'the GPF answered the read');
    const c = decodeGbz(m.content, false).components[0]!;
    assert.ok(c.encrypted, 'the metering read is payload-encrypted');
    const supplierKeys = new SecurityContext({
      keyStore: sys.keys.holding([SYSTEM_PARTIES.supplier]),
      acb: SYSTEM_PARTIES.acb,
    });
    const plain = supplierKeys.decryptPayload(m.content.subarray(c.encrypted.offset!), m);
    const f = decodeComponentFields(c.clusterId, { frameControl: 0x08, commandId: c.header.commandId }, plain)
      .fields as { records: Array<{ id: number; value: { value: number } }> };
    assert.equal(Number(f.records.find((x) => x.id === 0)!.value.value), mirrored, 'the mirrored register');
  });
});
