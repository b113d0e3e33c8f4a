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
import {
  authorise,
  mayOriginate,
  type RemotePartyRole,
  rolesForUseCase,
  type UseCaseRowBase,
  useCaseByCode,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { responseCarriesDateTime, responseIsSigned } from '../meter-common/response-shape.ts';
import { type RtdsProfile, rebuildCommand, rtdsEsmeProfile } from '../meter-common/test-support.ts';
import {
  peerFromKeyStore,
  RTDS_DEVICES,
  RTDS_PARTIES,
  rtdsTrustAnchors,
  TrustAnchors,
} from './credentials.ts';
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

/** A party of each remote-party role in the RTDS PKI (root: none in the RTDS key store). */
const PARTY_OF_ROLE: ReadonlyArray<[RemotePartyRole, Eui]> = [
  ['recovery', RTDS_PARTIES.recovery],
  ['supplier', RTDS_PARTIES.supplier],
  ['networkOperator', RTDS_PARTIES.networkOperator],
  ['acb', RTDS_PARTIES.acb],
  ['transitionalCoS', RTDS_PARTIES.transitionalCoS],
  ['wanProvider', RTDS_PARTIES.wanProvider],
  ['loadController', RTDS_PARTIES.loadController],
];
/** A party the device has no cell for: the ACB vouches for it as an Other User. */
const OTHER_USER: Eui = '90B3D51F300A0000';

function commandRow(code: number): UseCaseRowBase {
  const row = useCaseByCode(code);
  assert.ok(row && row.kind === 'command', `catalogue row for 0x${code.toString(16)}`);
  return row;
}

describe('authorisation from the catalogue role table, against every RTDS command', () => {
  const commands = () => decoded.filter(({ d }) => d.cra === 'command');
  const anchors = () => rtdsTrustAnchors(ks, { peers: [peerFromKeyStore(ks, RTDS_DEVICES.ppmid, 'PPMID')] });

  it('every RTDS command is authorised for its originator (placement + row roles)', () => {
    const ta = anchors();
    // a PPMID / HCALCS holds no supplier or network operator cell: the ACB acts for them
    const han = new TrustAnchors(
      Object.fromEntries(ta.cellEntries().filter(([c]) => c !== 'supplier' && c !== 'networkOperator')),
    );
    let n = 0;
    for (const { m, d } of commands()) {
      const type1 = d.recipient === RTDS_DEVICES.ppmid || d.recipient === RTDS_DEVICES.hcalcs;
      const placed = placeOriginator(type1 ? han : ta, d);
      assert.ok(placed, `${m.name}: originator ${d.originator} placed`);
      const v = authorise(useCaseByCode(d.messageCode), placed.placement);
      assert.ok(v.ok, `${m.name}: ${v.ok ? '' : v.detail}`);
      n++;
    }
    assert.ok(n > 250, `${n} commands`);
  });

  it('every other role is refused: each RTDS use case from a party of each role, directly and through the ACB', () => {
    const ta = anchors();
    const supplier2Ka = ks.certificate(RTDS_PARTIES.supplier2, 'ka')!.der;
    let allowed = 0;
    let refused = 0;
    for (const { m, d } of commands()) {
      const row = commandRow(d.messageCode);
      for (const [role, eui] of PARTY_OF_ROLE) {
        const direct: GbcsMessage = {
          ...d,
          originator: eui,
          otherInfo: { ...d.otherInfo, supplementaryRemotePartyId: null, certificate: null },
        };
        const placed = placeOriginator(ta, direct);
        assert.ok(placed && placed.placement.via === 'direct', `${eui} placed directly`);
        const v = authorise(row, placed.placement);
        assert.equal(v.ok, row.roles.includes(role), `${m.name}: ${role} directly`);
        v.ok ? allowed++ : refused++;
      }
      for (const [role, eui] of PARTY_OF_ROLE) {
        const viaAcb: GbcsMessage = {
          ...d,
          originator: RTDS_PARTIES.acb,
          otherInfo: { ...d.otherInfo, supplementaryRemotePartyId: eui, certificate: null },
        };
        const placed = placeOriginator(ta, viaAcb);
        assert.ok(placed && placed.placement.via === 'acb', `ACB for ${eui}`);
        const v = authorise(row, placed.placement);
        assert.equal(
          v.ok,
          (row.acbOnBehalfOf ?? []).includes(role) && !(row.critical && row.roles.includes(role)),
          `${m.name}: the ACB for the device's ${role}`,
        );
        v.ok ? allowed++ : refused++;
      }
      // a supplier the device has no cell for, its certificate carried by the ACB (RTDS "URP" form)
      const carried: GbcsMessage = {
        ...d,
        originator: RTDS_PARTIES.acb,
        otherInfo: {
          ...d.otherInfo,
          supplementaryRemotePartyId: RTDS_PARTIES.supplier2,
          certificate: supplier2Ka,
        },
      };
      const pc = placeOriginator(ta, carried);
      assert.deepEqual(pc?.placement, { via: 'acb', onBehalfOf: 'supplier', partyKnown: false });
      assert.equal(authorise(row, pc!.placement).ok, (row.acbOnBehalfOf ?? []).includes('supplier'), m.name);
      // a party with no cell and no certificate: the ACB vouches, any row the ACB may front takes it
      const vouched = placeOriginator(ta, {
        ...d,
        originator: RTDS_PARTIES.acb,
        otherInfo: { ...d.otherInfo, supplementaryRemotePartyId: OTHER_USER, certificate: null },
      });
      assert.deepEqual(vouched?.placement, { via: 'acb', onBehalfOf: 'unstated', partyKnown: false });
      assert.equal(authorise(row, vouched!.placement).ok, (row.acbOnBehalfOf ?? []).length > 0, m.name);
    }
    console.log(`# role matrix over the RTDS commands: ${allowed} allowed, ${refused} refused`);
    assert.ok(refused > allowed);
  });

  it("supply, tariff and payment-mode use cases are the supplier's own; voltage and maximum demand resets the network operator's", () => {
    for (const uc of ['ECS42', 'ECS43', 'ECS44', 'ECS02', 'ECS03', 'CS01a', 'ECS70', 'GCS39', 'GCS28']) {
      assert.deepEqual(rolesForUseCase(uc), { direct: ['supplier'], viaAcb: [] }, uc);
    }
    for (const uc of ['ECS57', 'ECS25r2', 'ECS29c', 'ECS29e', 'ECS37'])
      assert.deepEqual(rolesForUseCase(uc), { direct: ['networkOperator'], viaAcb: [] }, uc);
    assert.ok(mayOriginate('ECS39b', 'supplier') && rolesForUseCase('ECS39b')?.viaAcb.includes('supplier'));
    assert.ok(mayOriginate('CS02bTransCoSByTransCoS', 'transitionalCoS'));
    assert.ok(mayOriginate('CS02gLoadControllerByLoadController', 'loadController'));
    assert.ok(mayOriginate('ECS47e', 'loadController'));
    assert.ok(!mayOriginate('ECS47a', 'loadController'));
    assert.ok(!mayOriginate('ECS43', 'networkOperator'));
    assert.ok(!mayOriginate('ECS43', 'otherUser'));
    // CS06 (11.3) is the supplier's own; the ACB may send it for the supplier only to a device
    // holding no supplier cell (PPMID, HCALCS: PROVISIONAL, GBCS 11.5 not reached)
    assert.deepEqual(rolesForUseCase('CS06'), { direct: ['supplier'], viaAcb: ['supplier'] });
    const cs06 = useCaseById('CS06');
    assert.ok(cs06?.critical);
    assert.equal(authorise(cs06, { via: 'acb', onBehalfOf: 'supplier', partyKnown: true }).ok, false);
    assert.equal(authorise(cs06, { via: 'acb', onBehalfOf: 'supplier', partyKnown: false }).ok, true);
    // a critical command through the ACB for a party the device holds a cell for is refused
    const cs04ac = useCaseById('CS04AC');
    assert.ok(cs04ac?.critical);
    assert.equal(authorise(cs04ac, { via: 'acb', onBehalfOf: 'supplier', partyKnown: true }).ok, false);
    assert.equal(authorise(cs04ac, { via: 'acb', onBehalfOf: 'supplier', partyKnown: false }).ok, true);
  });

  it('the ESME security path (DeviceSecurity.check) refuses each role the row does not allow with NO_AUTHORITY (8F30)', () => {
    const s = new DeviceSecurity({ credentials: profile.credentials, trustAnchors: profile.trustAnchors });
    const seen = new Set<number>();
    let checked = 0;
    for (const { d } of commands()) {
      if (d.recipient !== RTDS_DEVICES.esme || seen.has(d.messageCode)) continue;
      seen.add(d.messageCode);
      const row = commandRow(d.messageCode);
      const forms: Array<[string, boolean, Parameters<typeof rebuildCommand>[2]]> = [
        ...PARTY_OF_ROLE.map(([role, eui]): [string, boolean, Parameters<typeof rebuildCommand>[2]] => [
          role,
          row.roles.includes(role),
          { originator: eui, otherInfo: { messageCode: d.messageCode } },
        ]),
        [
          'ACB for an unknown party',
          (row.acbOnBehalfOf ?? []).length > 0,
          {
            originator: RTDS_PARTIES.acb,
            otherInfo: { messageCode: d.messageCode, supplementaryRemotePartyId: OTHER_USER },
          },
        ],
      ];
      for (const [what, ok, changes] of forms) {
        const v = s.check(rebuildCommand(profile.remote, d, changes));
        const reason = v.ok ? 'OK' : v.reason;
        if (ok)
          assert.ok(
            !['NO_AUTHORITY', 'UNKNOWN_ORIGINATOR'].includes(reason),
            `${row.useCase} from ${what}: ${reason}`,
          );
        else {
          assert.equal(reason, 'NO_AUTHORITY', `${row.useCase} from ${what}`);
          assert.equal(!v.ok && v.alertCode, 0x8f30);
        }
        checked++;
      }
    }
    assert.ok(seen.size > 60, `${seen.size} ESME use cases`);
    console.log(`# ESME security path: ${checked} command forms over ${seen.size} RTDS use cases`);
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
