/**
 * PPMID firmware end to end on virtual time (issue 12; the meters' path,
 * meter-common/firmware.ts, run by han-device/own-use-cases.ts): an OTA
 * Upgrade Image file for a PPMID (image type 5) arrives at the CHF over the
 * SM WAN, the CHF sends it over the HAN OTA cluster to the PPMID, which
 * verifies the hash and holds it; CS06 (critical, signed by the supplier)
 * naming another hash fails, naming that hash with a future execution time
 * is accepted (NULL) and, when the time comes, activates it and raises the
 * 8F66 Future Dated Firmware Activation alert over the HAN and WAN; CS08
 * reads the new version back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { rebuildCommand } from '../../src/devices/meter-common/test-support.ts';
import { generalizedTime } from '../../src/devices/meter-common/time.ts';
import { Ppmid } from '../../src/devices/ppmid/ppmid.ts';
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
import { byName } from '../support/atps-harness.ts';

const image = new Uint8Array(900).map((_, i) => (i * 17 + 3) & 0xff);
const ppmidFile = encodeOtaImage({ manufacturerCode: 0x1234, imageType: 5, fileVersion: 0x0300abcd, image });

describe('PPMID firmware: WAN -> CHF -> PPMID over the HAN OTA cluster, CS06 (future-dated) activates, CS08 reads it', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const home = atps.home(id);
  const clock = home.clock as VirtualClock;
  const ppmid = atps.ppmid(id);
  assert.ok(ppmid instanceof Ppmid);
  const pending = () => ppmid.own.pendingImage();
  let counter = 0x4200_0000n;

  function toPpmid(useCase: string, fields: unknown, critical: boolean) {
    const c = ++counter;
    const content = encodeCommand(useCase, fields as never, { originatorCounter: c });
    const bytes = csp.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator: p.supplier,
        recipient: RTDS_EUIS.ppmid,
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
  /** CS08 as RTDS sends it (the ACB, for the supplier), with a fresh counter */
  const version = () => {
    const bytes = rebuildCommand(csp, decodeMessage(byName('CS08_11.2_SUCCESS_COMMAND').bytes), {
      counter: ++counter,
    });
    const [r] = atps.inject(id, 'wan', bytes);
    assert.equal(r?.deviceDecision, 'accepted', `CS08: ${r?.deviceReason}`);
    const m = decodeMessage(fromHex(r!.response!));
    return (decodeResponse('CS08', m.content).fields as { firmwareVersion: string }).firmwareVersion;
  };

  it('the CHF distributes the PPMID image; the PPMID verifies and holds it with its hash', () => {
    assert.equal(version(), '00000000');
    assert.equal(home.chf.receiveFromWan(ppmidFile), 'delivered');
    clock.runUntilIdle({ horizonMs: 10 * 60_000 });
    const d = home.chf.useCases.firmware.distributions.find((x) => x.target === RTDS_EUIS.ppmid);
    assert.equal(d?.status, 'delivered', JSON.stringify(d));
    assert.equal(pending()?.version, '0300ABCD');
    assert.equal(pending()?.hash, d?.hash);
  });

  it('CS06 with another hash fails (code 1) and the running version stays', () => {
    const r = toPpmid(
      'CS06',
      { manufacturerImageHash: '00'.repeat(32), originatorCounter: counter + 1n },
      true,
    );
    assert.equal(r.outcome.activateImageResponseCode, 1);
    assert.equal(version(), '00000000');
  });

  it('CS06 future-dated: accepted (NULL); at the time the image runs, 8F66 carries the outcome; CS08 reads the new version', () => {
    const hash = home.chf.useCases.firmware.distributions.find((x) => x.target === RTDS_EUIS.ppmid)!.hash;
    const at = Math.floor(clock.now() / 1000) * 1000 + 6 * 3600_000;
    const since = atps.wanUplink(id).at(-1)?.seq ?? 0;
    const r = toPpmid(
      'CS06',
      {
        manufacturerImageHash: hash,
        originatorCounter: counter + 1n,
        executionDateTime: generalizedTime(at),
      },
      true,
    );
    assert.equal(r.futureDatedAccepted, null);
    assert.equal(version(), '00000000', 'not before its time');
    clock.advance(7 * 3600_000);
    clock.runUntilIdle({ horizonMs: 3600_000 });
    // the alert reaches the CSP over the WAN: Future Dated Firmware Activation Alert (0x00CA) from the PPMID
    const up = atps.wanUplink(id, { since });
    const alert = up.find((u) => u.originator === RTDS_EUIS.ppmid && u.messageCode === 0x00ca);
    assert.ok(alert, JSON.stringify(up.map((u) => [u.originator, u.messageCode])));
    const m = decodeMessage(fromHex(alert.hex));
    const a = decodeNamedPayload(m.messageCode, 'alert', m.content).fields as {
      alertCode: number;
      outcome: { activateImageResponseCode: number; firmwareVersion: string };
    };
    assert.equal(a.alertCode, 0x8f66);
    assert.deepEqual(a.outcome, { activateImageResponseCode: 0, firmwareVersion: '0300ABCD' });
    assert.equal(version(), '0300ABCD');
    assert.equal(pending(), null);
  });
});
