/**
 * Firmware end to end on virtual time (docs/chf.md "Firmware distribution"):
 * an OTA Upgrade Image file arrives at the CHF over the SM WAN, the CHF
 * verifies it and sends it block by block over the HAN OTA cluster to the
 * ESME, the ESME reassembles and verifies the image hash and holds it; CS06
 * (critical, signed by the supplier) naming that hash activates it and
 * ECS52 reads the new version back. A file with a broken hash is refused by
 * the CHF; CS06 with another hash fails and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { Esme } from '../../src/devices/esme/esme.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeResponse, encodeCommand, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import type { VirtualClock } from '../../src/runtime/clock.ts';
import { encodeOtaImage } from '../../src/zigbee/ota.ts';

const image = new Uint8Array(700).map((_, i) => (i * 31 + 7) & 0xff);
const file = encodeOtaImage({ manufacturerCode: 0x1234, imageType: 1, fileVersion: 0x0124abcd, image });

describe('firmware: WAN -> CHF -> ESME over the HAN OTA cluster, CS06 activates, ECS52 reads it', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const home = atps.home(id);
  const clock = home.clock as VirtualClock;
  const esme = home.device(RTDS_EUIS.esme);
  assert.ok(esme instanceof Esme);
  let counter = 0x4000_0000n;

  function toEsme(useCase: string, fields: unknown, critical: boolean) {
    const c = ++counter;
    const content = encodeCommand(useCase, fields as never, {
      header: useCaseById(useCase)!.family === 'dlms' ? { invoke: gbcsInvokeId(c), dateTime: '' } : {},
    });
    const bytes = csp.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator: p.supplier,
        recipient: RTDS_EUIS.esme,
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

  it('a file with a broken hash is refused by the CHF and never reaches the HAN', () => {
    const bad = file.slice();
    bad[100] ^= 0xff;
    assert.equal(home.chf.receiveFromWan(bad), 'discarded');
    clock.runUntilIdle({ horizonMs: 60_000 });
    assert.equal(home.chf.useCases.firmware.distributions.length, 0);
    assert.equal(esme.stateView.firmware.pendingImage, null);
  });

  it('the CHF distributes the image; the ESME verifies and holds it with its hash', () => {
    assert.equal(home.chf.receiveFromWan(file), 'delivered');
    clock.runUntilIdle({ horizonMs: 10 * 60_000 });
    const [d] = home.chf.useCases.firmware.distributions;
    assert.equal(d?.status, 'delivered');
    assert.equal(d?.sent, file.length);
    assert.equal(esme.stateView.firmware.pendingImage?.version, '0124ABCD');
    assert.equal(esme.stateView.firmware.pendingImage?.hash, d?.hash);
  });

  it('CS06 with another hash fails and the running version stays', () => {
    const r = toEsme(
      'CS06',
      { manufacturerImageHash: '00'.repeat(32), originatorCounter: counter + 1n },
      true,
    );
    assert.equal(r.outcome.activateImageResponseCode, 1);
    assert.notEqual(esme.stateView.firmware.version, '0124ABCD');
  });

  it('CS06 naming the hash activates it; ECS52 reads the new version back', () => {
    const hash = home.chf.useCases.firmware.distributions[0]!.hash;
    const r = toEsme('CS06', { manufacturerImageHash: hash, originatorCounter: counter + 1n }, true);
    assert.equal(r.outcome.activateImageResponseCode, 0);
    assert.equal(r.outcome.firmwareVersion, '0124ABCD');
    const v = toEsme('ECS52', { firmwareVersion: { value: null } }, false);
    assert.equal(v.firmwareVersion.value.value, '0124ABCD');
  });
});
