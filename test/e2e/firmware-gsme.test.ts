/**
 * GSME firmware end to end on virtual time (issue 12; the ESME's path,
 * firmware-distribution.test.ts, with the shared meter-common/firmware.ts):
 * an OTA Upgrade Image file for a GSME (image type 0) arrives at the CHF
 * over the SM WAN, the CHF sends it over the HAN OTA cluster to the GSME,
 * which verifies the hash and holds it; CS06 (critical, signed by the
 * supplier, through the GSME's mailbox) naming another hash fails, naming
 * that hash with a future execution time is accepted (NULL) and, when the
 * time comes, activates it and raises the 8F66 Future Dated Firmware
 * Activation alert; GCS38 reads the new version back. An ESME image is
 * refused by the GSME.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { Gsme } from '../../src/devices/gsme/gsme.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { generalizedTime } from '../../src/devices/meter-common/time.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import {
  decodeNamedPayload,
  decodeResponse,
  encodeCommand,
  useCaseById,
} from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import type { VirtualClock } from '../../src/runtime/clock.ts';
import { encodeOtaImage } from '../../src/zigbee/ota.ts';

const image = new Uint8Array(900).map((_, i) => (i * 17 + 3) & 0xff);
const gsmeFile = encodeOtaImage({ manufacturerCode: 0x1234, imageType: 0, fileVersion: 0x0200abcd, image });

describe('GSME firmware: WAN -> CHF -> GSME over the HAN OTA cluster, CS06 (future-dated) activates, GCS38 reads it', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const home = atps.home(id);
  const clock = home.clock as VirtualClock;
  const gsme = home.device(RTDS_EUIS.gsme);
  assert.ok(gsme instanceof Gsme);
  let counter = 0x4100_0000n;

  function toGsme(useCase: string, fields: unknown, critical: boolean) {
    const c = ++counter;
    const content = encodeCommand(useCase, fields as never, { originatorCounter: c });
    const bytes = csp.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator: p.supplier,
        recipient: RTDS_EUIS.gsme,
        otherInfo: { messageCode: useCaseById(useCase)!.code },
        content,
      },
      critical ? { sign: true, mac: true } : { mac: true },
    );
    const [r] = atps.inject(id, 'wan', bytes);
    assert.equal(r?.deviceDecision, 'accepted', `${useCase}: ${r?.deviceReason}`);
    const m = csp.decodeVerify(fromHex(r!.response!));
    // biome-ignore lint/suspicious/noExplicitAny: response fields read by path
    return decodeResponse(useCase, m.message.content).fields as any;
  }
  const version = () =>
    toGsme('GCS38', { readOta: { attributes: [{ id: 2 }] } }, false).components[0].fields.records[0].value
      .value;

  it('an ESME image reaches nobody but ESMEs; the GSME keeps no pending image', () => {
    const esmeFile = encodeOtaImage({ manufacturerCode: 0x1234, imageType: 1, fileVersion: 0x01, image });
    home.chf.receiveFromWan(esmeFile);
    clock.runUntilIdle({ horizonMs: 10 * 60_000 });
    assert.equal(gsme.stateView.firmware.pendingImage, null);
  });

  it('the CHF distributes the GSME image; the GSME verifies and holds it with its hash', () => {
    assert.equal(version(), 0x0123abcd);
    assert.equal(home.chf.receiveFromWan(gsmeFile), 'delivered');
    clock.runUntilIdle({ horizonMs: 10 * 60_000 });
    const d = home.chf.useCases.firmware.distributions.find((x) => x.target === RTDS_EUIS.gsme);
    assert.equal(d?.status, 'delivered', JSON.stringify(d));
    assert.equal(gsme.stateView.firmware.pendingImage?.version, '0200ABCD');
    assert.equal(gsme.stateView.firmware.pendingImage?.hash, d?.hash);
  });

  it('CS06 with another hash fails (code 1) and the running version stays', () => {
    const r = toGsme(
      'CS06',
      { manufacturerImageHash: '00'.repeat(32), originatorCounter: counter + 1n },
      true,
    );
    assert.equal(r.outcome.activateImageResponseCode, 1);
    assert.equal(version(), 0x0123abcd);
  });

  it('CS06 future-dated: accepted (NULL); at the time the image runs, 8F66 carries the outcome; GCS38 reads the new version', () => {
    const hash = home.chf.useCases.firmware.distributions.find((x) => x.target === RTDS_EUIS.gsme)!.hash;
    const at = Math.floor(clock.now() / 1000) * 1000 + 6 * 3600_000;
    const since = atps.wanUplink(id).at(-1)?.seq ?? 0;
    const r = toGsme(
      'CS06',
      {
        manufacturerImageHash: hash,
        originatorCounter: counter + 1n,
        executionDateTime: generalizedTime(at),
      },
      true,
    );
    assert.equal(r.futureDatedAccepted, null);
    assert.equal(version(), 0x0123abcd, 'not before its time');
    clock.advance(7 * 3600_000);
    clock.runUntilIdle({ horizonMs: 3600_000 });
    // the alert reaches the CSP over the WAN: Future Dated Firmware Activation Alert (0x00CA) from the GSME
    const up = atps.wanUplink(id, { since });
    const alert = up.find((u) => u.originator === RTDS_EUIS.gsme && u.messageCode === 0x00ca);
    assert.ok(alert, JSON.stringify(up.map((u) => [u.originator, u.messageCode])));
    const m = decodeMessage(fromHex(alert.hex));
    const a = decodeNamedPayload(m.messageCode, 'alert', m.content).fields as {
      alertCode: number;
      outcome: { activateImageResponseCode: number; firmwareVersion: string };
    };
    assert.equal(a.alertCode, 0x8f66);
    assert.deepEqual(a.outcome, { activateImageResponseCode: 0, firmwareVersion: '0200ABCD' });
    assert.equal(version(), 0x0200abcd);
    assert.equal(gsme.stateView.firmware.pendingImage, null);
  });
});
