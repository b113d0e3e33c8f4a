/**
 * The shared device security (devices/security): the authority table and the
 * response shapes against every RTDS message, and DeviceSecurity units
 * (typed verdicts, replay spaces, commit only on demand, snapshot).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { lookupMessageCode } from '../../gbcs/codes/message-codes.ts';
import { decodeMessage, type GbcsMessage, loadKeyStoreDir, type MemoryKeyStore } from '../../gbcs/index.ts';
import { responseCarriesDateTime, responseIsSigned } from '../meter-common/response-shape.ts';
import { type RtdsProfile, rebuildCommand, rtdsEsmeProfile } from '../meter-common/test-support.ts';
import { rulesFor } from './authority.ts';
import { peerFromKeyStore, RTDS_DEVICES, RTDS_PARTIES, rtdsTrustAnchors } from './credentials.ts';
import { DeviceSecurity, placeOriginator } from './device-security.ts';

const all = rtdsMessages();
const decoded = all.flatMap((m) => {
  try {
    return [{ m, d: decodeMessage(m.bytes) }];
  } catch {
    return [];
  }
});
let ks: MemoryKeyStore;
let profile: RtdsProfile;
before(async () => {
  ks = loadKeyStoreDir(RTDS_KEYSTORE);
  profile = await rtdsEsmeProfile(ks);
});

describe('authority table (authority.ts) against the RTDS originators', () => {
  it('every RTDS command comes from a form its use case allows', () => {
    const ta = rtdsTrustAnchors(ks, { peers: [peerFromKeyStore(ks, RTDS_DEVICES.ppmid, 'PPMID')] });
    let n = 0;
    for (const { m, d } of decoded) {
      if (d.cra !== 'command') continue;
      const info = lookupMessageCode(d.messageCode);
      const placed = placeOriginator(ta, d);
      assert.ok(placed, `${m.name}: originator ${d.originator} placed`);
      assert.ok(
        rulesFor(info?.useCase).includes(placed.form),
        `${m.name}: ${placed.form} may run ${info?.useCase}`,
      );
      n++;
    }
    assert.ok(n > 250);
  });

  it("supply, tariff and payment-mode use cases are the supplier's only", () => {
    for (const uc of [
      'ECS42',
      'ECS43',
      'ECS44',
      'ECS02',
      'ECS03',
      'CS01a',
      'CS06',
      'ECS70',
      'GCS39',
      'GCS28',
    ])
      assert.deepEqual(rulesFor(uc), ['supplier'], uc);
  });
});

describe('response shapes against every RTDS ESME/GSME response', () => {
  for (const { m, d } of decoded) {
    if (d.cra !== 'response' || !['00DB1234567890A0', '00DB1234567890A1'].includes(d.originator)) continue;
    it(`${m.name}: date-time presence and signed-vs-MACed`, () => {
      assert.equal(responseCarriesDateTime(d.messageCode), d.dateTime !== null, 'date-time');
      const cmdFile = all.find((x) => x.name === m.name.replace('_RESPONSE_', '_COMMAND_'));
      if (!cmdFile) return;
      const cmd = decodeMessage(cmdFile.bytes);
      const info = lookupMessageCode(cmd.messageCode);
      assert.equal(
        responseIsSigned(info?.useCase ?? null, info?.critical ?? false, cmd.mac !== null),
        d.mac === null,
        'signed (DF) or MACed (DD)',
      );
    });
  }
});

describe('DeviceSecurity', () => {
  const ecs43 = () => all.find((x) => x.name.endsWith('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'))!.bytes;
  const cs01a = () => all.find((x) => x.name.endsWith('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'))!.bytes;
  const sec = () =>
    new DeviceSecurity({ credentials: profile.credentials, trustAnchors: profile.trustAnchors });

  it('check records nothing; commit records the counter; a replay is then REPLAY', () => {
    const s = sec();
    const v = s.check(ecs43());
    assert.ok(v.ok);
    assert.ok(s.check(ecs43()).ok, 'not committed: still fresh');
    s.commit(v);
    const r = s.check(ecs43());
    assert.equal(!r.ok && r.reason, 'REPLAY');
    assert.equal(!r.ok && r.alertCode, 0x8f53);
  });

  it('top-ups keep their own replay space per supplier (GBCS.md 5a)', () => {
    const s = sec();
    const top = s.check(cs01a());
    assert.ok(top.ok && top.replaySpace === 'top-up');
    s.commit(top);
    assert.equal(s.lastAccepted(RTDS_PARTIES.supplier, 'top-up'), 0x300000000n);
    assert.equal(s.lastAccepted(RTDS_PARTIES.supplier, 'command'), undefined);
    assert.ok(s.check(ecs43()).ok, 'a supplier command with a lower counter is still fresh');
  });

  it('typed reasons for each failure', () => {
    const s = sec();
    const base: GbcsMessage = decodeMessage(ecs43());
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'MALFORMED'],
      [rebuildCommand(profile.remote, base, { recipient: RTDS_DEVICES.gsme }), 'NOT_FOR_ME'],
      [rebuildCommand(profile.remote, base, { originator: RTDS_PARTIES.networkOperator }), 'NO_AUTHORITY'],
      [rebuildCommand(profile.remote, base, { signWith: null }), 'SIGNATURE_MISSING'],
      [rebuildCommand(profile.remote, base, { mac: false }), 'MAC_MISSING'],
      [rebuildCommand(profile.remote, base, { originator: RTDS_PARTIES.supplier2 }), 'UNKNOWN_ORIGINATOR'],
    ];
    for (const [bytes, reason] of cases) {
      const v = s.check(bytes);
      assert.equal(v.ok ? 'OK' : v.reason, reason);
    }
  });

  it('snapshot / restore keeps replay marks and the own counter', () => {
    const s = sec();
    const v = s.check(ecs43());
    assert.ok(v.ok);
    s.commit(v);
    s.nextOwnCounter();
    const t = sec();
    t.restore(s.snapshot());
    assert.deepEqual(t.snapshot(), s.snapshot());
    assert.equal(t.peekNextOwnCounter(), 2n);
  });
});
