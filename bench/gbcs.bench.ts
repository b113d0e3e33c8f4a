/**
 * GBCS codec benchmarks over the RTDS corpus (one process, after warm-up):
 * - gbcs.peekRouting: routing facts only (the CH hot path, GBCS 10.8.2),
 *   including the target as the bigint a routing Map is keyed by;
 * - gbcs.decode: full decode without crypto;
 * - gbcs.decodeVerify: full decode + MAC + signature (shared secrets cached);
 * - gbcs.cryptoFloor: only the unavoidable crypto of the same mix (one ECDSA
 *   verify per signature, one KDF SHA-256 and one GMAC per MAC with keys),
 *   inputs prepared in advance; decodeVerify reports its ratio to it
 *   (ops/s, and CPU ms per message as cpuOverFloor), the two measured in
 *   alternating rounds so that load moving between them does not skew it.
 */
import { createCipheriv, createHash, verify } from 'node:crypto';
import {
  decode,
  type GbcsMessage,
  kdfOtherInfo,
  loadKeyStoreDir,
  peekRouting,
  RoutingInfo,
  SecurityContext,
} from '../src/gbcs/index.ts';
import { RTDS_KEYSTORE, rtdsMessages } from '../test/support/fixtures.ts';
import { type BenchResult, measure, measureInterleaved } from './harness.ts';

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const corpus = rtdsMessages().map((m) => m.bytes);
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 100 : 300;
  const n = corpus.length;
  const results: BenchResult[] = [];

  const info = new RoutingInfo();
  let sink = 0;
  results.push(
    measure({
      name: 'gbcs.peekRouting',
      warmupMs,
      budgetMs,
      batch: () => {
        for (let i = 0; i < n; i++) {
          const r = peekRouting(corpus[i], info);
          if (r.target === 0n) sink++;
          sink += r.messageCode + r.craFlag;
        }
        return n;
      },
    }),
  );

  results.push(
    measure({
      name: 'gbcs.decode',
      warmupMs,
      budgetMs,
      batch: () => {
        for (let i = 0; i < n; i++) sink += decode(corpus[i]).bytes.length;
        return n;
      },
    }),
  );

  const ctx = new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) });
  for (const b of corpus) ctx.decodeVerify(b); // warm the key caches
  const verifyCase = {
    name: 'gbcs.decodeVerify',
    warmupMs,
    budgetMs: budgetMs / 3,
    batch: () => {
      for (let i = 0; i < n; i++) {
        const v = ctx.decodeVerify(corpus[i]);
        if (v.mac === 'invalid' || v.signature === 'invalid') throw new Error('fixture failed to verify');
      }
      return n;
    },
  };

  // The crypto floor: the same mix, only the unavoidable operations, inputs precomputed.
  type Work = {
    sig?: { data: Uint8Array; sig: Uint8Array; key: import('node:crypto').KeyObject };
    mac?: { z: Uint8Array; otherInfo: Uint8Array; iv: Buffer; aad: Buffer };
  };
  const work: Work[] = corpus.map((b) => {
    const m = decode(b) as GbcsMessage;
    const w: Work = {};
    if (m.signature) {
      const key = ctx.keyStore.publicKey(ctx.signerOf(m), 'ds');
      if (key) w.sig = { data: m.signedData, sig: m.signature, key };
    }
    if (m.mac) {
      const p = ctx.macParties(m.craFlag, m.originator, m.recipient);
      const z = ctx.sharedSecret(p.a, p.b);
      if (z) {
        const a = m.apdu;
        w.mac = {
          z,
          otherInfo: kdfOtherInfo(a.subarray(12, 20), m.craFlag, a.subarray(3, 11), a.subarray(21, 29)),
          iv: Buffer.concat([a.subarray(12, 20), Buffer.alloc(4)]),
          aad: Buffer.concat([Buffer.from([0x11, 0, 0, 0, 0, 0]), a]),
        };
      }
    }
    return w;
  });
  const one = Buffer.from([0, 0, 0, 1]);
  const floorCase = {
    name: 'gbcs.cryptoFloor',
    warmupMs,
    budgetMs: budgetMs / 3,
    batch: () => {
      for (let i = 0; i < n; i++) {
        const w = work[i];
        if (w.sig && !verify('sha256', w.sig.data, { key: w.sig.key, dsaEncoding: 'ieee-p1363' }, w.sig.sig))
          throw new Error('floor: signature');
        if (w.mac) {
          const key = createHash('sha256')
            .update(one)
            .update(w.mac.z)
            .update(w.mac.otherInfo)
            .digest()
            .subarray(0, 16);
          const c = createCipheriv('aes-128-gcm', key, w.mac.iv);
          c.setAAD(w.mac.aad);
          c.final();
          sink += c.getAuthTag()[0];
        }
      }
      return n;
    },
  };
  // decodeVerify and its floor alternate (6 rounds each): their ratio compares like with like on a loaded machine
  const [verifyResult, floor] = measureInterleaved([verifyCase, floorCase], 6);
  results.push({
    ...verifyResult,
    extra: {
      ratioToCryptoFloor: verifyResult.opsPerSec / floor.opsPerSec,
      cpuOverFloor: (verifyResult.cpuMsPerOp ?? 0) / (floor.cpuMsPerOp ?? 1),
    },
  });
  results.push(floor);
  if (sink === -1) console.log(sink);
  return results;
}
