/**
 * The security-credential use cases on the GSME, the GPF and the PPMID
 * (issues 12 / 17, meter-common/credential-handlers.ts: the ESME's code,
 * shared), each device built on a generated test PKI and commanded by the
 * ACB with real keys (MAC'd, signed where critical):
 *
 * - CS02bACBByACB replaces the ACB's DS and KA cells with certificates of a
 *   new ACB that chain to the device's Root (response status 0 per cell,
 *   the floor seq number set, CS02f reads the new cells back, the
 *   replacement survives snapshot / restore into a fresh device);
 * - refusals that leave cells and credential state untouched: a certificate
 *   of the wrong role, one issued by another PKI (the issuer's signature over
 *   the new anchor does not verify to the Root), a DS certificate for a KA
 *   cell (status 10 each); a command MAC'd by a party the device holds no
 *   cell for (no response); a counter not above the last accepted one
 *   (replay: no response);
 * - CS02c -> CS02d -> CS02e: the new key pair's certificate installed and
 *   read back, kept over snapshot / restore; another device's certificate
 *   refused (3); a replayed CS02c makes no new key pair;
 * - the GSME and the GPF run a future-dated CS02b at its time (0x00CB with
 *   8F66); the PPMID, which keeps no future-dated update, refuses it (8F1E);
 * - the GSME takes its command from the CHF mailbox on its poll interval.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { children, readTlv } from '../../gbcs/asn1.ts';
import {
  createTestPki,
  decodeMessage,
  encodeApdu,
  type GbcsMessage,
  type TestPki,
} from '../../gbcs/index.ts';
import { p256Spki } from '../../gbcs/pki.ts';
import { SecurityContext } from '../../gbcs/security.ts';
import { decodeAlert, decodeResponse, encodeCommand, useCaseById } from '../../gbcs/use-cases/index.ts';
import { type Eui, fromHex, toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import type { GbcsDevice } from '../contracts.ts';
import { Gpf } from '../gpf/gpf.ts';
import { Gsme } from '../gsme/gsme.ts';
import { Ppmid } from '../ppmid/ppmid.ts';
import { FakeUplink, makePpmidKit } from '../ppmid/testing.ts';
import {
  type DeviceCredentials,
  type RemotePartyAnchor,
  RTDS_DEVICES,
  RTDS_PARTIES,
  type TrustAnchorCellName,
  TrustAnchors,
} from '../security/credentials.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import { generatedWorld } from '../security/profiles.ts';
import { RecordingUplink } from './test-support.ts';

const ACB = RTDS_PARTIES.acb;
/** The ACB whose certificates replace the ACB cells. */
const NEW_ACB: Eui = '90B3D51F30000012';
const ROLE_ACB = 4;
const KA = '00001';
const DS = '1';

type DeviceType = 'GSME' | 'GPF' | 'PPMID';

/** One device under test and how to talk to it. */
interface Rig {
  type: DeviceType;
  eui: Eui;
  clock: VirtualClock;
  pki: TestPki;
  /** sends protected bytes to the device; what it sent back (responses and alerts), decoded */
  deliver(bytes: Uint8Array): GbcsMessage[];
  /** what the device sent since the last call (alerts of future-dated work) */
  sentSince(): GbcsMessage[];
  security: DeviceSecurity;
  cell(name: TrustAnchorCellName): RemotePartyAnchor | undefined;
  /** snapshot, then restore into a fresh device built like this one: its security */
  restoredCopy(): DeviceSecurity;
  credentialState(): unknown;
}

async function world(type: DeviceType): Promise<Rig> {
  const eui = type === 'GSME' ? RTDS_DEVICES.gsme : type === 'GPF' ? RTDS_DEVICES.gpf : RTDS_DEVICES.ppmid;
  const w = await generatedWorld(type === 'PPMID' ? [] : [eui]);
  await w.pki.addRemoteParty(NEW_ACB, ROLE_ACB);
  const clock = new VirtualClock();
  if (type === 'PPMID') {
    const kit = await makePpmidKit({ pki: w.pki, clock });
    // a PPMID holds the Root, Recovery and ACB cells (security/credentials.ts TRUST_ANCHOR_CELLS_OF)
    const all = w.trustAnchors();
    const anchors = () => {
      const ta = new TrustAnchors(
        Object.fromEntries(all.cellEntries().filter(([c]) => c === 'acb' || c === 'recovery')),
      );
      ta.rootPublicKey = all.rootPublicKey;
      return ta;
    };
    const build = () => {
      const p = new Ppmid({ ...kit.options, trustAnchors: anchors() });
      const up = new FakeUplink(clock);
      p.attachUplink(up);
      return { p, up };
    };
    const { p, up } = build();
    let seen = 0;
    const fresh = () => up.sent.slice(seen).map((s) => decodeMessage(s.bytes));
    return {
      type,
      eui,
      clock,
      pki: w.pki,
      deliver(bytes) {
        seen = up.sent.length;
        p.onRemotePartyMessage(bytes);
        const out = fresh();
        seen = up.sent.length;
        return out;
      },
      sentSince() {
        const out = fresh();
        seen = up.sent.length;
        return out;
      },
      security: p.security,
      cell: (name) => p.security.trustAnchors.cell(name),
      restoredCopy() {
        const snap = p.snapshot();
        return Ppmid.restore(snap, { ...kit.options, trustAnchors: anchors() }).security;
      },
      credentialState: () => p.own.snapshot().credentials ?? null,
    };
  }
  const credentials: DeviceCredentials = w.credentials(eui);
  const opts = { eui, clock, credentials, trustAnchors: w.trustAnchors() };
  const make = () =>
    type === 'GSME' ? new Gsme({ ...opts, pollIntervalMs: 30 * 60_000 }) : new Gpf({ ...opts });
  const d = make();
  const up = new RecordingUplink(() => clock.now());
  d.attachUplink(up);
  return {
    type,
    eui,
    clock,
    pki: w.pki,
    deliver(bytes) {
      up.take();
      d.onRemotePartyMessage(bytes);
      return up.take().map(decodeMessage);
    },
    sentSince: () => up.take().map(decodeMessage),
    security: d.security,
    cell: (name) => d.security.trustAnchors.cell(name),
    restoredCopy() {
      const copy = make();
      if (d instanceof Gsme) (copy as Gsme).restore(d.snapshot());
      else (copy as Gpf).restore((d as Gpf).snapshot());
      return copy.security;
    },
    credentialState: () => (d instanceof Gsme ? d.snapshot().credentials : (d as Gpf).stateView.credentials),
  };
}

/** Builds and protects a command to the rig's device (the ACB's MAC; signed by the originator when critical). */
function commander(rig: Rig, acb: Eui = ACB) {
  const ctx = new SecurityContext({ keyStore: rig.pki.store, acb });
  let counter = 0x1000n;
  return {
    ctx,
    next: () => ++counter,
    build(
      useCase: string,
      fields: (c: bigint) => unknown,
      o: { originator?: Eui; counter?: bigint; onBehalfOf?: Eui } = {},
    ) {
      const c = o.counter ?? ++counter;
      const row = useCaseById(useCase)!;
      const originator = o.originator ?? acb;
      const apdu = encodeApdu({
        cra: 'command',
        originatorCounter: c,
        originator,
        recipient: rig.eui,
        otherInfo: {
          messageCode: row.code,
          supplementaryRemotePartyId: o.onBehalfOf ?? null,
          supplementaryRemotePartyCounter: null,
          supplementaryOriginatorCounter: null,
          certificate: null,
        },
        dateTime: null,
        content: encodeCommand(useCase, fields(c) as never, { header: {} }),
        signature: null,
      });
      // a critical command is signed by its originator (the ACB when it acts for a party, RTDS 8.8.2)
      return ctx.wrap(row.critical ? ctx.sign(apdu, originator) : apdu);
    },
  };
}

/** The device-key use cases (CS02c / CS02d / CS02e, the supplier's): a PPMID holds no supplier cell, the ACB sends them for it. */
function keyCommand(rig: Rig) {
  const cmd = commander(rig);
  return (useCase: string, fields: (c: bigint) => unknown) =>
    rig.type === 'PPMID'
      ? cmd.build(useCase, fields, { onBehalfOf: RTDS_PARTIES.supplier })
      : cmd.build(useCase, fields, { originator: RTDS_PARTIES.supplier });
}

/** CS02bACBByACB fields replacing the ACB's KA (and DS) cells with `certs` (DER hex). */
function acbUpdate(
  rig: Rig,
  certs: { ka: string; ds?: string },
  executionDateTime?: string,
): (c: bigint) => unknown {
  const path = [toHex(new Uint8Array(rig.pki.issuingCa.certificate.rawData))];
  return (c) => ({
    authorisingRemotePartyControl: {
      credentialsReplacementMode: 4,
      authorisingRemotePartySeqNumber: c,
      newRemotePartyFloorSeqNumber: 7,
    },
    replacements: [
      {
        replacementCertificate: certs.ka,
        targetTrustAnchorCell: { remotePartyRole: ROLE_ACB, keyUsage: KA },
      },
      ...(certs.ds
        ? [
            {
              replacementCertificate: certs.ds,
              targetTrustAnchorCell: { remotePartyRole: ROLE_ACB, keyUsage: DS },
            },
          ]
        : []),
    ],
    certificationPathCertificates: path,
    ...(executionDateTime ? { executionDateTime } : {}),
  });
}

const der = (rig: Rig, eui: Eui, slot: 'ka' | 'ds') => toHex(rig.pki.store.certificate(eui, slot)!.der);

const responses = (out: GbcsMessage[]) => out.filter((m) => m.cra === 'response');

function response(useCase: string, out: GbcsMessage[]) {
  const r = out.find((m) => m.cra === 'response');
  assert.ok(r, `${useCase}: a response (got ${out.length} messages)`);
  return decodeResponse(useCase, r.content).fields as Record<string, unknown>;
}

const statuses = (f: Record<string, unknown>) =>
  (f.executionOutcome as { replacementOutcomes: Array<{ status: number }> }).replacementOutcomes.map(
    (o) => o.status,
  );

/** The ACB cell as a comparable value. */
const acbCell = (rig: Rig) => {
  const c = rig.cell('acb')!;
  return { eui: c.eui, ka: c.ka?.serialNumber, ds: c.ds?.serialNumber };
};

const GENERALIZED = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

for (const type of ['GSME', 'GPF', 'PPMID'] as const) {
  describe(`${type}: security credentials (CS02b / CS02c / CS02d / CS02e / CS02f)`, () => {
    it('CS02bACBByACB replaces both ACB cells with a new ACB chained to the Root; CS02f reads them; kept over restore', async () => {
      const rig = await world(type);
      const cmd = commander(rig);
      const before = acbCell(rig);
      assert.equal(before.eui, ACB);
      const out = rig.deliver(
        cmd.build(
          'CS02bACBByACB',
          acbUpdate(rig, { ka: der(rig, NEW_ACB, 'ka'), ds: der(rig, NEW_ACB, 'ds') }),
        ),
      );
      const f = response('CS02bACBByACB', out);
      assert.deepEqual(statuses(f), [0, 0]);
      const after = acbCell(rig);
      assert.equal(after.eui, NEW_ACB);
      assert.equal(after.ka, rig.pki.store.certificate(NEW_ACB, 'ka')!.serialNumber);
      assert.equal(after.ds, rig.pki.store.certificate(NEW_ACB, 'ds')!.serialNumber);
      // the new ACB now MACs: CS02f (roles ACB, supplier) reads the new cells; a PPMID holds no supplier cell
      const next = commander(rig, NEW_ACB);
      const details = response(
        'CS02f',
        rig.deliver(
          next.build('CS02f', () => ({
            authorisingRemotePartyTACellIdentifier: { remotePartyRole: ROLE_ACB, keyUsage: KA },
            remotePartyRoles: [ROLE_ACB, 2],
          })),
        ),
      ) as unknown as Array<{
        status: number;
        remotePartySeqNumber?: number;
        trustAnchorCells?: Array<{ subjectUniqueID: string }>;
      }>;
      assert.equal(details[0]!.status, 0);
      assert.equal(details[0]!.remotePartySeqNumber, 7, 'the floor the update set');
      assert.deepEqual(
        details[0]!.trustAnchorCells!.map((c) => c.subjectUniqueID),
        [NEW_ACB, NEW_ACB],
      );
      assert.equal(details[1]!.status, type === 'PPMID' ? 25 : 0, 'supplier cell');
      // a fresh device restored from the snapshot holds the new cells
      const restored = rig.restoredCopy();
      assert.equal(restored.trustAnchors.cell('acb')!.eui, NEW_ACB);
      assert.equal(restored.trustAnchors.cell('acb')!.ka!.serialNumber, after.ka);
    });

    it('refusals leave the cells and the credential state untouched', async () => {
      const rig = await world(type);
      const cmd = commander(rig);
      const cells = acbCell(rig);
      const state = JSON.stringify(rig.credentialState());
      const other = await createTestPki();
      const foreign = await other.addRemoteParty(NEW_ACB, ROLE_ACB);
      const tampered = fromHex(der(rig, NEW_ACB, 'ka'));
      tampered[tampered.length - 3]! ^= 0x01;
      for (const [why, ka] of [
        ['wrong role (a supplier certificate for the ACB cell)', der(rig, RTDS_PARTIES.supplier, 'ka')],
        [
          'issued by another PKI (the signature over the new anchor fails)',
          toHex(foreign.ka.certificate.der),
        ],
        ['a tampered signature over the new anchor', toHex(tampered)],
        ['a DS certificate for the KA cell', der(rig, NEW_ACB, 'ds')],
      ] as const) {
        const f = response('CS02bACBByACB', rig.deliver(cmd.build('CS02bACBByACB', acbUpdate(rig, { ka }))));
        assert.deepEqual(statuses(f), [10], why);
        assert.deepEqual(acbCell(rig), cells, why);
      }
      // signed up by a party the device holds no cell for (the new ACB, before it is trusted): no answer
      const stranger = commander(rig, NEW_ACB);
      const good = acbUpdate(rig, { ka: der(rig, NEW_ACB, 'ka') });
      assert.deepEqual(
        responses(rig.deliver(stranger.build('CS02bACBByACB', good))),
        [],
        'wrong signer: no response',
      );
      assert.deepEqual(acbCell(rig), cells);
      // a counter not above the last accepted one: a replay, no answer, nothing replaced
      const high = cmd.next() + 100n;
      response(
        'CS02bACBByACB',
        rig.deliver(
          cmd.build('CS02bACBByACB', acbUpdate(rig, { ka: der(rig, RTDS_PARTIES.supplier, 'ka') }), {
            counter: high,
          }),
        ),
      );
      assert.deepEqual(
        responses(rig.deliver(cmd.build('CS02bACBByACB', good, { counter: high - 1n }))),
        [],
        'replay',
      );
      assert.deepEqual(acbCell(rig), cells);
      // a seq number other than the counter is content the device cannot apply: malformed, 8F1E
      const skewed = cmd.build(
        'CS02bACBByACB',
        (c) => {
          const x = good(c) as { authorisingRemotePartyControl: Record<string, unknown> };
          x.authorisingRemotePartyControl.authorisingRemotePartySeqNumber = c + 5n;
          return x;
        },
        { counter: high + 1n },
      );
      const out = rig.deliver(skewed);
      assert.equal(responses(out).length, 1, 'answered (malformed)');
      assert.equal(out.filter((m) => m.cra === 'alert').length, 1, 'with 8F1E');
      assert.deepEqual(acbCell(rig), cells);
      assert.equal(JSON.stringify(rig.credentialState()), state, 'credential state unchanged');
    });

    it('CS02c -> CS02d -> CS02e: the new DS key pair is certified, installed and read back; refusals change nothing', async () => {
      const rig = await world(type);
      const send = keyCommand(rig);
      const ownBefore = toHex(rig.security.ownCredentials.dsCertificate.der);
      const c02c = send('CS02c', () => ({ keyUsage: DS }));
      const csr = fromHex(String(response('CS02c', rig.deliver(c02c)).certificationRequest));
      assert.ok(csr.length > 100);
      const pending = JSON.stringify(rig.credentialState());
      // the same CS02c again: a replay, no new key pair
      assert.deepEqual(responses(rig.deliver(c02c)), []);
      assert.equal(JSON.stringify(rig.credentialState()), pending);
      // another device's certificate: 3, nothing installed
      const otherDevice = await rig.pki.addDevice('00DB1234567890EE');
      const refused = response(
        'CS02d',
        rig.deliver(send('CS02d', () => toHex(otherDevice.ds.certificate.der))),
      ) as unknown;
      assert.equal(refused, 3);
      assert.equal(toHex(rig.security.ownCredentials.dsCertificate.der), ownBefore);
      // the certificate for the key the CS02c request carried (its SubjectPublicKeyInfo)
      const spki = spkiOfCsr(csr);
      const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      assert.equal(toHex(p256Spki(key)), toHex(spki));
      const cert = rig.pki.certifyDeviceKey(rig.eui, 'ds', key);
      assert.equal(response('CS02d', rig.deliver(send('CS02d', () => toHex(cert.der)))) as unknown, 0);
      const read = response('CS02e', rig.deliver(send('CS02e', () => ({ keyUsage: DS }))));
      assert.equal(read.deviceCertificate, toHex(cert.der));
      assert.equal(toHex(rig.restoredCopy().ownCredentials.dsCertificate.der), toHex(cert.der));
    });

    it(
      type === 'PPMID'
        ? 'a future-dated CS02b is refused (8F1E): the PPMID keeps no future-dated update'
        : 'a future-dated CS02b waits for its time, then replaces the cell and raises 0x00CB with 8F66',
      async () => {
        const rig = await world(type);
        const cmd = commander(rig);
        const cells = acbCell(rig);
        const at = rig.clock.now() + 3_600_000;
        const out = rig.deliver(
          cmd.build('CS02bACBByACB', acbUpdate(rig, { ka: der(rig, NEW_ACB, 'ka') }, GENERALIZED(at))),
        );
        if (type === 'PPMID') {
          assert.equal(responses(out).length, 1, 'answered (malformed)');
          assert.ok(
            out.some((m) => m.cra === 'alert'),
            'the 8F1E alert',
          );
          assert.deepEqual(acbCell(rig), cells);
          return;
        }
        const f = response('CS02bACBByACB', out);
        assert.equal(f.executionOutcome, undefined, 'NULL answer: scheduled');
        rig.clock.advance(3_600_000 - 60_000);
        assert.deepEqual(acbCell(rig), cells, 'nothing before its time');
        rig.clock.advance(120_000);
        assert.equal(acbCell(rig).eui, NEW_ACB);
        const alerts = rig.sentSince().filter((m) => m.cra === 'alert' && m.messageCode === 0x00cb);
        assert.equal(alerts.length, 1);
        const a = decodeAlert(0x00cb, alerts[0]!.content).fields as { alertCode: number };
        assert.equal(a.alertCode, 0x8f66);
      },
    );
  });
}

describe('GSME: a credential command travels through the CHF mailbox on the poll interval', () => {
  it('answered at the next poll (virtual time), not before', async () => {
    const w = await generatedWorld([RTDS_DEVICES.gsme]);
    const clock = new VirtualClock();
    const gsme = new Gsme({
      eui: RTDS_DEVICES.gsme,
      clock,
      credentials: w.credentials(RTDS_DEVICES.gsme),
      trustAnchors: w.trustAnchors(),
      pollIntervalMs: 30 * 60_000,
    });
    const up = new RecordingUplink(() => clock.now()).bind(gsme as GbcsDevice);
    gsme.attachUplink(up);
    const ctx = new SecurityContext({ keyStore: w.pki.store, acb: ACB });
    up.mailbox.push(
      ctx.seal({
        cra: 'command',
        originatorCounter: 0x2000n,
        originator: ACB,
        recipient: RTDS_DEVICES.gsme,
        otherInfo: { messageCode: useCaseById('CS02f')!.code },
        dateTime: null,
        content: encodeCommand(
          'CS02f',
          {
            authorisingRemotePartyTACellIdentifier: { remotePartyRole: ROLE_ACB, keyUsage: KA },
            remotePartyRoles: [2],
          } as never,
          { header: {} },
        ),
      } as never),
    );
    clock.advance(30 * 60_000 - 1000);
    assert.equal(up.sent.length, 0, 'asleep');
    clock.advance(2000);
    const [r] = up.take().map(decodeMessage);
    assert.equal(r?.cra, 'response');
    const d = decodeResponse('CS02f', r!.content).fields as Array<{ status: number }>;
    assert.equal(d[0]!.status, 0);
  });
});

/** The SubjectPublicKeyInfo of a PKCS#10 request (certificationRequestInfo's third element). */
function spkiOfCsr(csr: Uint8Array): Uint8Array {
  const outer = readTlv(csr, 0).value;
  const [info] = children(outer);
  const [, , spki] = children(info!.value);
  return info!.value.subarray(spki!.offset, spki!.end);
}
