/**
 * A home built directly (no test automation API): CH, ESME and PPMID nodes on
 * one HAN, the CH on a WAN test double. A PPMID-relayed command reaches the
 * ESME application, its answer the WAN; the WAN going down buffers it (CH-4).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WanDouble } from '../../../test/support/ch-wan-double.ts';
import { RecordingDevice } from '../../../test/support/recording-device.ts';
import { encodeApdu } from '../../gbcs/encode.ts';
import { MemoryKeyStore } from '../../gbcs/keystore.ts';
import { bytesEqual } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { createHome } from './home.ts';

const CHF = '00DB1234567890A2';
const GPF = '00DB1234567890A3';
const ESME = '00DB1234567890A0';
const PPMID = '00DB1234567890A4';
const SUPPLIER = '90B3D51F30010000';

const apdu = (cra: 'command' | 'response', originator: string, recipient: string) =>
  encodeApdu({
    cra,
    originatorCounter: 9n,
    originator,
    recipient,
    otherInfo: { messageCode: 0x27 },
    content: new Uint8Array(30).fill(1),
    signature: null,
  });

describe('Home', () => {
  it('relay PPMID -> CH -> ESME, answer ESME -> CH -> WAN; buffered while the WAN is down', () => {
    const clock = new VirtualClock();
    const wan = new WanDouble(() => clock.now());
    const answer = apdu('response', ESME, SUPPLIER);
    const esme = new RecordingDevice(
      ESME,
      'ESME',
      () => clock.now(),
      () => answer,
    );
    const home = createHome({
      clock,
      wan,
      // no CHF private keys: this home never needs to seal a CHF message
      chf: { eui: CHF, gpfEui: GPF, keyStore: new MemoryKeyStore(), config: { alertThrottleMs: 60_000 } },
      devices: [
        { eui: ESME, deviceType: 'ESME', installCode: new Uint8Array(16).fill(1), device: esme },
        { eui: PPMID, deviceType: 'PPMID', installCode: new Uint8Array(16).fill(2), relayEnabled: true },
      ],
    });
    clock.advance(5_000);
    assert.equal(home.chf.node.openTunnels().length, 2);
    const cmd = apdu('command', SUPPLIER, ESME);
    home.tunnelNode(PPMID).send(cmd);
    clock.advance(5_000);
    assert.equal(esme.received.length, 1);
    assert.ok(bytesEqual(esme.received[0], cmd));
    assert.ok(wan.received.some((r) => bytesEqual(r.bytes, answer)));
    wan.setUp(false);
    const n = wan.received.length;
    home.tunnelNode(PPMID).send(cmd);
    clock.advance(5_000);
    assert.equal(wan.received.length, n);
    assert.equal(home.chf.uplinkDepth(), 1);
    wan.setUp(true);
    assert.equal(home.chf.uplinkDepth(), 0);
    assert.ok(bytesEqual(wan.received.at(-1)!.bytes, answer));
  });

  it('a CH restart shorter than the HAN duplicate-rejection window: the radio keeps its counters, tunnels reopen, relays flow', () => {
    const clock = new VirtualClock();
    const wan = new WanDouble(() => clock.now());
    const answer = apdu('response', ESME, SUPPLIER);
    const esme = new RecordingDevice(
      ESME,
      'ESME',
      () => clock.now(),
      () => answer,
    );
    const home = createHome({
      clock,
      wan,
      chf: { eui: CHF, gpfEui: GPF, keyStore: new MemoryKeyStore(), config: { bootMs: 1_000 } },
      devices: [
        { eui: ESME, deviceType: 'ESME', installCode: new Uint8Array(16).fill(1), device: esme },
        { eui: PPMID, deviceType: 'PPMID', installCode: new Uint8Array(16).fill(2), relayEnabled: true },
      ],
    });
    clock.advance(5_000);
    const tunnels = home.chf.node.openTunnels().map((t) => t.tunnelId);
    assert.equal(tunnels.length, 2);
    const radio = home.medium.radioState(GPF);
    home.restartCh();
    clock.advance(1_000 + 3_000); // boot, then the CH's RequestTunnels: within the peers' 10 s window
    assert.ok(home.medium.duplicateRejectionMs > 4_000);
    assert.ok(home.medium.outgoingApsCounter(GPF) > radio.apsCounter, 'the APS count went on');
    assert.equal(home.chf.node.openTunnels().length, 2, 'both devices answered the new RequestTunnel');
    home.tunnelNode(PPMID).send(apdu('command', SUPPLIER, ESME));
    clock.advance(5_000);
    assert.equal(esme.received.length, 1);
    assert.ok(wan.received.some((r) => bytesEqual(r.bytes, answer)));
    assert.equal(home.metrics.snapshot().counters['han.rx.duplicates'] ?? 0, 0);
  });
});
