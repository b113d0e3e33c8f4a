/**
 * Shared steps of the firmware end-to-end tests (test/e2e/firmware-*.test.ts):
 * an RTDS home on virtual time, a supplier command sealed for one device and
 * injected over the SM WAN (the response verified and decoded), an OTA image
 * distributed by the CHF over the HAN OTA cluster, CS06 with a wrong hash,
 * CS06 future-dated and the 8F66 alert it raises when the time comes. Each
 * test keeps what differs: the device, how it reads its version back.
 */
import assert from 'node:assert/strict';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { generalizedTime } from '../../src/devices/meter-common/time.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import {
  decodeNamedPayload,
  decodeResponse,
  encodeCommand,
  useCaseById,
} from '../../src/gbcs/use-cases/index.ts';
import { type Eui, fromHex } from '../../src/runtime/bytes.ts';
import type { VirtualClock } from '../../src/runtime/clock.ts';
import { encodeOtaImage } from '../../src/zigbee/ota.ts';

/** An OTA image body of `length` bytes, deterministic from `mul` and `add`. */
export function otaImageBody(length: number, mul: number, add: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * mul + add) & 0xff);
}

/** An OTA Upgrade Image file from the test manufacturer (0x1234). */
export function otaFile(imageType: number, fileVersion: number, image: Uint8Array): Uint8Array {
  return encodeOtaImage({ manufacturerCode: 0x1234, imageType, fileVersion, image });
}

export type FirmwareRig = Awaited<ReturnType<typeof firmwareRig>>;

/** An RTDS home whose supplier sends firmware commands to `target`; counters start after `counterBase`. */
export async function firmwareRig(target: Eui, counterBase: bigint) {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const home = atps.home(id);
  const clock = home.clock as VirtualClock;
  const rig = {
    atps,
    csp,
    id,
    home,
    clock,
    counter: counterBase,
    /** The target device as `cls` (asserted). */
    device<T>(cls: abstract new (...args: never[]) => T): T {
      const d = home.device(target);
      assert.ok(d instanceof cls, `${target} is not a ${cls.name}`);
      return d as T;
    },
    /** The next originator counter (for commands built elsewhere, e.g. from RTDS messages). */
    nextCounter: () => ++rig.counter,
    /** Seal `useCase` from the supplier to the target (signed too when critical), inject it, decode the response. */
    send(useCase: string, fields: unknown, critical: boolean) {
      const c = ++rig.counter;
      const content = encodeCommand(useCase, fields as never, { originatorCounter: c });
      const bytes = csp.seal(
        {
          cra: 'command',
          originatorCounter: c,
          originator: p.supplier,
          recipient: target,
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
    },
    /** The CHF's distribution record for the target. */
    distribution: () => home.chf.useCases.firmware.distributions.find((x) => x.target === target),
    /** The OTA file arrives over the WAN; the CHF delivers it to the target over the HAN. */
    distribute(file: Uint8Array) {
      assert.equal(home.chf.receiveFromWan(file), 'delivered');
      clock.runUntilIdle({ horizonMs: 10 * 60_000 });
      const d = rig.distribution();
      assert.equal(d?.status, 'delivered', JSON.stringify(d));
      return d!;
    },
    /** CS06 naming a hash the device does not hold: activation fails with code 1. */
    activateWrongHash() {
      const r = rig.send(
        'CS06',
        { manufacturerImageHash: '00'.repeat(32), originatorCounter: rig.counter + 1n },
        true,
      );
      assert.equal(r.outcome.activateImageResponseCode, 1);
    },
    /** CS06 for the distributed hash, 6 h ahead: accepted (NULL). Returns the WAN uplink mark to look for the alert after. */
    activateFutureDated() {
      const hash = rig.distribution()!.hash;
      const at = Math.floor(clock.now() / 1000) * 1000 + 6 * 3600_000;
      const since = atps.wanUplink(id).at(-1)?.seq ?? 0;
      const r = rig.send(
        'CS06',
        {
          manufacturerImageHash: hash,
          originatorCounter: rig.counter + 1n,
          executionDateTime: generalizedTime(at),
        },
        true,
      );
      assert.equal(r.futureDatedAccepted, null);
      return since;
    },
    /** Time passes the execution time: the 8F66 Future Dated Firmware Activation alert (0x00CA) reaches the CSP over the WAN. */
    expectActivationAlert(since: number, firmwareVersion: string) {
      clock.advance(7 * 3600_000);
      clock.runUntilIdle({ horizonMs: 3600_000 });
      const up = atps.wanUplink(id, { since });
      const alert = up.find((u) => u.originator === target && u.messageCode === 0x00ca);
      assert.ok(alert, JSON.stringify(up.map((u) => [u.originator, u.messageCode])));
      const m = decodeMessage(fromHex(alert.hex));
      const a = decodeNamedPayload(m.messageCode, 'alert', m.content).fields as {
        alertCode: number;
        outcome: { activateImageResponseCode: number; firmwareVersion: string };
      };
      assert.equal(a.alertCode, 0x8f66);
      assert.deepEqual(a.outcome, { activateImageResponseCode: 0, firmwareVersion });
    },
  };
  return rig;
}
