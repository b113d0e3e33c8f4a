/**
 * Table-driven over every RTDS message: decoding, CRA, MAC, signature,
 * byte-exact round trip and peekRouting agree with the fixtures
 * (ARCHITECTURE "Conformance anchors": GBCS).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../test/support/fixtures.ts';
import { bytesEqual } from '../runtime/bytes.ts';
import {
  decode,
  encode,
  type GbcsMessage,
  loadKeyStoreDir,
  peekRouting,
  RoutingInfo,
  SecurityContext,
} from './index.ts';

const messages = rtdsMessages();
const ctx = new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) });

const CRA_OF_KIND: Record<string, string> = {
  COMMAND: 'command',
  PRECOMMAND: 'command',
  RESPONSE: 'response',
  ALERT: 'alert',
};

/** PPMID-to-GSME top-ups: neither party's KA private key is in the RTDS keystore. */
const NO_KEY_USE_CASES = new Set(['PCS01', 'PCS02']);

describe('RTDS messages (GBCS 7.2)', () => {
  it('has the whole corpus', () => {
    assert.ok(messages.length >= 700, `only ${messages.length} messages`);
  });

  it('every file kind is one of the four (odd extra words such as ..._ALERT_PAYMENT_MODE still name ALERT)', () => {
    for (const m of messages) assert.ok(CRA_OF_KIND[m.kind], `${m.name}: kind ${m.kind}`);
  });

  for (const m of messages) {
    it(m.name, () => {
      const frame = decode(m.bytes);
      assert.notEqual(frame.envelope, 'gbt');
      const msg = frame as GbcsMessage;
      assert.equal(msg.cra, CRA_OF_KIND[m.kind], 'CRA matches the file kind');
      // byte-exact round trip
      assert.ok(bytesEqual(encode(msg), m.bytes), 'encode(decode(x)) === x');
      // signature: pre-commands have none; every other signature verifies
      if (m.kind === 'PRECOMMAND') {
        assert.equal(msg.signatureField, 'absent');
        assert.equal(msg.envelope, 'general-signing');
      }
      const sig = ctx.verifySignature(msg);
      assert.ok(sig === 'valid' || sig === 'absent', `signature ${sig}`);
      if (msg.signatureField === 'present') assert.equal(sig, 'valid');
      // MAC: valid for every General Ciphering message except PCS01/PCS02 (no keys)
      const mac = ctx.verifyMac(msg);
      if (msg.envelope === 'general-signing') assert.equal(mac, 'absent');
      else if (NO_KEY_USE_CASES.has(m.useCase)) assert.equal(mac, 'no-key');
      else assert.equal(mac, 'valid');
      // peekRouting agrees with the full decode
      const r = peekRouting(m.bytes, new RoutingInfo());
      assert.equal(r.cra, msg.cra);
      assert.equal(r.targetEui, msg.recipient);
      assert.equal(r.originatorEui, msg.originator);
      assert.equal(r.originatorCounter, msg.originatorCounter);
      assert.equal(r.messageCode, msg.messageCode);
      assert.equal(r.target, BigInt(`0x${msg.recipient}`));
    });
  }
});
