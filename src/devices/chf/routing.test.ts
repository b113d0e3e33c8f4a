/**
 * Units of the CHF routing policy (GBCS 10.8.2, SECMP0038 CH-1/CH-2/CH-6),
 * the Device Log and the alert throttle / token bucket.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeApdu } from '../../gbcs/encode.ts';
import { splitGbt } from '../../gbcs/gbt.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { AlertThrottle, TokenBucket } from './alerts.ts';
import { DeviceLog, DeviceLogError, EuiSet, installCodeWithCrc } from './device-log.ts';
import { ChfRouter, RouteVerdict } from './routing.ts';

const CHF = '00DB1234567890A2';
const GPF = '00DB1234567890A3';
const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const PPMID = '00DB1234567890A4';
const SUPPLIER = '90B3D51F30010000';
const CODE = new Uint8Array(16).fill(1);

function msg(
  cra: 'command' | 'response' | 'alert',
  originator: string,
  recipient: string,
  messageCode = 0x0027,
  size = 20,
) {
  return encodeApdu({
    cra,
    originatorCounter: 42n,
    originator,
    recipient,
    otherInfo: { messageCode },
    content: new Uint8Array(size).fill(0xd9),
    signature: null,
  });
}

function setup() {
  const log = new DeviceLog({ reserved: [CHF, GPF] });
  log.add({ eui: ESME, deviceType: 'ESME', installCode: CODE }, 0);
  log.add({ eui: GSME, deviceType: 'GSME', installCode: CODE }, 0);
  const ppmid = log.add({ eui: PPMID, deviceType: 'PPMID', installCode: CODE, relayEnabled: true }, 0);
  const router = new ChfRouter({ chf: CHF, gpf: GPF, deviceLog: log, remoteParties: new EuiSet([SUPPLIER]) });
  return { log, router, ppmid, esme: log.get(ESME)!, gsme: log.get(GSME)! };
}

describe('ChfRouter', () => {
  it('WAN: CHF, GPF, logged devices, GSME mailbox, unknown targets, non-commands', () => {
    const { router } = setup();
    const v = new RouteVerdict();
    const d = (b: Uint8Array) => {
      const r = router.decide('wan', undefined, b, v);
      return `${r.action}/${r.reason}`;
    };
    assert.equal(d(msg('command', SUPPLIER, CHF)), 'to-chf/target-is-chf-itself');
    assert.equal(d(msg('command', SUPPLIER, GPF)), 'to-gpf/target-is-gpf-itself');
    assert.equal(d(msg('command', SUPPLIER, ESME)), 'to-device/target-in-device-log');
    assert.equal(d(msg('command', SUPPLIER, GSME)), 'to-gsme-mailbox/target-is-gsme');
    assert.equal(d(msg('command', SUPPLIER, '00DB1234567890A9')), 'discard/target-not-in-device-log');
    assert.equal(d(msg('response', ESME, SUPPLIER)), 'discard/not-a-command');
    assert.equal(d(msg('command', SUPPLIER, ESME, 0x27, 1600)), 'discard/oversize');
    assert.equal(d(msg('command', SUPPLIER, CHF, 0x27, 1600)), 'to-chf/target-is-chf-itself');
    // the GSME's GET-RESPONSE adds its 2-byte header: 1498 bytes of GBCS fill a 1500-byte transfer
    const sized = (to: string, total: number) => {
      let n = total;
      for (let k = 0; k < 4; k++) n += total - msg('command', SUPPLIER, to, 0x27, n).length;
      const m = msg('command', SUPPLIER, to, 0x27, n);
      assert.equal(m.length, total);
      return m;
    };
    assert.equal(d(sized(GSME, 1498)), 'to-gsme-mailbox/target-is-gsme');
    assert.equal(d(sized(GSME, 1499)), 'discard/oversize');
    assert.equal(d(sized(ESME, 1500)), 'to-device/target-in-device-log');
    assert.equal(d(sized(ESME, 1501)), 'discard/oversize');
  });

  it('PPMID relay: CH-2 reasons, relay flag, standalone, own traffic', () => {
    const { router, ppmid, log } = setup();
    const v = new RouteVerdict();
    const d = (b: Uint8Array) => {
      const r = router.decide('ppmid', ppmid, b, v);
      return `${r.action}/${r.reason}/${r.relayed}`;
    };
    assert.equal(d(msg('command', SUPPLIER, ESME)), 'to-device/target-in-device-log/true');
    assert.equal(d(msg('command', SUPPLIER, CHF)), 'discard/target-is-chf/true');
    assert.equal(d(msg('command', SUPPLIER, GPF)), 'discard/target-is-gpf/true');
    assert.equal(d(msg('command', SUPPLIER, SUPPLIER)), 'discard/target-is-remote-party/true');
    assert.equal(d(msg('response', ESME, SUPPLIER)), 'discard/not-a-command/true');
    assert.equal(d(Uint8Array.of(1, 2, 3)), 'discard/malformed/true');
    assert.equal(d(msg('command', SUPPLIER, ESME, 0x27, 1600)), 'discard/oversize/true');
    // its own traffic: PCS01 to the GSME, its own response to the WAN
    assert.equal(d(msg('command', PPMID, GSME, 0x009b)), 'to-gsme-mailbox/ppmid-gsme-message/false');
    assert.equal(d(msg('command', PPMID, ESME)), 'discard/command-from-device/false');
    assert.equal(d(msg('response', PPMID, SUPPLIER)), 'to-wan/response-or-alert/false');
    router.standalone = true;
    assert.equal(d(msg('command', SUPPLIER, ESME)), 'discard/standalone-mode/true');
    assert.equal(d(msg('response', PPMID, SUPPLIER)), 'discard/standalone-mode/true');
    router.standalone = false;
    const off = log.add({ eui: PPMID, deviceType: 'PPMID', installCode: CODE, relayEnabled: false }, 1);
    assert.equal(
      router.decide('ppmid', off, msg('command', SUPPLIER, ESME), v).reason,
      'ppmid-not-relay-enabled',
    );
  });

  it('HHT target and source; device traffic; GBT blocks routed on their routing header', () => {
    const { router, log, esme, gsme } = setup();
    const hht = log.add({ eui: '00DB1234567890C9', deviceType: 'HHT', installCode: CODE }, 0);
    const v = new RouteVerdict();
    assert.equal(
      router.decide('wan', undefined, msg('command', SUPPLIER, hht.eui), v).reason,
      'target-is-hht',
    );
    assert.equal(router.decide('hht', hht, msg('command', SUPPLIER, ESME), v).action, 'to-device');
    assert.equal(
      router.decide('hht', esme, msg('command', SUPPLIER, ESME), v).reason,
      'source-not-in-device-log',
    );
    assert.equal(router.decide('device', esme, msg('alert', ESME, SUPPLIER), v).action, 'to-wan');
    assert.equal(
      router.decide('device', esme, msg('alert', GSME, SUPPLIER), v).reason,
      'originator-mismatch',
    );
    assert.equal(router.decide('device', gsme, msg('response', GSME, PPMID, 0x009b), v).action, 'to-ppmid');
    const big = msg('command', SUPPLIER, ESME, 0x27, 3000);
    const blocks = splitGbt(big, { blockSize: 1400 });
    for (const b of blocks) {
      const r = router.decide('ppmid', log.get(PPMID), b, v);
      assert.equal(r.action, 'to-device');
      assert.equal(r.gbt, true);
    }
  });
});

describe('DeviceLog', () => {
  it('bounded, reserved EUIs refused, relay flag only for PPMIDs, lookup by halves', () => {
    const log = new DeviceLog({ capacity: 2, reserved: [CHF] });
    log.add({ eui: ESME, deviceType: 'ESME', installCode: CODE }, 0);
    assert.throws(() => log.add({ eui: CHF, deviceType: 'ESME', installCode: CODE }, 0), DeviceLogError);
    assert.throws(
      () => log.add({ eui: GSME, deviceType: 'GSME', installCode: CODE, relayEnabled: true }, 0),
      DeviceLogError,
    );
    log.add({ eui: GSME, deviceType: 'GSME', installCode: CODE }, 0);
    assert.throws(
      () => log.add({ eui: PPMID, deviceType: 'PPMID', installCode: CODE }, 0),
      (e: unknown) => e instanceof DeviceLogError && e.code === 'DEVICE_LOG_FULL',
    );
    // replacing an entry is not an addition
    log.add({ eui: GSME, deviceType: 'GSME', installCode: new Uint8Array(16).fill(2) }, 0);
    assert.equal(log.lookup(0x00db1234, 0x567890a0)?.eui, ESME);
    assert.equal(log.lookup(0x00db1235, 0x567890a0), undefined);
    assert.ok(log.remove(ESME));
    assert.equal(log.lookup(0x00db1234, 0x567890a0), undefined);
  });

  it('install codes with or without CRC give the same link key', () => {
    const withCrc = installCodeWithCrc(CODE);
    assert.equal(withCrc.length, 18);
    assert.deepEqual(installCodeWithCrc(withCrc), withCrc);
    const a = new DeviceLog().add({ eui: ESME, deviceType: 'ESME', installCode: CODE }, 0);
    const b = new DeviceLog().add({ eui: ESME, deviceType: 'ESME', installCode: withCrc }, 0);
    assert.deepEqual(a.linkKey, b.linkKey);
    assert.throws(() => installCodeWithCrc(new Uint8Array(5)));
  });
});

describe('AlertThrottle and TokenBucket', () => {
  it('first at once, the rest summarised once per window with the count', () => {
    const clock = new VirtualClock();
    const t = new AlertThrottle(clock, 60_000);
    const raised: number[] = [];
    for (let i = 0; i < 10; i++) t.submit('x', (n) => raised.push(n));
    assert.deepEqual(raised, [0]);
    t.submit('y', (n) => raised.push(100 + n));
    assert.deepEqual(raised, [0, 100]);
    clock.advance(60_000);
    assert.deepEqual(raised, [0, 100, 9]);
    clock.advance(60_000);
    t.submit('x', (n) => raised.push(n));
    assert.deepEqual(raised, [0, 100, 9, 0]);
  });

  it('token bucket: burst, then refill with time', () => {
    const clock = new VirtualClock();
    const b = new TokenBucket(clock, 3, 1 / 1000);
    assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
    clock.advance(1000);
    assert.equal(b.take(), true);
    assert.equal(b.take(), false);
    clock.advance(100_000);
    assert.equal(Math.floor(b.available), 3);
  });
});
