/**
 * Device-side command checks (ARCHITECTURE conformance anchor: an ESME
 * holding the RTDS key accepts the RTDS commands addressed to it and rejects
 * tampered, replayed and misaddressed ones).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../test/support/fixtures.ts';
import {
  checkCommand,
  decodeMessage,
  loadKeyStoreDir,
  MemoryKeyStore,
  ReplayGuard,
  SecurityContext,
} from './index.ts';

const ESME = '00DB1234567890A0';
const full = loadKeyStoreDir(RTDS_KEYSTORE);
// The ESME's own view: its KA private key and everyone's certificates, no remote-party private key.
const esmeStore = new MemoryKeyStore();
for (const e of full.entries()) {
  if (e.certificate) esmeStore.addCertificate(e.certificate, e.slot);
}
esmeStore.addPrivateKey(ESME, 'ka', full.privateKey(ESME, 'ka')!);
const security = new SecurityContext({ keyStore: esmeStore });

const commands = rtdsMessages().filter(
  (m) => m.kind === 'COMMAND' && m.bytes[0] === 0xdd && decodeMessage(m.bytes).recipient === ESME,
);

describe('checkCommand at the RTDS ESME', () => {
  it('accepts every RTDS command addressed to it (fresh guard per message)', () => {
    assert.ok(commands.length > 100, `${commands.length}`);
    for (const m of commands) {
      const r = checkCommand(m.bytes, { device: ESME, security, replay: new ReplayGuard() });
      assert.ok(r.accepted, `${m.name}: ${r.accepted ? '' : r.reason}`);
    }
  });

  it('rejects a replay, then accepts a higher counter', () => {
    const replay = new ReplayGuard();
    const [a] = commands;
    assert.ok(checkCommand(a.bytes, { device: ESME, security, replay }).accepted);
    const again = checkCommand(a.bytes, { device: ESME, security, replay });
    assert.equal(again.accepted ? 'accepted' : again.reason, 'replay');
    const restored = ReplayGuard.restore(replay.snapshot());
    const r = checkCommand(a.bytes, { device: ESME, security, replay: restored });
    assert.equal(r.accepted ? 'accepted' : r.reason, 'replay', 'survives a snapshot');
  });

  it('rejects tampered, misaddressed, stripped-signature and malformed commands', () => {
    const signed = commands.find((m) => decodeMessage(m.bytes).signature !== null)!;
    const t = signed.bytes.slice();
    t[t.length - 20] ^= 1;
    const tampered = checkCommand(t, { device: ESME, security, replay: new ReplayGuard() });
    assert.equal(tampered.accepted ? '' : tampered.reason, 'mac-invalid');
    const mis = checkCommand(signed.bytes, {
      device: '00DB1234567890A1',
      security,
      replay: new ReplayGuard(),
    });
    assert.equal(mis.accepted ? '' : mis.reason, 'misaddressed');
    const bad = checkCommand(signed.bytes.subarray(0, 40), {
      device: ESME,
      security,
      replay: new ReplayGuard(),
    });
    assert.equal(bad.accepted ? '' : bad.reason, 'malformed');
    // a critical command re-MAC'd by a holder of the ACB key but without its signature
    const fullCtx = new SecurityContext({ keyStore: full });
    const msg = decodeMessage(signed.bytes);
    const apdu = msg.apdu.slice(0, 1 + msg.signedData.length);
    const unsigned = fullCtx.wrap(apdu);
    const r = checkCommand(unsigned, { device: ESME, security, replay: new ReplayGuard() });
    assert.equal(r.accepted ? '' : r.reason, 'signature-missing');
  });

  it('a response is not a command', () => {
    const resp = rtdsMessages().find((m) => m.kind === 'RESPONSE')!;
    const r = checkCommand(resp.bytes, { device: ESME, security, replay: new ReplayGuard() });
    assert.equal(r.accepted ? '' : r.reason, 'not-a-command');
  });
});
