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
 *   alternating rounds so that load moving between them does not skew it;
 * - gbcs.decodeVerify.before: the same decodeVerify of the tree before the
 *   use-case catalogue (PRE_CATALOGUE, 955b0d3's parent; or
 *   GBCS_BENCH_BEFORE=<commit>, `off` to skip), its src/ extracted with
 *   `git archive` into a temporary directory and imported from there (its own
 *   modules), measured in the same alternating rounds: decodeVerify reports
 *   cpuOverBefore (CPU ms per message now / then). Issue 11: the catalogue
 *   must not slow the verify path. security.ts and decode.ts are unchanged
 *   since that commit; keystore.ts and crypto.ts changed.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, verify } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/** The last commit before the use-case catalogue (955b0d3) entered src/gbcs. */
export const PRE_CATALOGUE = '2874f43';

type VerifyOnly = { decodeVerify(b: Uint8Array): { mac: string; signature: string } };

/**
 * The SecurityContext of an older tree: its src/ from `git archive`, in a
 * directory of its own (node_modules linked to this checkout's), imported as
 * separate modules. A reason string when it cannot be had (no git, unknown commit).
 */
async function olderVerifier(commit: string): Promise<VerifyOnly | string> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = join(tmpdir(), `ppmid-relay-gbcs-before-${commit}`);
  try {
    if (!existsSync(join(dir, 'src', 'gbcs', 'index.ts'))) {
      mkdirSync(dir, { recursive: true });
      const tar = execFileSync('git', ['-C', root, 'archive', commit, 'src'], { maxBuffer: 1 << 28 });
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
      if (!existsSync(join(dir, 'node_modules')))
        symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    }
    const mod = (await import(pathToFileURL(join(dir, 'src', 'gbcs', 'index.ts')).href)) as {
      SecurityContext: new (o: { keyStore: unknown }) => VerifyOnly;
      loadKeyStoreDir: (d: string) => unknown;
    };
    return new mod.SecurityContext({ keyStore: mod.loadKeyStoreDir(RTDS_KEYSTORE) });
  } catch (err) {
    return `${commit}: ${err instanceof Error ? err.message.split('\n')[0] : err}`;
  }
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
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
  // decodeVerify, its floor and (when it can be had) the pre-catalogue decodeVerify alternate (6 rounds each):
  // their ratios compare like with like on a loaded machine
  const beforeSpec = process.env.GBCS_BENCH_BEFORE ?? PRE_CATALOGUE;
  const before = beforeSpec === 'off' ? 'GBCS_BENCH_BEFORE=off' : await olderVerifier(beforeSpec);
  const cases = [verifyCase, floorCase];
  if (typeof before !== 'string') {
    for (const b of corpus) before.decodeVerify(b); // warm its key caches
    cases.push({
      name: 'gbcs.decodeVerify.before',
      warmupMs,
      budgetMs: budgetMs / 3,
      batch: () => {
        for (let i = 0; i < n; i++) {
          const v = before.decodeVerify(corpus[i]);
          if (v.mac === 'invalid' || v.signature === 'invalid')
            throw new Error('fixture failed to verify (before)');
        }
        return n;
      },
    });
  }
  const [verifyResult, floor, then] = measureInterleaved(cases, 6);
  results.push({
    ...verifyResult,
    extra: {
      ratioToCryptoFloor: verifyResult.opsPerSec / floor.opsPerSec,
      cpuOverFloor: (verifyResult.cpuMsPerOp ?? 0) / (floor.cpuMsPerOp ?? 1),
      ...(then
        ? { cpuOverBefore: (verifyResult.cpuMsPerOp ?? 0) / (then.cpuMsPerOp ?? 1), before: beforeSpec }
        : { before: `not measured (${before})` }),
    },
  });
  results.push(floor);
  if (then)
    results.push({ ...then, extra: { cpuOverFloor: (then.cpuMsPerOp ?? 0) / (floor.cpuMsPerOp ?? 1) } });
  if (sink === -1) console.log(sink);
  return results;
}
