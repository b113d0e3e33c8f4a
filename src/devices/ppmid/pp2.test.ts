/**
 * SECMP0038 PP-2: the enhanced PPMID checks every envelope before it forwards
 * the command, refuses with a typed reason, and reports each outcome back.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import {
  decodeStatusReport,
  generateSigningKeyPair,
  type PpmidReason,
  type StatusReport,
  verifyStatusReport,
} from '../../delivery/index.ts';
import { NO_WAN_CHF_RELAY_CODES } from '../../gbcs/codes/provisional.ts';
import { decodeMessage, encodeApdu, encodeGeneralCiphering, type GbcsMessage } from '../../gbcs/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { makeSignedEnvelope, requestIdForCommand } from './atps.ts';
import { Ppmid } from './ppmid.ts';
import { makePpmidKit, type PpmidKit, RTDS_HOME } from './testing.ts';

const ALL = rtdsMessages();
const byFile = (f: string) => {
  const m = ALL.find((x) => x.file === f);
  if (!m) throw new Error(`fixture ${f} missing`);
  return m.bytes;
};
const ECS17B = byFile('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
const SUPPLIER = RTDS_PARTIES.supplier;

function envelopeFor(
  kit: PpmidKit,
  gbcs: Uint8Array,
  over: Partial<Parameters<typeof makeSignedEnvelope>[0]> = {},
) {
  const supplierId = over.supplierId ?? SUPPLIER;
  return makeSignedEnvelope({
    gbcs,
    ppmid: RTDS_DEVICES.ppmid,
    supplierId,
    deliveryKey: kit.supplierKeys.get(supplierId)?.privateKey ?? generateSigningKeyPair().privateKey,
    createdAt: kit.clock.now(),
    ...over,
  });
}

/** Re-encodes a command with some header fields changed (the MAC is then wrong, which the PPMID cannot see). */
function reencode(
  bytes: Uint8Array,
  change: (m: GbcsMessage) => Partial<Parameters<typeof encodeApdu>[0]>,
  mac?: Uint8Array,
) {
  const m = decodeMessage(bytes);
  const apdu = encodeApdu({
    cra: m.cra,
    originatorCounter: m.originatorCounter,
    originator: m.originator,
    recipient: m.recipient,
    dateTime: m.dateTime ? m.dateTime.raw : null,
    otherInfo: m.otherInfo,
    content: m.content,
    signature: m.signature,
    ...change(m),
  });
  return encodeGeneralCiphering(apdu, mac ?? m.mac ?? new Uint8Array(12));
}

function reports(kit: PpmidKit): StatusReport[] {
  const out: StatusReport[] = [];
  kit.ppmid.onStatusReport((b) => out.push(decodeStatusReport(b)));
  return out;
}

async function refusedWith(
  kit: PpmidKit,
  bytes: Uint8Array,
  reason: PpmidReason,
  opts: { digest?: boolean } = {},
): Promise<void> {
  const got = reports(kit);
  const d = kit.ppmid.deliverEnvelope(bytes);
  assert.equal(
    d.outcome,
    'rejected',
    `expected rejected/${reason}, got ${d.outcome}/${d.reason}: ${d.detail}`,
  );
  assert.equal(d.reason, reason, d.detail);
  assert.equal(got.length, 1, 'one status report');
  const r = got[0];
  assert.equal(r.outcome, 'rejected');
  assert.equal(r.reason, reason);
  assert.equal(r.ppmid, RTDS_DEVICES.ppmid);
  assert.equal(r.envelopeIdIsDigest, opts.digest ?? false);
  assert.equal(verifyStatusReport(r, kit.reportingKey.publicKey), true, 'report signed by the reporting key');
  const ev = kit.ppmid.events.at(-1)!;
  assert.equal(ev.kind, 'command');
  assert.equal(ev.decision, 'rejected');
  assert.equal(ev.reason, reason);
  assert.equal(kit.ppmid.metrics.snapshot().counters[`ppmid.inbox.rejected.${reason}`], 1);
  kit.clock.advance(60_000);
  assert.equal(kit.uplink.sent.length, 0, 'nothing reached the HAN');
}

describe('PP-2: a good envelope', () => {
  it('is accepted, forwarded exactly once via HanUplink.send byte for byte, and reported twice', async () => {
    const kit = await makePpmidKit();
    const got = reports(kit);
    const d = kit.ppmid.deliverEnvelope(envelopeFor(kit, ECS17B));
    assert.equal(d.outcome, 'accepted-queued');
    assert.equal(d.reason, null);
    assert.deepEqual(d.requestId, { originator: SUPPLIER, target: RTDS_DEVICES.esme, counter: 1000n });
    kit.clock.advance(10_000);
    assert.equal(kit.uplink.sent.length, 1);
    assert.equal(toHex(kit.uplink.sent[0].bytes), toHex(ECS17B));
    assert.deepEqual(
      got.map((r) => [r.outcome, r.reason, r.attempts]),
      [
        ['accepted-queued', null, 0],
        ['forwarded', null, 1],
      ],
    );
    assert.ok(got[1].sequence > got[0].sequence);
    assert.deepEqual(got[1].requestId, d.requestId);
    assert.equal(got[1].envelopeId, d.envelopeId);
    kit.clock.advance(3600_000);
    assert.equal(kit.uplink.sent.length, 1, 'never sent again');
    const c = kit.ppmid.metrics.snapshot().counters;
    assert.equal(c['ppmid.inbox.accepted'], 1);
    assert.equal(c['ppmid.relay.forwarded'], 1);
  });

  it('the same envelope again (MQTT redelivery) is answered with its latest report, not forwarded again', async () => {
    const kit = await makePpmidKit();
    const env = envelopeFor(kit, ECS17B);
    kit.ppmid.deliverEnvelope(env);
    kit.clock.advance(10_000);
    const got = reports(kit);
    const again = kit.ppmid.deliverEnvelope(env);
    assert.equal(again.repeated, true);
    assert.equal(again.outcome, 'forwarded');
    assert.equal(got.at(-1)?.outcome, 'forwarded');
    kit.clock.advance(60_000);
    assert.equal(kit.uplink.sent.length, 1);
  });

  it('reports made before a reporter is attached are handed over in order when one attaches', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.deliverEnvelope(envelopeFor(kit, ECS17B));
    kit.clock.advance(10_000);
    const got = reports(kit);
    assert.deepEqual(
      got.map((r) => r.outcome),
      ['accepted-queued', 'forwarded'],
    );
  });
});

describe('PP-2: every refusal reason, with its status report', () => {
  it('envelope-malformed (random bytes: the report names the payload digest)', async () => {
    const kit = await makePpmidKit();
    await refusedWith(kit, fromHex('0102030405'), 'envelope-malformed', { digest: true });
  });

  it('unsupported-version', async () => {
    const kit = await makePpmidKit();
    const e = envelopeFor(kit, ECS17B);
    e[3] = 9;
    await refusedWith(kit, e, 'unsupported-version', { digest: true });
  });

  it('wrong-ppmid (an envelope for another PPMID)', async () => {
    const kit = await makePpmidKit();
    await refusedWith(kit, envelopeFor(kit, ECS17B, { ppmid: '00DB1234567890B4' }), 'wrong-ppmid');
  });

  it('unknown-supplier (no delivery key provisioned for it)', async () => {
    const kit = await makePpmidKit();
    await refusedWith(
      kit,
      envelopeFor(kit, ECS17B, { supplierId: RTDS_PARTIES.supplier2 }),
      'unknown-supplier',
    );
  });

  it('unknown-key (signed by a key the PPMID was not provisioned with)', async () => {
    const kit = await makePpmidKit();
    const e = envelopeFor(kit, ECS17B, { deliveryKey: generateSigningKeyPair().privateKey });
    await refusedWith(kit, e, 'unknown-key');
  });

  it('bad-signature (forged: another key claiming the supplier key id)', async () => {
    const kit = await makePpmidKit();
    const e = envelopeFor(kit, ECS17B, { deliveryKey: generateSigningKeyPair().privateKey });
    e.set(fromHex(kit.supplierKeys.get(SUPPLIER)!.keyId), 28);
    await refusedWith(kit, e, 'bad-signature');
  });

  it('bad-signature (unsigned: zero signature)', async () => {
    const kit = await makePpmidKit();
    const e = envelopeFor(kit, ECS17B);
    e.fill(0, e.length - 64);
    await refusedWith(kit, e, 'bad-signature');
  });

  it('bad-signature (GBCS bytes changed after signing)', async () => {
    const kit = await makePpmidKit();
    const e = envelopeFor(kit, ECS17B);
    e[100] ^= 0x01;
    await refusedWith(kit, e, 'bad-signature');
  });

  it('bad-validity (expires before created; lifetime too long; created in the future)', async () => {
    for (const over of [
      (now: number) => ({ createdAt: now, expiresAt: now }),
      (now: number) => ({ createdAt: now, expiresAt: now + 8 * 24 * 3600_000 }),
      (now: number) => ({ createdAt: now + 3600_000, expiresAt: now + 7200_000 }),
    ]) {
      const kit = await makePpmidKit();
      await refusedWith(kit, envelopeFor(kit, ECS17B, over(kit.clock.now())), 'bad-validity');
    }
  });

  it('expired', async () => {
    const kit = await makePpmidKit();
    const now = kit.clock.now();
    await refusedWith(
      kit,
      envelopeFor(kit, ECS17B, { createdAt: now - 7200_000, expiresAt: now - 1 }),
      'expired',
    );
  });

  it('malformed GBCS (and a GBT block)', async () => {
    const kit = await makePpmidKit();
    const rid = { originator: SUPPLIER, target: RTDS_DEVICES.esme, counter: 1n };
    await refusedWith(kit, envelopeFor(kit, fromHex('DF0901'), { requestId: rid }), 'malformed');
    const kit2 = await makePpmidKit();
    const gbt = fromHex('E0810001000003AABBCC');
    await refusedWith(kit2, envelopeFor(kit2, gbt, { requestId: rid }), 'malformed');
  });

  it('not-a-command (a Response)', async () => {
    const kit = await makePpmidKit();
    const resp = byFile('ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
    await refusedWith(
      kit,
      envelopeFor(kit, resp, {
        requestId: { originator: SUPPLIER, target: RTDS_DEVICES.esme, counter: 1000n },
      }),
      'not-a-command',
    );
  });

  it('no-acb-mac (a General Signing APDU alone is not a DCC command)', async () => {
    const m = ALL.find((x) => x.useCase === 'CS02aSignature' && x.kind === 'COMMAND')!;
    const rid = requestIdForCommand(m.bytes);
    const kit = await makePpmidKit({ suppliers: [rid.originator] });
    await refusedWith(kit, envelopeFor(kit, m.bytes, { supplierId: rid.originator }), 'no-acb-mac');
  });

  it('unknown-use-case (a Message Code the PPMID cannot classify)', async () => {
    const kit = await makePpmidKit();
    const g = reencode(ECS17B, (m) => ({ otherInfo: { ...m.otherInfo, messageCode: 0x0eee } }));
    await refusedWith(kit, envelopeFor(kit, g), 'unknown-use-case');
  });

  it('firmware: CS06 Activate Firmware (11.3)', async () => {
    const m = ALL.find((x) => x.file === 'CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX')!;
    const rid = requestIdForCommand(m.bytes);
    const kit = await makePpmidKit({ suppliers: [rid.originator] });
    await refusedWith(kit, envelopeFor(kit, m.bytes, { supplierId: rid.originator }), 'firmware');
  });

  it('firmware: a GBZ component on the OTA Upgrade cluster, whatever the Message Code', async () => {
    const gsmeCmd = ALL.find((x) => x.kind === 'COMMAND' && x.bytes.length < 200 && x.useCase === 'GCS13a');
    const base =
      gsmeCmd?.bytes ?? ALL.find((x) => x.kind === 'COMMAND' && x.useCase.startsWith('GCS'))!.bytes;
    const g = reencode(base, (m) => {
      const content = m.content.slice();
      // GBZ: 01 09 <count> <control> <cluster u16> ...: the first component's cluster id at offset 4
      content[4] = 0x00;
      content[5] = 0x19;
      return { content };
    });
    const rid = requestIdForCommand(g);
    const kit = await makePpmidKit({ suppliers: [rid.originator] });
    await refusedWith(kit, envelopeFor(kit, g, { supplierId: rid.originator }), 'firmware');
  });

  it('oversize (over one 1500-byte tunnel transfer)', async () => {
    const m = ALL.find(
      (x) => x.kind === 'COMMAND' && x.bytes.length > 1500 && x.bytes[0] === 0xdd && x.useCase !== 'CS06',
    )!;
    const rid = requestIdForCommand(m.bytes);
    const kit = await makePpmidKit({ suppliers: [rid.originator] });
    await refusedWith(kit, envelopeFor(kit, m.bytes, { supplierId: rid.originator }), 'oversize');
  });

  const retarget = (eui: string) => reencode(ECS17B, () => ({ recipient: eui }));
  for (const [reason, eui] of [
    ['target-is-chf', RTDS_DEVICES.chf],
    ['target-is-gpf', RTDS_DEVICES.gpf],
    ['target-is-hht', '00DB1234567890AF'],
    ['target-is-ppmid', RTDS_DEVICES.ppmid],
    ['target-is-remote-party', RTDS_PARTIES.supplier],
    ['target-not-in-home', '00DB1234567890EE'],
  ] as const) {
    it(`${reason} (${eui})`, async () => {
      const kit = await makePpmidKit();
      const g = retarget(eui);
      await refusedWith(kit, envelopeFor(kit, g), reason);
    });
  }

  it("originator-mismatch (a command of another supplier in this supplier's envelope)", async () => {
    const kit = await makePpmidKit({ suppliers: [SUPPLIER, RTDS_PARTIES.supplier2] });
    const e = envelopeFor(kit, ECS17B, {
      supplierId: RTDS_PARTIES.supplier2,
      requestId: { originator: RTDS_PARTIES.supplier2, target: RTDS_DEVICES.esme, counter: 1000n },
    });
    await refusedWith(kit, e, 'originator-mismatch');
  });

  it('request-id-mismatch (the RequestID does not name the command)', async () => {
    const kit = await makePpmidKit();
    const e = envelopeFor(kit, ECS17B, {
      requestId: { originator: SUPPLIER, target: RTDS_DEVICES.esme, counter: 999n },
    });
    await refusedWith(kit, e, 'request-id-mismatch');
  });

  it('duplicate: the same command in a second envelope (while pending, and after forwarding)', async () => {
    const kit = await makePpmidKit();
    kit.uplink.ready = false;
    assert.equal(
      kit.ppmid.deliverEnvelope(envelopeFor(kit, ECS17B, { envelopeId: 'AA'.repeat(16) })).outcome,
      'accepted-queued',
    );
    const got = reports(kit);
    const d = kit.ppmid.deliverEnvelope(envelopeFor(kit, ECS17B, { envelopeId: 'BB'.repeat(16) }));
    assert.equal(d.reason, 'duplicate');
    assert.match(d.detail, /same message bytes as envelope A{32}/);
    kit.uplink.ready = true;
    kit.clock.advance(60_000);
    assert.equal(kit.uplink.sent.length, 1);
    // same originator + target + counter, different bytes (e.g. re-issued): still a duplicate
    const other = reencode(ECS17B, () => ({}), new Uint8Array(12).fill(0x5a));
    const d2 = kit.ppmid.deliverEnvelope(envelopeFor(kit, other, { envelopeId: 'CC'.repeat(16) }));
    assert.equal(d2.reason, 'duplicate');
    assert.match(d2.detail, /same originator, target and counter/);
    assert.deepEqual(
      got.map((r) => [r.outcome, r.reason]),
      [
        ['accepted-queued', null], // held until the reporter attached
        ['rejected', 'duplicate'],
        ['forwarded', null],
        ['rejected', 'duplicate'],
      ],
    );
    kit.clock.advance(60_000);
    assert.equal(kit.uplink.sent.length, 1);
  });

  it('outbox-full (overflow reported, counted, never silent; the envelope may be sent again later)', async () => {
    const kit = await makePpmidKit({ overrides: { maxOutbox: 2 } });
    kit.uplink.ready = false;
    const cmds = ALL.filter(
      (x) =>
        x.kind === 'COMMAND' && x.bytes[0] === 0xdd && decodeMessage(x.bytes).recipient === RTDS_DEVICES.esme,
    )
      .filter((x) => requestIdForCommand(x.bytes).originator === SUPPLIER)
      .slice(0, 3);
    assert.equal(kit.ppmid.deliverEnvelope(envelopeFor(kit, cmds[0].bytes)).outcome, 'accepted-queued');
    assert.equal(kit.ppmid.deliverEnvelope(envelopeFor(kit, cmds[1].bytes)).outcome, 'accepted-queued');
    const third = envelopeFor(kit, cmds[2].bytes);
    const got = reports(kit);
    const d = kit.ppmid.deliverEnvelope(third);
    assert.equal(d.reason, 'outbox-full');
    assert.equal(got.at(-1)?.reason, 'outbox-full');
    const snap = kit.ppmid.metrics.snapshot();
    assert.equal(snap.counters['ppmid.outbox.overflow'], 1);
    assert.equal(snap.gauges['ppmid.outbox.depth'].highWater, 2);
    assert.equal(kit.ppmid.display().relay.outboxHighWater, 2);
    // once there is room, the same envelope is accepted (outbox-full is not remembered)
    kit.uplink.ready = true;
    kit.clock.advance(60_000);
    assert.equal(kit.ppmid.deliverEnvelope(third).outcome, 'accepted-queued');
  });
});

describe('PP-2 table over every RTDS command (home A0..A6 + HHT)', () => {
  const commands = ALL.filter((m) => m.kind === 'COMMAND');
  const expectFor = (bytes: Uint8Array, useCase: string): PpmidReason | null => {
    const m = decodeMessage(bytes);
    if (m.mac === null) return 'no-acb-mac';
    if (bytes.length > 1500) return 'oversize';
    if (useCase === 'CS06') return 'firmware';
    const t = RTDS_HOME.find((d) => d.eui === m.recipient)?.deviceType;
    if (t === 'PPMID') return 'target-is-ppmid';
    // PROVISIONAL no-WAN commissioning (CCS01, Set CH Time) passes to the CHF; the CH decides by its WAN
    if (t === 'CHF') return NO_WAN_CHF_RELAY_CODES.has(m.messageCode) ? null : 'target-is-chf';
    if (t === 'GPF') return 'target-is-gpf';
    if (t === undefined) return 'target-not-in-home';
    return null;
  };
  it(`${commands.length} commands: the decision the clauses give, and nothing else`, async () => {
    const suppliers = [...new Set(commands.map((m) => requestIdForCommand(m.bytes).originator))];
    const tally: Record<string, number> = {};
    const kit = await makePpmidKit({ suppliers });
    for (const m of commands) {
      // a fresh PPMID per message (no duplicates across fixture variants), same provisioning
      const ppmid = new Ppmid(kit.options);
      const rid = requestIdForCommand(m.bytes);
      const d = ppmid.deliverEnvelope(envelopeFor(kit, m.bytes, { supplierId: rid.originator }));
      const want = expectFor(m.bytes, m.useCase);
      assert.equal(d.reason, want, `${m.name}: ${d.detail}`);
      assert.equal(d.outcome, want === null ? 'accepted-queued' : 'rejected', m.name);
      tally[want ?? 'accepted-queued'] = (tally[want ?? 'accepted-queued'] ?? 0) + 1;
    }
    // the table exercised both sides
    assert.ok(tally['accepted-queued'] > 100, JSON.stringify(tally));
    for (const r of ['firmware', 'target-is-chf', 'target-is-gpf', 'oversize', 'no-acb-mac'])
      assert.ok((tally[r] ?? 0) > 0, `${r}: ${JSON.stringify(tally)}`);
  });
});
