/**
 * Issue 17: 11.3 Activate Firmware beyond the meters, on the running system
 * with real HTTP between the supplier and the DSP (XSD validation on,
 * XML-DSig signed and verified, `startE2eSystem`), over the SM WAN model to
 * the estate home's devices; each CV 4 -> 5 (critical):
 * - the CHF: an OTA image for a CHF arrives at it over the WAN (11.1's file)
 *   and is held; CS06 naming its hash (the supplier's own, signed by it)
 *   activates it: outcome 0 and the new version, which 11.2 (ECS52) reads back;
 * - the PPMID: its image reaches it over the HAN OTA cluster; CS06, which
 *   the ACB originates for the supplier and signs once the supplier's Signed
 *   Pre-Command verifies (it holds no supplier cell), activates it: outcome
 *   0, and 11.2 (CS08) reads the new version back;
 * - the GPF: no image reaches it, so CS06 answers GBCS's failure outcome 1
 *   with its running version, which stays.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GPF_FIRMWARE_VERSION } from '../../src/devices/gpf/gpf.ts';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { SubmitRequest } from '../../src/supplier/service.ts';
import { decodeOtaImage } from '../../src/zigbee/ota.ts';
import { otaFile, otaImageBody } from '../support/firmware-steps.ts';
import { waitFor } from '../support/wait.ts';
import { awaitCommand, type E2eSystem, startE2eSystem } from './harness.ts';

describe('e2e: 11.3 Activate Firmware to the CHF, PPMID and GPF of an estate home, over the HTTP DSP', () => {
  let e2e: E2eSystem | undefined;
  after(async () => e2e?.stop());

  it('CHF and PPMID activate the image they hold (read back by 11.2); the GPF, holding none, answers outcome 1', async () => {
    e2e = await startE2eSystem({
      homes: 1,
      wanMix: 'reliable=1',
      seed: 'firmware-estate',
      xsdValidation: true,
    });
    const { sys } = e2e;
    assert.ok(sys.urls.dsp, 'the DSP listens on HTTP (network transport)');
    const h = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const order = async (o: Omit<SubmitRequest, 'premisesId'>): Promise<CommandRecord> => {
      const c = await supplier.submit({ premisesId: h.premisesId, route: 'wan', ...o });
      const f = await awaitCommand(sys, c.id);
      assert.equal(f.state, 'responded', `${f.srv}: ${f.state} ${f.reason ?? ''}`);
      assert.ok(f.response?.gbcs, `${f.srv}: the device's GBCS response`);
      return f;
    };
    /** 11.3 to `target` for `hash`: the device's CS06 outcome (the response decoded), and who answered. */
    const activate = async (target: string, hash: string) => {
      const f = await order({ order: { kind: 'duis', srv: '11.3', body: { FirmwareHash: hash } }, target });
      assert.deepEqual(f.commandVariants, [4, 5], 'critical: Pre-Command, then the Signed Pre-Command');
      const m = decodeMessage(fromHex(f.response!.gbcs!));
      const out = decodeResponse('CS06', m.content).fields as {
        outcome: { activateImageResponseCode: number; firmwareVersion: string };
      };
      return { m, outcome: out.outcome };
    };
    const readVersion = async (target: string, useCase: 'ECS52' | 'CS08') => {
      const f = await order({
        order: { kind: 'duis', srv: '11.2', body: { ReadFirmwareVersion: null } },
        target,
      });
      const m = decodeMessage(fromHex(f.response!.gbcs!));
      const fields = decodeResponse(useCase, m.content).fields as {
        firmwareVersion: string | { value: { value: string } };
      };
      return typeof fields.firmwareVersion === 'string'
        ? fields.firmwareVersion.toUpperCase()
        : fields.firmwareVersion.value.value.toUpperCase();
    };

    // the CHF: its image over the WAN, CS06 from the supplier itself
    const chf = h.home.chf;
    const chfFile = otaFile(2, 0x0002_1234, otaImageBody(700, 13, 5));
    assert.equal(chf.receiveFromWan(chfFile), 'delivered');
    const chfHash = decodeOtaImage(chfFile).hash;
    const c = await activate(h.plan.chf, chfHash);
    assert.equal(c.m.originator, h.plan.chf, 'the CHF answered');
    assert.deepEqual(c.outcome, { activateImageResponseCode: 0, firmwareVersion: '00021234' });
    assert.equal(await readVersion(h.plan.chf, 'ECS52'), '00021234', 'ECS52 reads the new version');

    // the PPMID: its image over the HAN OTA cluster, CS06 from the ACB for the supplier (ACB-signed)
    const ppmid = h.ppmid!;
    const ppmidFile = otaFile(5, 0x0300_0042, otaImageBody(900, 17, 3));
    assert.equal(chf.receiveFromWan(ppmidFile), 'delivered');
    await waitFor(() => ppmid.own.pendingImage() !== null, undefined, {
      what: 'the PPMID holding its image',
    });
    const p = await activate(h.plan.ppmid, decodeOtaImage(ppmidFile).hash);
    assert.equal(p.m.originator, h.plan.ppmid, 'the PPMID answered');
    assert.deepEqual(p.outcome, { activateImageResponseCode: 0, firmwareVersion: '03000042' });
    assert.equal(await readVersion(h.plan.ppmid, 'CS08'), '03000042', 'CS08 reads the new version');
    assert.equal(ppmid.own.pendingImage(), null);

    // the GPF: no image, GBCS's failure outcome with the running version
    const g = await activate(h.plan.gpf, chfHash);
    assert.equal(g.m.originator, h.plan.gpf, 'the GPF answered');
    assert.deepEqual(g.outcome, { activateImageResponseCode: 1, firmwareVersion: GPF_FIRMWARE_VERSION });
    assert.equal(h.gpf.backchannel.firmware().version, GPF_FIRMWARE_VERSION);
  });
});
