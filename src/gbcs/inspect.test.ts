/**
 * inspect(): the full decode people see (CLI, dashboards) over every RTDS
 * message: no failures, the payload decoded, every encrypted block opened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../test/support/fixtures.ts';
import { inspect, inspectToJson, loadKeyStoreDir, renderInspect, SecurityContext } from './index.ts';

const security = new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) });
const messages = rtdsMessages();

describe('inspect over the RTDS corpus', () => {
  it('decodes, verifies and decodes the payload of every message', () => {
    for (const m of messages) {
      const r = inspect(m.bytes, security);
      assert.equal(r.error, null, m.name);
      assert.notEqual(r.payloadKind, 'unknown', m.name);
      assert.ok(r.mac !== 'invalid' && r.signature !== 'invalid', m.name);
      const json = inspectToJson(m.name, r);
      assert.equal(json.source, m.name);
      assert.doesNotThrow(() => JSON.stringify(json));
      assert.ok(renderInspect(m.name, r, security).length > 8);
    }
  });

  it('opens every payload-encrypted block and decodes its plaintext', () => {
    let blocks = 0;
    for (const m of messages) {
      if (!m.hex.includes('3100000000')) continue;
      const r = inspect(m.bytes, security);
      assert.ok(r.decrypted.length >= 1, `${m.name}: no block decrypted`);
      for (const d of r.decrypted) {
        assert.equal(d.decoded.error, undefined, `${m.name}: ${d.decoded.error?.message}`);
        assert.ok(d.decoded.dlms || d.decoded.zcl, m.name);
      }
      blocks += r.decrypted.length;
    }
    assert.ok(blocks >= 39, `${blocks}`);
  });

  it('without keys: nothing decrypted, checks read no-key/absent', () => {
    const m = messages.find((x) => x.name.endsWith('ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX'))!;
    const r = inspect(m.bytes);
    assert.equal(r.decrypted.length, 0);
    assert.equal(r.mac, 'no-key');
    assert.equal(r.signature, 'absent');
  });

  it('bad input is an error value, never a throw', () => {
    const r = inspect(Uint8Array.of(0xdf, 0x09));
    assert.equal(r.error?.code, 'GBCS_TRUNCATED');
    assert.equal(r.mac, 'not-checked');
    assert.equal(r.header, null, 'not even the routing header');
    const json = inspectToJson('x', r);
    assert.equal(json.errorCode, 'GBCS_TRUNCATED');
    assert.equal(json.truncated, true);
    assert.equal(json.length, 2);
  });

  it('a truncated message: its routing header, MAC and signature not checked', () => {
    for (const m of messages.slice(0, 40)) {
      const cut = m.bytes.subarray(0, m.bytes.length - 1);
      const r = inspect(cut);
      assert.equal(r.error?.code, 'GBCS_TRUNCATED', m.name);
      assert.deepEqual([r.mac, r.signature], ['not-checked', 'not-checked'], m.name);
      const whole = inspect(m.bytes);
      const f = whole.frame!;
      if (f.envelope === 'gbt') continue;
      assert.deepEqual(
        r.header && [r.header.cra, r.header.originator, r.header.recipient, r.header.messageCode],
        [f.cra, f.originator, f.recipient, f.messageCode],
        m.name,
      );
    }
  });
});
