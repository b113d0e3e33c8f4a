import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { SeededRandom } from '../../runtime/random.ts';
import {
  decodeTunnelFrame,
  encodeApsFrame,
  linkKeyFromInstallCode,
  secureApsFrame,
  withInstallCodeCrc,
} from '../../zigbee/index.ts';
import { AirtimeLog, DEFAULT_DUTY_CYCLE, type DutyCycleState, dutyCycleStateFor } from './airtime.ts';
import { HanDutyCycleSuspendedError, HanError } from './errors.ts';
import {
  type HanAirEvent,
  type HanDataIndication,
  HanMedium,
  type HanMediumOptions,
  type HanRxRejection,
  type HanTransferReport,
} from './medium.ts';
import {
  DEFAULT_OVERHEADS,
  frameAirtimeUs,
  macTransactionUs,
  maxApsFrameBytes,
  maxBackoffUs,
  PHY_2_4_GHZ,
  PHY_SUB_GHZ,
  psduBytes,
} from './phy.ts';
import { measureTunnelTransfer, sendTunnelTransfer } from './tunnel-transfer.ts';

const CHF = '00DB1234567890A2';
const PPMID = '00DB1234567890A4';
const ESME = '00DB1234567890A0';
const KEYS: Record<string, Uint8Array> = {
  [PPMID]: linkKeyFromInstallCode(fromSeed(PPMID)),
  [ESME]: linkKeyFromInstallCode(fromSeed(ESME)),
};
function fromSeed(s: string): Uint8Array {
  return withInstallCodeCrc(new SeededRandom(s).bytes(16));
}

/** A home with a CHF that shares a link key with each other device (as the Device Log would give it). */
function home(opts: Partial<HanMediumOptions> = {}, seed: string | number = 1) {
  const clock = new VirtualClock();
  const medium = new HanMedium({ clock, random: new SeededRandom(seed), ...opts });
  const received: HanDataIndication[] = [];
  const rejected: HanRxRejection[] = [];
  const chf = medium.attach(CHF, {
    linkKeyFor: (p) => KEYS[p],
    onData: (d) => received.push(d),
    onRejected: (r) => rejected.push(r),
  });
  const devices = [PPMID, ESME].map((eui) =>
    medium.attach(eui, {
      linkKeyFor: (p) => (p === CHF ? KEYS[eui] : undefined),
      onData: (d) => received.push(d),
      onRejected: (r) => rejected.push(r),
    }),
  );
  return { clock, medium, chf, ppmid: devices[0], esme: devices[1], received, rejected };
}

function payload(n: number, seed = 'p'): Uint8Array {
  return new SeededRandom(seed).bytes(n);
}

describe('airtime model (HAN.md radio figures)', () => {
  it('a full 127-byte frame is 4.256 ms at 2.4 GHz (250 kbit/s, 6 bytes SHR+PHR)', () => {
    assert.equal(frameAirtimeUs(127, PHY_2_4_GHZ), 4256);
    assert.equal(frameAirtimeUs(127, PHY_SUB_GHZ), 11_120);
  });
  it('layers below APS add 37 bytes; a fragment carries at most 63 bytes, 61 by default', () => {
    assert.equal(psduBytes(90, DEFAULT_OVERHEADS), 127);
    assert.equal(maxApsFrameBytes(PHY_2_4_GHZ), 90);
    const { medium } = home();
    assert.equal(medium.maxFragmentPayload(), 63);
    assert.equal(medium.fragmentPayloadSize, 61);
    assert.throws(
      () =>
        new HanMedium({ clock: new VirtualClock(), random: new SeededRandom(1), fragmentPayloadSize: 64 }),
      /does not fit/,
    );
  });
});

describe('HanMedium transfers', () => {
  it('delivers a 1500-byte tunnel transfer as 25 secured fragments in about a second at 2.4 GHz', () => {
    const m = measureTunnelTransfer({ bytes: 1500 });
    assert.equal(m.intact, true);
    const r = m.report;
    assert.equal(r.ok, true);
    assert.equal(r.asduBytes, 1505, '1500 bytes + ZCL header (3) + tunnel id (2)');
    assert.equal(r.blocks, 25);
    assert.equal(r.macAttempts, 50, 'one data frame and one APS ack per block, no loss');
    // Bounds from the model: every block is a data MAC transaction and an APS-ack MAC transaction,
    // each with a backoff between 0 and (2^3-1) unit periods; 24 inter-fragment gaps between blocks.
    const data = psduBytes(8 + 2 + 17 + 61);
    const ack = psduBytes(8 + 3 + 17);
    const lo =
      (25 * (macTransactionUs(data, PHY_2_4_GHZ, 0) + macTransactionUs(ack, PHY_2_4_GHZ, 0))) / 1000 +
      24 * 30;
    const hi =
      (25 *
        (macTransactionUs(data, PHY_2_4_GHZ, maxBackoffUs(PHY_2_4_GHZ)) +
          macTransactionUs(ack, PHY_2_4_GHZ, maxBackoffUs(PHY_2_4_GHZ)))) /
        1000 +
      24 * 30;
    assert.ok(r.transferMs! >= lo - 25 && r.transferMs! <= hi, `${r.transferMs} ms within [${lo}, ${hi}]`);
    assert.ok(r.transferMs! > 500 && r.transferMs! < 2000, 'on the order of a second (HAN.md)');
  });

  it('takes longer at sub-GHz (100 kbit/s) and is identical for equal seeds', () => {
    const a = measureTunnelTransfer({ bytes: 1500, band: 'subGHz', seed: 7 }).report;
    const b = measureTunnelTransfer({ bytes: 1500, band: 'subGHz', seed: 7 }).report;
    const fast = measureTunnelTransfer({ bytes: 1500, seed: 7 }).report;
    assert.deepEqual(a, b);
    assert.ok(a.transferMs! > fast.transferMs! * 1.2, `${a.transferMs} vs ${fast.transferMs}`);
  });

  it('sends a short payload unfragmented with APS security, and the receiver sees the real ZCL frame', () => {
    const h = home();
    const reports: HanTransferReport[] = [];
    const air: HanAirEvent[] = [];
    h.medium.onAir((e) => air.push(e));
    const r = sendTunnelTransfer(h.medium, {
      from: PPMID,
      to: CHF,
      direction: 's2c',
      tunnelId: 3,
      data: payload(40),
      transactionSequenceNumber: 9,
      onComplete: (x) => reports.push(x),
    });
    assert.equal(r.ok, true);
    h.clock.runUntilIdle();
    assert.equal(reports[0].ok, true);
    assert.equal(reports[0].blocks, 1);
    assert.equal(h.received.length, 1);
    const ind = h.received[0];
    assert.equal(ind.from, PPMID);
    assert.equal(ind.secured, true);
    assert.equal(ind.clusterId, 0x0704);
    assert.equal(ind.profileId, 0x0109);
    const t = decodeTunnelFrame(ind.asdu).value;
    assert.equal(t.header.direction, 's2c');
    assert.deepEqual(t.command, { dir: 's2c', cmd: 'TransferData', tunnelId: 3, data: payload(40) });
    // what went on air is ciphertext, and the APS ack came back from the CHF
    assert.deepEqual(
      air.map((e) => [e.from, e.to]),
      [
        [PPMID, CHF],
        [CHF, PPMID],
      ],
    );
    assert.ok(!Buffer.from(air[0].frame).includes(Buffer.from(payload(40))));
  });

  it('refuses tunnel data over 1500 bytes and payloads over the medium limit', () => {
    const h = home();
    const r = sendTunnelTransfer(h.medium, {
      from: PPMID,
      to: CHF,
      direction: 's2c',
      tunnelId: 1,
      data: payload(1501),
    });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, 'too-large');
      assert.ok(r.error instanceof HanError);
      assert.equal(r.error.code, 'HAN_TOO_LARGE');
    }
    const s = h.ppmid.send(CHF, payload(1601));
    assert.equal(s.ok, false);
  });
});

describe('shared channel', () => {
  it('serialises two senders: no two frames on air at once, FIFO, both delivered', () => {
    const h = home();
    const air: HanAirEvent[] = [];
    h.medium.onAir((e) => air.push(e));
    const reports: HanTransferReport[] = [];
    h.ppmid.send(CHF, payload(1200, 'a'), { onComplete: (r) => reports.push(r) });
    h.esme.send(CHF, payload(1200, 'b'), { onComplete: (r) => reports.push(r) });
    h.clock.runUntilIdle();
    assert.equal(reports.length, 2);
    assert.ok(reports.every((r) => r.ok));
    assert.equal(h.received.length, 2);
    assert.deepEqual(h.received.find((d) => d.from === PPMID)?.asdu, payload(1200, 'a'));
    assert.deepEqual(h.received.find((d) => d.from === ESME)?.asdu, payload(1200, 'b'));
    const sorted = [...air].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++)
      assert.ok(sorted[i].start >= sorted[i - 1].end, `overlap at frame ${i}`);
    // the two transfers interleave on the channel (window 1 leaves gaps the other sender uses)
    const senders = sorted.filter((e) => e.to === CHF).map((e) => e.from);
    assert.ok(senders.slice(0, 6).includes(ESME) && senders.slice(0, 6).includes(PPMID));
    // and each takes longer than alone
    const alone = home();
    let single: HanTransferReport | undefined;
    alone.ppmid.send(CHF, payload(1200, 'a'), {
      onComplete: (r) => {
        single = r;
      },
    });
    alone.clock.runUntilIdle();
    assert.ok(Math.max(...reports.map((r) => r.transferMs!)) > single!.transferMs!);
  });

  it('accounts airtime per source over a sliding window (CH-7)', () => {
    const h = home();
    const air: HanAirEvent[] = [];
    h.medium.onAir((e) => air.push(e));
    h.ppmid.send(CHF, payload(1500));
    h.clock.runUntilIdle();
    // the PPMID's data frames, plus the MAC acks it sent for the CHF's APS acks it heard
    const macAckMs = frameAirtimeUs(PHY_2_4_GHZ.macAckPsduBytes, PHY_2_4_GHZ) / 1000;
    const ppmidFrames =
      air.filter((e) => e.from === PPMID).reduce((s, e) => s + (e.end - e.start), 0) +
      air.filter((e) => e.from === CHF && e.heard).length * macAckMs;
    const a = h.medium.airtime(PPMID);
    // tolerance: epoch-millisecond floats resolve about 0.25 us
    assert.ok(Math.abs(a.airtimeMs - ppmidFrames) < 0.01, `${a.airtimeMs} vs ${ppmidFrames}`);
    assert.ok(Math.abs(a.share - a.airtimeMs / 60_000) < 1e-12, 'share of the 60 s window');
    const chfAir = h.medium.airtime(CHF).airtimeMs;
    assert.ok(chfAir > 0, 'the CHF spent airtime on MAC and APS acks');
    const shares = h.medium.airtimeShares(10_000);
    assert.ok(shares.perDevice[PPMID].share > shares.perDevice[CHF].share);
    assert.equal(shares.perDevice[ESME].airtimeMs, 0);
    h.clock.advance(61_000);
    assert.equal(h.medium.airtime(PPMID).airtimeMs, 0, 'the 60 s window has slid past the transfer');
    assert.ok(h.medium.airtime(PPMID, 3_600_000).airtimeMs > 0, 'still inside an hour');
  });
});

describe('loss and retries (seeded)', () => {
  const run = (seed: number, loss: number) => {
    const h = home({ lossProbability: loss }, seed);
    let rep: HanTransferReport | undefined;
    h.ppmid.send(CHF, payload(1500), {
      onComplete: (r) => {
        rep = r;
      },
    });
    h.clock.runUntilIdle();
    return { rep: rep!, h };
  };
  it('recovers from 20 % frame loss with MAC retries, the same way for the same seed', () => {
    const a = run(11, 0.2);
    const b = run(11, 0.2);
    assert.deepEqual(a.rep, b.rep);
    assert.equal(a.rep.ok, true);
    assert.ok(a.rep.macAttempts > 50, `${a.rep.macAttempts} MAC attempts`);
    assert.deepEqual(a.h.received[0].asdu, payload(1500));
    assert.ok((a.h.medium.metrics.snapshot().counters['han.mac.retries'] ?? 0) > 0);
    // another seed draws another loss pattern (which frames needed retries)
    const pattern = (seed: number) => {
      const h = home({ lossProbability: 0.2 }, seed);
      const attempts: number[] = [];
      h.medium.onAir((e) => attempts.push(e.attempt));
      h.ppmid.send(CHF, payload(1500));
      h.clock.runUntilIdle();
      return attempts.join();
    };
    assert.equal(pattern(11), pattern(11));
    assert.notEqual(pattern(11), pattern(12));
  });
  it('uses APS retries when the MAC gives up, and fails as lost once they are spent', () => {
    // 60 % frame loss: a MAC transaction fails 4 times in a row half the time, so APS retries carry it
    const heavy = run(5, 0.6);
    assert.equal(heavy.rep.ok, true);
    assert.ok(heavy.rep.apsRetries > 0, `${heavy.rep.apsRetries} APS retries`);
    assert.deepEqual(heavy.h.received[0].asdu, payload(1500));
    assert.equal(heavy.h.received.length, 1);
    assert.equal(heavy.rep.deliveredAt, heavy.h.received[0].receivedAt);
    const h = home();
    h.medium.setLinkUp(CHF, false);
    let rep: HanTransferReport | undefined;
    h.ppmid.send(CHF, payload(100), {
      onComplete: (r) => {
        rep = r;
      },
    });
    h.clock.runUntilIdle();
    assert.equal(rep?.ok, false);
    assert.equal(rep?.reason, 'lost');
    assert.equal(rep?.apsRetries, 3);
    assert.equal(rep?.macAttempts, 4 * 4, '(1 + 3 APS retries) x (1 + 3 MAC retries)');
    assert.ok(rep!.completedAt - rep!.queuedAt >= 4 * 1600, 'each APS attempt waits apsAckWaitDuration');
  });
  it('a device whose link is down cannot send, and transmits nothing on the home channel', () => {
    const h = home();
    h.medium.setLinkUp(PPMID, false);
    const r = h.ppmid.send(CHF, payload(10));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, 'link-down');
    h.medium.setLinkUp(PPMID, true);
    assert.equal(h.ppmid.send(CHF, payload(10)).ok, true);
    h.clock.runUntilIdle();
    assert.equal(h.received.length, 1);
  });
});

describe('APS security on the medium (CH-9)', () => {
  it('a receiver without the link key rejects the frame and the sender reports it lost', () => {
    const h = home();
    const stranger = '00DB1234567890AF';
    h.medium.attach(stranger, { linkKeyFor: () => linkKeyFromInstallCode(fromSeed('x')) });
    let rep: HanTransferReport | undefined;
    h.medium.send(stranger, CHF, payload(20), {
      onComplete: (r) => {
        rep = r;
      },
    });
    h.clock.runUntilIdle();
    assert.equal(rep?.reason, 'lost');
    assert.ok(h.rejected.length >= 1);
    assert.equal(h.rejected[0].reason, 'unknown-key');
    assert.equal(h.received.length, 0);
  });
  it('rejects a tampered frame (mic-invalid), a replayed frame (replay) and unsecured data', () => {
    const h = home();
    const air: HanAirEvent[] = [];
    h.medium.onAir((e) => air.push(e));
    h.ppmid.send(CHF, payload(30));
    h.clock.runUntilIdle();
    assert.equal(h.received.length, 1);
    const captured = air[0].frame;
    h.medium.transmitRaw(PPMID, CHF, captured);
    const tampered = captured.slice();
    tampered[tampered.length - 6] ^= 0x40;
    h.medium.transmitRaw(PPMID, CHF, tampered);
    const clear = encodeApsFrame(
      {
        frameType: 'data',
        deliveryMode: 'unicast',
        security: false,
        ackRequest: false,
        destinationEndpoint: 1,
        clusterId: 0x0704,
        profileId: 0x0109,
        sourceEndpoint: 1,
        counter: 200,
      },
      payload(10),
    );
    h.medium.transmitRaw(PPMID, CHF, clear);
    // a spoofed source: ESME's EUI in the nonce but the PPMID's key
    const spoof = secureApsFrame({
      header: {
        frameType: 'data',
        deliveryMode: 'unicast',
        security: true,
        ackRequest: false,
        destinationEndpoint: 1,
        clusterId: 0x0704,
        profileId: 0x0109,
        sourceEndpoint: 1,
        counter: 201,
      },
      payload: payload(10),
      linkKey: KEYS[PPMID],
      sourceEui: ESME,
      frameCounter: 999,
    });
    h.medium.transmitRaw(ESME, CHF, spoof);
    h.clock.runUntilIdle();
    assert.deepEqual(
      h.rejected.map((r) => r.reason),
      ['replay', 'mic-invalid', 'unsecured', 'mic-invalid'],
    );
    assert.equal(h.rejected[0].code, 'ZIGBEE_REPLAY');
    assert.equal(h.received.length, 1);
    // counters as a device would persist them; a reset (new key) lets the old counter in again
    assert.equal(h.medium.outgoingFrameCounter(PPMID), 1);
    assert.equal(h.medium.lastAcceptedFrameCounter(CHF, PPMID), 0);
    h.medium.resetPeerFrameCounter(CHF, PPMID);
    h.clock.advance(h.medium.duplicateRejectionMs + 1); // past APS duplicate rejection of the same APS counter
    h.medium.transmitRaw(PPMID, CHF, captured);
    h.clock.runUntilIdle();
    assert.equal(h.received.length, 2);
  });
  it('drops an APS duplicate (ack lost, block resent) but acks it again', () => {
    // heavy loss makes lost APS acks likely; a duplicate must never be delivered twice
    let duplicates = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const h = home({ lossProbability: 0.45 }, seed);
      const reports: HanTransferReport[] = [];
      for (let i = 0; i < 5; i++)
        h.ppmid.send(CHF, payload(30, `m${i}`), { onComplete: (r) => reports.push(r) });
      h.clock.runUntilIdle();
      const delivered = h.received.map((d) => Buffer.from(d.asdu).toString('hex'));
      assert.equal(new Set(delivered).size, delivered.length, `seed ${seed}: no duplicate deliveries`);
      for (const r of reports)
        if (r.ok)
          assert.ok(
            delivered.includes(Buffer.from(payload(30, `m${r.id - 1}`)).toString('hex')),
            `seed ${seed} #${r.id}`,
          );
      duplicates += h.medium.metrics.snapshot().counters['han.rx.duplicates'] ?? 0;
    }
    assert.ok(duplicates > 0, 'the seeds exercised duplicate rejection');
  });
});

describe('radio state across a power cycle (frame counters, APS counter, receive guard)', () => {
  const reattach = (
    h: ReturnType<typeof home>,
    eui: string,
    o: Partial<Parameters<HanMedium['attach']>[1]>,
  ) =>
    h.medium.attach(eui, {
      linkKeyFor: (p) => (eui === CHF ? KEYS[p] : p === CHF ? KEYS[eui] : undefined),
      onData: (d) => h.received.push(d),
      onRejected: (r) => h.rejected.push(r),
      ...o,
    });

  it('a radio that counts APS frames from 0 again loses its first frames to duplicate rejection; its saved APS counter avoids it', () => {
    for (const keepAps of [false, true]) {
      const h = home();
      for (let i = 0; i < 3; i++) h.ppmid.send(CHF, payload(20, `a${i}`));
      h.clock.runUntilIdle();
      assert.equal(h.received.length, 3);
      const saved = h.medium.radioState(PPMID);
      assert.deepEqual([saved.apsCounter, saved.frameCounter], [3, 3]);
      h.medium.detach(PPMID);
      h.clock.advance(1_000); // well inside the CHF's 10 s duplicate-rejection window
      const port = reattach(h, PPMID, {
        frameCounterStart: saved.frameCounter,
        ...(keepAps ? { apsCounterStart: saved.apsCounter } : {}),
      });
      const reports: HanTransferReport[] = [];
      port.send(CHF, payload(20, 'after'), { onComplete: (r) => reports.push(r) });
      h.clock.runUntilIdle();
      // the sender is told ok either way (the duplicate is acked again): only the receiver knows
      assert.equal(reports[0].ok, true);
      assert.equal(h.received.length, keepAps ? 4 : 3, `keepAps=${keepAps}`);
      assert.equal(h.medium.metrics.snapshot().counters['han.rx.duplicates'] ?? 0, keepAps ? 0 : 1);
    }
  });

  it('a restored receive guard keeps the replay window closed after a restart', () => {
    for (const keepGuard of [false, true]) {
      const h = home();
      const captured: Uint8Array[] = [];
      h.medium.onAir((e) => {
        if (e.from === PPMID) captured.push(e.frame);
      });
      h.ppmid.send(CHF, payload(20, 'x'));
      h.clock.runUntilIdle();
      assert.equal(h.received.length, 1);
      const saved = h.medium.radioState(CHF);
      assert.deepEqual(saved.receiveFrameCounters, { [PPMID]: 0 });
      h.medium.detach(CHF);
      h.clock.advance(h.medium.duplicateRejectionMs + 1);
      reattach(h, CHF, {
        frameCounterStart: saved.frameCounter,
        apsCounterStart: saved.apsCounter,
        ...(keepGuard ? { receiveFrameCounters: saved.receiveFrameCounters } : {}),
      });
      h.medium.transmitRaw(PPMID, CHF, captured[0]);
      h.clock.runUntilIdle();
      assert.equal(h.received.length, keepGuard ? 1 : 2, `keepGuard=${keepGuard}`);
      if (keepGuard) assert.equal(h.rejected.at(-1)?.reason, 'replay');
      assert.equal(h.medium.lastAcceptedFrameCounter(CHF, PPMID), 0);
    }
  });

  it('refuses a bad APS counter or guard entry', () => {
    const h = home();
    h.medium.detach(ESME);
    assert.throws(() => reattach(h, ESME, { apsCounterStart: 256 }), /apsCounterStart/);
    assert.throws(() => reattach(h, ESME, { receiveFrameCounters: { [CHF]: -1 } }), /receiveFrameCounters/);
    assert.equal(h.medium.isAttached(ESME), false);
  });
});

describe('receiver reassembly limits', () => {
  const fragment = (
    counter: number,
    ext: { fragmentation: 'first' | 'subsequent'; blockNumber: number },
    fc: number,
  ) =>
    secureApsFrame({
      header: {
        frameType: 'data',
        deliveryMode: 'unicast',
        security: true,
        ackRequest: false,
        destinationEndpoint: 1,
        clusterId: 0x0704,
        profileId: 0x0109,
        sourceEndpoint: 1,
        counter,
        extended: ext,
      },
      payload: payload(61, `f${fc}`),
      linkKey: KEYS[PPMID],
      sourceEui: PPMID,
      frameCounter: fc,
    });
  it('drops an incomplete transfer after the reassembly timeout', () => {
    const h = home();
    h.medium.transmitRaw(PPMID, CHF, fragment(7, { fragmentation: 'first', blockNumber: 3 }, 1));
    h.medium.transmitRaw(PPMID, CHF, fragment(7, { fragmentation: 'subsequent', blockNumber: 2 }, 2));
    h.clock.advance(h.medium.reassemblyTimeoutMs + 100);
    assert.deepEqual(
      h.rejected.map((r) => r.reason),
      ['reassembly-timeout'],
    );
    assert.match(h.rejected[0].message, /blocks missing: 1/);
    assert.equal(h.received.length, 0);
  });
  it('a transfer whose reassembly timed out ends lost at the sender, never ok without delivery', () => {
    const h = home({ reassemblyTimeoutMs: 100, interFragmentGapMs: 200 });
    let rep: HanTransferReport | undefined;
    h.ppmid.send(CHF, payload(500), {
      onComplete: (r) => {
        rep = r;
      },
    });
    h.clock.runUntilIdle();
    assert.equal(rep?.ok, false);
    assert.equal(rep?.reason, 'lost');
    assert.equal(rep?.deliveredAt, undefined);
    assert.equal(h.received.length, 0);
    assert.deepEqual(
      h.rejected.map((r) => r.reason),
      ['reassembly-timeout'],
    );
  });
  it('refuses a transfer growing past maxAsduSize and a block outside the announced total', () => {
    const h = home();
    h.medium.transmitRaw(PPMID, CHF, fragment(8, { fragmentation: 'first', blockNumber: 40 }, 1));
    for (let b = 1; b < 30; b++)
      h.medium.transmitRaw(PPMID, CHF, fragment(8, { fragmentation: 'subsequent', blockNumber: b }, b + 1));
    h.medium.transmitRaw(PPMID, CHF, fragment(9, { fragmentation: 'first', blockNumber: 2 }, 100));
    h.medium.transmitRaw(PPMID, CHF, fragment(9, { fragmentation: 'subsequent', blockNumber: 5 }, 101));
    h.clock.runUntilIdle();
    assert.deepEqual(
      h.rejected.map((r) => [r.reason, r.code]),
      [
        ['too-large', 'ZIGBEE_REASSEMBLY_TOO_LARGE'],
        ['fragment-invalid', 'ZIGBEE_FRAGMENT_INVALID'],
      ],
    );
    assert.equal(h.received.length, 0);
    assert.ok(
      (h.medium.metrics.snapshot().counters['han.rx.afterRejection'] ?? 0) >= 3,
      'rest of the rejected transfer dropped',
    );
    h.clock.advance(h.medium.reassemblyTimeoutMs + 100);
    assert.equal(h.rejected.length, 2, 'no reassembly left behind to time out');
  });
});

describe('bounded transmit queues (CH-8)', () => {
  it('refuses beyond capacity with queue-full and counts depth, high-water mark and drops', () => {
    const h = home({ txQueueCapacity: 3 });
    // an idle radio takes the first message on air at once; the queue holds the 3 behind it
    const results = Array.from({ length: 5 }, (_, i) => h.ppmid.send(CHF, payload(20, `q${i}`)));
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.reason)),
      ['ok', 'ok', 'ok', 'ok', 'queue-full'],
    );
    assert.equal(h.medium.queueDepth(PPMID), 3);
    h.clock.runUntilIdle();
    assert.equal(h.received.length, 4);
    const snap = h.medium.metrics.snapshot();
    assert.equal(snap.counters[`han.txq.${PPMID}.dropped`], 1);
    assert.equal(snap.gauges[`han.txq.${PPMID}.depth`].highWater, 3);
    assert.equal(snap.gauges[`han.txq.${PPMID}.depth`].value, 0);
    assert.equal(snap.counters['han.refused.queue-full'], 1);
  });
  it('fails queued transfers with not-attached when the device detaches', () => {
    const h = home();
    const reasons: string[] = [];
    for (let i = 0; i < 3; i++)
      h.ppmid.send(CHF, payload(500), { onComplete: (r) => reasons.push(r.reason ?? 'ok') });
    h.clock.advance(50);
    h.ppmid.detach();
    h.clock.runUntilIdle();
    assert.deepEqual(reasons, ['not-attached', 'not-attached', 'not-attached']);
  });
});

describe('sub-GHz duty cycle (PP-4)', () => {
  it('maps usage to states at the thresholds', () => {
    const t = DEFAULT_DUTY_CYCLE;
    assert.deepEqual(
      [0, 0.99, 1.0, 1.79, 1.8, 2.49, 2.5, 9].map((p) => dutyCycleStateFor(p, t)),
      ['Normal', 'Normal', 'Limited', 'Limited', 'Critical', 'Critical', 'Suspended', 'Suspended'],
    );
  });
  it('computes when a sliding window falls to a target', () => {
    const log = new AirtimeLog(3_600_000);
    log.record(0, 1000);
    log.record(5000, 7000);
    assert.equal(log.usedMs(10_000, 3_600_000), 3000);
    assert.equal(log.timeUsageFallsTo(10_000, 3_600_000, 2000), 3_601_000);
    assert.equal(log.timeUsageFallsTo(10_000, 3_600_000, 500), 3_606_500);
    assert.equal(log.usedMs(3_606_500, 3_600_000), 500);
  });
  it('keeps only the intervals a window can reach, also when nobody asks (a month of polls)', () => {
    const log = new AirtimeLog(3_600_000);
    const HALF_HOUR = 1_800_000;
    for (let i = 0; i < 48 * 30; i++) log.record(i * HALF_HOUR, i * HALF_HOUR + 4);
    assert.ok(log.size <= 40, `kept ${log.size} intervals`);
    assert.equal(log.lifetimeMs, 48 * 30 * 4);
    const now = 48 * 30 * HALF_HOUR;
    assert.equal(log.usedMs(now, 3_600_000), 8);
  });
  it('moves Normal -> Limited -> Critical -> Suspended under load, refuses while Suspended, recovers as the hour slides', () => {
    const h = home({ band: 'subGHz' });
    const changes: Array<{ at: number; eui: string; state: DutyCycleState; pct: number }> = [];
    h.medium.onDutyCycleChange((eui, state) =>
      changes.push({ at: h.clock.now(), eui, state, pct: h.medium.dutyCycleUsedPct(eui) }),
    );
    const t0 = h.clock.now();
    let refused: unknown;
    for (let i = 0; i < 1000 && !refused; i++) {
      let done = false;
      const r = h.ppmid.send(CHF, payload(1500), {
        onComplete: () => {
          done = true;
        },
      });
      if (!r.ok) refused = r.error;
      // wait for this transfer only: the duty-cycle recovery timer keeps the clock busy otherwise
      else h.clock.runUntilIdle({ until: () => done });
    }
    assert.ok(refused instanceof HanDutyCycleSuspendedError, String(refused));
    assert.equal(h.ppmid.dutyCycleState(), 'Suspended');
    // the CHF pays for its APS and MAC acks too (about 60 % of the sender's airtime), but less
    assert.ok(
      h.medium.dutyCycleUsedPct(CHF) > 1 && h.medium.dutyCycleUsedPct(CHF) < h.medium.dutyCycleUsedPct(PPMID),
    );
    assert.notEqual(h.medium.dutyCycleState(CHF), 'Suspended');
    const mine = changes.filter((c) => c.eui === PPMID);
    assert.deepEqual(
      mine.map((c) => c.state),
      ['Limited', 'Critical', 'Suspended'],
    );
    assert.ok(mine[0].pct >= 1.0 && mine[0].pct < 1.1, `Limited at ${mine[0].pct} %`);
    assert.ok(mine[1].pct >= 1.8 && mine[1].pct < 1.9, `Critical at ${mine[1].pct} %`);
    assert.ok(mine[2].pct >= 2.5 && mine[2].pct < 2.6, `Suspended at ${mine[2].pct} %`);
    assert.ok(h.clock.now() - t0 < 3_600_000, 'reached within the hour');
    // no transmission is possible while Suspended: transmitRaw refuses too
    assert.equal(h.medium.transmitRaw(PPMID, CHF, new Uint8Array(20)).ok, false);
    // recovery: advance without traffic; states step down as the window sheds airtime
    h.clock.advance(3_600_000);
    const down = changes.filter((c) => c.eui === PPMID).slice(3);
    assert.deepEqual(
      down.map((c) => c.state),
      ['Critical', 'Limited', 'Normal'],
    );
    assert.ok(down[0].pct < 2.5 && down[0].pct > 2.49, `left Suspended at ${down[0].pct}`);
    assert.ok(down[2].pct < 1.0 && down[2].pct > 0.99, `back to Normal at ${down[2].pct}`);
    assert.equal(h.ppmid.send(CHF, payload(10)).ok, true);
  });
  it('is always Normal at 2.4 GHz', () => {
    const h = home();
    for (let i = 0; i < 50; i++) h.ppmid.send(CHF, payload(1500));
    h.clock.runUntilIdle();
    assert.equal(h.ppmid.dutyCycleState(), 'Normal');
  });
});
