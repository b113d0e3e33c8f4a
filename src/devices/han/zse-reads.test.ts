/**
 * ZSE attribute reads between devices on the HAN medium (issue 15): the
 * PPMID reads the ESME's Credit Remaining with real ZCL bytes under APS
 * security with an application link key; without that key nothing passes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { SeededRandom } from '../../runtime/random.ts';
import { linkKeyFromInstallCode, withInstallCodeCrc } from '../../zigbee/index.ts';
import type { GbcsDevice } from '../contracts.ts';
import { defaultEsmeState } from '../esme/state.ts';
import { answerAttributeRead, PREPAYMENT_CLUSTER_ID } from '../esme/zse-server.ts';
import { creditReadingFrom, creditReadRequest } from '../ppmid/credit-read.ts';
import { HanMedium } from './medium.ts';
import { TunnelDeviceNode } from './node-device.ts';
import type { ZseReadResult } from './zse-reads.ts';

const CH = '00DB1234567890A3';
const ESME = '00DB1234567890A0';
const PPMID = '00DB1234567890A5';
const key = (n: number) => linkKeyFromInstallCode(withInstallCodeCrc(new Uint8Array(16).fill(n)));

function setup() {
  const clock = new VirtualClock(1_700_000_000_000);
  const medium = new HanMedium({ clock, random: new SeededRandom(5) });
  const state = defaultEsmeState();
  const meter: GbcsDevice = {
    eui: ESME,
    deviceType: 'ESME',
    events: [],
    onRemotePartyMessage: () => {},
    attachUplink: () => {},
    answerAttributeRead: (clusterId, asdu) => answerAttributeRead(state, clusterId, asdu),
  };
  const esme = new TunnelDeviceNode({ medium, clock, eui: ESME, chEui: CH, linkKey: key(1), device: meter });
  esme.attachDevice(meter);
  const ppmid = new TunnelDeviceNode({ medium, clock, eui: PPMID, chEui: CH, linkKey: key(2) });
  esme.connect();
  ppmid.connect();
  return { clock, state, esme, ppmid };
}

function read(s: ReturnType<typeof setup>, tsn: number): ZseReadResult[] {
  const out: ZseReadResult[] = [];
  s.ppmid.readAttributes(ESME, PREPAYMENT_CLUSTER_ID, creditReadRequest(tsn), tsn, (r) => out.push(r));
  s.clock.advance(60_000);
  return out;
}

describe('ZSE attribute reads between devices on the HAN', () => {
  it('the PPMID reads the credit the ESME holds, over APS security with their application link key', () => {
    const s = setup();
    const appKey = key(9);
    s.esme.setPeerLinkKey(PPMID, appKey);
    s.ppmid.setPeerLinkKey(ESME, appKey);
    s.state.meterBalance = 742_100;
    const [r] = read(s, 0x11);
    assert.ok(r?.ok, JSON.stringify(r));
    const reading = creditReadingFrom(ESME, r.asdu, 0x11, r.at);
    assert.equal(reading.creditRemaining, 742_100);
    assert.equal(reading.meter, ESME);
    assert.ok(reading.readAt > 1_700_000_000_000);
    // a top-up changes the balance: the next read sees it
    s.state.meterBalance += 1_000_000;
    const [r2] = read(s, 0x12);
    assert.ok(r2?.ok);
    assert.equal(creditReadingFrom(ESME, r2.asdu, 0x12, r2.at).creditRemaining, 1_742_100);
  });

  it('without an application link key the PPMID cannot send; with the wrong one the ESME drops it: no reading', () => {
    const s = setup();
    const [none] = read(s, 1);
    assert.ok(none && !none.ok);
    s.ppmid.setPeerLinkKey(ESME, key(9));
    s.esme.setPeerLinkKey(PPMID, key(8));
    const [wrong] = read(s, 2);
    assert.ok(wrong && !wrong.ok, JSON.stringify(wrong));
  });

  it('an unsolicited or mismatched response is ignored and logged, not taken as a reading', () => {
    const s = setup();
    const appKey = key(9);
    s.esme.setPeerLinkKey(PPMID, appKey);
    s.ppmid.setPeerLinkKey(ESME, appKey);
    // the ESME sends a response nobody asked for
    s.esme.sendCluster(
      PPMID,
      PREPAYMENT_CLUSTER_ID,
      answerAttributeRead(s.state, PREPAYMENT_CLUSTER_ID, creditReadRequest(77)) as Uint8Array,
    );
    s.clock.advance(10_000);
    assert.ok(s.ppmid.events.some((e) => e.kind === 'frame-ignored' && /unsolicited/.test(e.detail ?? '')));
  });
});
