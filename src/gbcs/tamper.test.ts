/**
 * Tampering and fuzzing: a changed byte must never verify, and bad input must
 * only ever produce typed GbcsErrors (never an untyped exception, a crash or
 * a hang). Exhaustive single-byte flips over a representative set, random
 * flips over the whole corpus, and fast-check properties over random and
 * mutated input for decode and peekRouting.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RTDS_KEYSTORE, rtdsMessages } from '../../test/support/fixtures.ts';
import { SeededRandom } from '../runtime/random.ts';
import {
  type CheckResult,
  decode,
  GbcsError,
  type GbcsMessage,
  loadKeyStoreDir,
  peekRouting,
  RoutingInfo,
  SecurityContext,
} from './index.ts';

const messages = rtdsMessages();
const ctx = new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) });

type Outcome = { error: GbcsError } | { mac: CheckResult; signature: CheckResult; message: GbcsMessage };

function check(bytes: Uint8Array): Outcome {
  try {
    const f = decode(bytes);
    if (f.envelope === 'gbt') throw new Error('unexpected GBT');
    return { mac: ctx.verifyMac(f), signature: ctx.verifySignature(f), message: f };
  } catch (err) {
    if (err instanceof GbcsError) return { error: err };
    throw err; // an untyped exception fails the test
  }
}

/**
 * A flipped byte of a protected message (MAC or signature) must be caught: a
 * typed error, or at least one check `invalid`/`no-key`. A check may only stay
 * `valid` if the byte lies outside what it covers: the MAC covers the whole
 * APDU and the General Ciphering header (IV, AAD), so it never may; the
 * signature covers the APDU from byte 1 to the end of the content plus the
 * signature itself, so it may stay valid when only the ciphering header or
 * the MAC changed (the MAC then fails).
 */
function assertCaught(name: string, original: GbcsMessage, bytes: Uint8Array, at: number): void {
  const o = check(bytes);
  if ('error' in o) {
    assert.equal(typeof o.error.code, 'string');
    return;
  }
  const where = `${name} byte ${at}`;
  assert.notEqual(o.mac, 'valid', `${where}: MAC still valid`);
  const apduStart = original.apdu.byteOffset - original.bytes.byteOffset;
  const signedOrSignature = at > apduStart && at < apduStart + original.apdu.length;
  if (signedOrSignature) assert.notEqual(o.signature, 'valid', `${where}: signature still valid`);
  const protectedMsg = original.mac !== null || original.signature !== null;
  if (protectedMsg)
    assert.ok(
      o.mac === 'invalid' || o.signature === 'invalid' || o.mac === 'no-key' || o.signature === 'no-key',
      `${where}: tampering not detected (${o.mac}/${o.signature})`,
    );
}

/** One message of each shape: DD signed command, DD unsigned command, DF signed response, DD response, DF alert, DD alert, other-info with a certificate, a date-time response. */
function representative(): typeof messages {
  const picks = new Map<string, (typeof messages)[number]>();
  for (const m of messages) {
    const d = decode(m.bytes) as GbcsMessage;
    if (m.kind === 'PRECOMMAND') continue;
    if (m.useCase === 'PCS01' || m.useCase === 'PCS02') continue;
    const key = `${d.envelope}/${d.cra}/${d.signatureField}/${d.otherInfo.certificate ? 'cert' : ''}/${d.dateTime ? 'dt' : ''}/${d.layout.contentLengthForm}`;
    if (!picks.has(key)) picks.set(key, m);
  }
  return [...picks.values()];
}

describe('tampering (every byte of a representative set)', () => {
  const set = representative();
  it('covers several shapes', () => assert.ok(set.length >= 8, `only ${set.length}`));
  for (const m of set) {
    it(`${m.name}: every single-byte flip is caught`, () => {
      const original = decode(m.bytes) as GbcsMessage;
      for (let i = 0; i < m.bytes.length; i++) {
        for (const mask of [0xff, 0x01]) {
          const t = m.bytes.slice();
          t[i] ^= mask;
          assertCaught(m.name, original, t, i);
        }
      }
    });
  }
});

describe('tampering (random bytes of every message)', () => {
  const rnd = new SeededRandom('gbcs-tamper');
  it('random single-byte changes never verify and only raise typed errors', () => {
    for (const m of messages) {
      const original = decode(m.bytes) as GbcsMessage;
      for (let k = 0; k < 6; k++) {
        const i = rnd.int(m.bytes.length);
        const t = m.bytes.slice();
        t[i] ^= 1 + rnd.int(255);
        assertCaught(m.name, original, t, i);
      }
    }
  });
});

function typedOnly(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof GbcsError;
  }
}

describe('property: decode and peekRouting raise typed errors only', () => {
  const info = new RoutingInfo();
  const fixtureArb = fc.constantFrom(...messages.map((m) => m.bytes));
  const mutated = fc
    .tuple(
      fixtureArb,
      fc.array(
        fc.record({
          op: fc.constantFrom('set', 'insert', 'delete', 'truncate'),
          at: fc.nat(),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([base, edits]) => {
      let b = Array.from(base);
      for (const e of edits) {
        const at = b.length === 0 ? 0 : e.at % b.length;
        if (e.op === 'set') b[at] = e.value;
        else if (e.op === 'insert') b.splice(at, 0, e.value);
        else if (e.op === 'delete') b.splice(at, 1);
        else b = b.slice(0, at);
      }
      return Uint8Array.from(b);
    });
  /** Random bytes that start like a GBCS frame, so the decoder gets past the first byte. */
  const framed = fc
    .tuple(fc.constantFrom(0xdd, 0xdf, 0xe0), fc.uint8Array({ maxLength: 600 }))
    .map(([tag, rest]) => Uint8Array.of(tag, ...rest));

  for (const [label, arb] of [
    ['random bytes', fc.uint8Array({ maxLength: 400 })],
    ['random framed bytes', framed],
    ['mutated fixtures', mutated],
  ] as const) {
    it(`${label}: decode`, () => {
      fc.assert(
        fc.property(arb, (b) => typedOnly(() => decode(b))),
        { numRuns: 3000, seed: 20260101 },
      );
    });
    it(`${label}: peekRouting`, () => {
      fc.assert(
        fc.property(arb, (b) => typedOnly(() => peekRouting(b, info))),
        { numRuns: 3000, seed: 20260102 },
      );
    });
    it(`${label}: decode + verify never throws untyped and never validates a changed fixture`, () => {
      fc.assert(
        fc.property(arb, (b) =>
          typedOnly(() => {
            const f = decode(b);
            if (f.envelope === 'gbt') return;
            const known = messages.find(
              (m) => m.bytes.length === b.length && Buffer.compare(m.bytes, b) === 0,
            );
            const mac = ctx.verifyMac(f);
            const sig = ctx.verifySignature(f);
            if (!known && label === 'mutated fixtures') {
              // a mutated fixture that still decodes must not verify as the original did
              assert.ok(!(mac === 'valid' && sig === 'valid'), 'mutated message fully valid');
            }
          }),
        ),
        { numRuns: 1500, seed: 20260103 },
      );
    });
  }
});
