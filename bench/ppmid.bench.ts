/**
 * Enhanced PPMID benchmarks (one process, after warm-up):
 * - ppmid.envelope.sign: build + ECDSA-sign one delivery envelope (ECS17b inside);
 * - ppmid.envelope.verify: decode + signature check;
 * - ppmid.inbox.accept: one envelope through every PP-2 check into the outbox,
 *   with its signed `accepted-queued` report (HAN not ready: nothing sent);
 * - ppmid.inbox.reject: a forged envelope (bad signature) refused and reported;
 * - ppmid.relay: accept + forward over a zero-latency fake HAN + `forwarded` report.
 * Commands carry increasing counters, prepared in advance (the PPMID does not check the ACB MAC).
 */
import {
  decodeEnvelope,
  generateSigningKeyPair,
  identifiedKey,
  signEnvelope,
  verifyEnvelopeSignature,
} from '../src/delivery/index.ts';
import { makeSignedEnvelope, requestIdForCommand } from '../src/devices/ppmid/atps.ts';
import { Ppmid } from '../src/devices/ppmid/ppmid.ts';
import { FakeUplink, makePpmidKit } from '../src/devices/ppmid/testing.ts';
import { decodeMessage, encodeApdu, encodeGeneralCiphering } from '../src/gbcs/index.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { configureLogging } from '../src/runtime/logger.ts';
import { rtdsMessages } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  configureLogging({ spec: 'ppmid=error' });
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 100 : 300;
  const kit = await makePpmidKit();
  const key = kit.supplierKeys.get('90B3D51F30010000')!.privateKey;
  const base = decodeMessage(
    rtdsMessages().find((m) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX')!.bytes,
  );
  const N = quick ? 3000 : 30000;
  const now = kit.clock.now();
  const gbcsAt = (i: number) =>
    encodeGeneralCiphering(
      encodeApdu({
        cra: 'command',
        originatorCounter: 0x10000n + BigInt(i),
        originator: base.originator,
        recipient: base.recipient,
        dateTime: null,
        otherInfo: base.otherInfo,
        content: base.content,
        signature: null,
      }),
      base.mac!,
    );
  const envelopes = Array.from({ length: N }, (_, i) =>
    makeSignedEnvelope({
      gbcs: gbcsAt(i),
      ppmid: kit.ppmid.eui,
      supplierId: '90B3D51F30010000',
      deliveryKey: key,
      createdAt: now,
    }),
  );
  const forged = makeSignedEnvelope({
    gbcs: gbcsAt(0),
    ppmid: kit.ppmid.eui,
    supplierId: '90B3D51F30010000',
    deliveryKey: generateSigningKeyPair().privateKey,
    createdAt: now,
  });
  forged.set(envelopes[0].subarray(28, 36), 28);
  const fields = {
    envelopeId: '00'.repeat(16),
    supplierId: '90B3D51F30010000',
    ppmid: kit.ppmid.eui,
    requestId: requestIdForCommand(gbcsAt(0)),
    createdAt: now,
    expiresAt: now + 3600_000,
    gbcs: gbcsAt(0),
  };
  const pub = identifiedKey(kit.supplierKeys.get('90B3D51F30010000')!.publicKey);
  const keyId = pub.keyId;
  const fresh = (ready: boolean) => {
    const clock = new VirtualClock(now);
    const p = new Ppmid({ ...kit.options, clock, maxOutbox: N + 1, maxSeen: 2 * N + 2 });
    const u = new FakeUplink(clock);
    u.ready = ready;
    u.latencyMs = 0;
    p.attachUplink(u);
    p.onStatusReport(() => {});
    return { p, clock };
  };
  const out: BenchResult[] = [];
  out.push(
    measure({
      name: 'ppmid.envelope.sign',
      warmupMs,
      budgetMs,
      batch: () => {
        signEnvelope(fields, key, keyId);
        return 1;
      },
    }),
  );
  out.push(
    measure({
      name: 'ppmid.envelope.verify',
      warmupMs,
      budgetMs,
      batch: () => {
        verifyEnvelopeSignature(decodeEnvelope(envelopes[0]), [pub]);
        return 1;
      },
    }),
  );
  for (const [name, ready] of [
    ['ppmid.inbox.accept', false],
    ['ppmid.relay', true],
  ] as const) {
    let s = fresh(ready);
    let i = 0;
    out.push(
      measure({
        name,
        warmupMs,
        budgetMs,
        batch: () => {
          if (i >= N) {
            s = fresh(ready);
            i = 0;
          }
          s.p.deliverEnvelope(envelopes[i++]);
          if (ready) s.clock.advance(1);
          return 1;
        },
      }),
    );
  }
  const r = fresh(false);
  out.push(
    measure({
      name: 'ppmid.inbox.reject',
      warmupMs,
      budgetMs,
      batch: () => {
        r.p.deliverEnvelope(forged);
        return 1;
      },
    }),
  );
  return out;
}
