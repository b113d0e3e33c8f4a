/**
 * The PPMID's own use cases (own-commands.ts, han-device/own-use-cases.ts):
 * RTDS commands addressed to the PPMID, re-protected with generated keys,
 * pass the device security checks and are run through the shared registry;
 * each response's content equals the RTDS response of the same example
 * (CS08, CS03A2, CS03C success and error, CS04AC) and its MAC or signature
 * verifies; a join read back through CS07 (read after write), an unjoin
 * too; a wrong role or a replay gets no response and changes nothing; the
 * join log survives a snapshot and restore.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { RTDS_MESSAGES } from '../../../test/support/fixtures.ts';
import { ecdsaVerify } from '../../gbcs/crypto.ts';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeResponse, encodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { FIRMWARE_VERSION_FAULT } from '../han-device/own-use-cases.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { RTDS_DEVICES, RTDS_PARTIES, TrustAnchors } from '../security/credentials.ts';
import { type GeneratedWorld, generatedWorld } from '../security/profiles.ts';
import { Ppmid } from './ppmid.ts';
import { FakeUplink, makePpmidKit } from './testing.ts';

const rtds = (folder: string, file: string): GbcsMessage =>
  decodeMessage(fromHex(readFileSync(join(RTDS_MESSAGES, folder, `${file}_GBCS.HEX`), 'utf8').trim()));

const CS08 = ['11.2_CS08', 'CS08_11.2_SUCCESS'] as const;
const CS08_ERROR = ['11.2_CS08', 'CS08_11.2_ERROR'] as const;
const CS03A2 = ['8.7.2_CS03A2NonCritical', 'CS03A2NonCritical_8.7.2_SUCCESS'] as const;
const CS03C = ['8.7.2_CS03CNonCritical', 'CS03CNonCritical_8.7.2_SUCCESS'] as const;
const CS03C_ERROR = ['8.7.2_CS03CNonCritical', 'CS03CNonCritical_8.7.2_ERROR'] as const;
const CS04AC = ['8.8.2_CS04ACNonCritical', 'CS04ACNonCritical_8.8.2_SUCCESS'] as const;
const cmd = (x: readonly [string, string]) => rtds(x[0], `${x[1]}_COMMAND`);
const ref = (x: readonly [string, string]) => rtds(x[0], `${x[1]}_RESPONSE`);

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([]);
});

/** A PPMID's cells: no supplier or network operator cell (the ACB acts for them, authority.ts). */
function ppmidAnchors(peers: Parameters<GeneratedWorld['trustAnchors']>[0] = []): TrustAnchors {
  const all = world.trustAnchors(peers);
  return new TrustAnchors(
    Object.fromEntries(all.cellEntries().filter(([c]) => c !== 'supplier' && c !== 'networkOperator')),
    peers,
  );
}

async function newPpmid() {
  const kit = await makePpmidKit({ pki: world.pki });
  const ppmid = new Ppmid({
    ...kit.options,
    credentials: kit.credentials,
    trustAnchors: ppmidAnchors([
      {
        eui: RTDS_DEVICES.gsme,
        deviceType: 'GSME',
        ka: kit.gsmeKeys.ka.certificate,
        ds: kit.gsmeKeys.ds.certificate,
      },
    ]),
    firmwareVersion: '0123ABCD',
  });
  const uplink = new FakeUplink(kit.clock);
  ppmid.attachUplink(uplink);
  let counter = 0x0100_0000_0000n;
  /** Sends an RTDS command (optionally changed), re-protected, with a fresh counter; returns what the PPMID sent. */
  const send = (m: GbcsMessage, changes: Parameters<typeof rebuildCommand>[2] = {}) => {
    const before = uplink.sent.length;
    ppmid.onRemotePartyMessage(rebuildCommand(world.remote, m, { counter: ++counter, ...changes }));
    return uplink.sent.slice(before).map((s) => decodeMessage(s.bytes));
  };
  return { ppmid, uplink, send, kit };
}

/** The PPMID's response: its content, and its MAC (by the ACB's key) or its signature verified. */
function verified(out: GbcsMessage[], kit: Awaited<ReturnType<typeof makePpmidKit>>): GbcsMessage {
  assert.equal(out.length, 1, 'one response');
  const r = out[0]!;
  assert.equal(r.cra, 'response');
  assert.equal(r.originator, RTDS_DEVICES.ppmid);
  if (r.mac !== null) assert.equal(world.remote.verifyMac(r), 'valid');
  else assert.ok(r.signature && ecdsaVerify(r.signedData, r.signature, kit.ppmidKeys.ds.publicKey));
  return r;
}

describe('PPMID: its own GBCS use cases, through the shared registry', () => {
  it('CS08: the firmware version; the RTDS response content; MAC verifies', async () => {
    const p = await newPpmid();
    const r = verified(p.send(cmd(CS08)), p.kit);
    assert.equal(toHex(r.content), toHex(ref(CS08).content));
    assert.equal(r.signature, null);
  });

  it('CS08 while the firmware version cannot be read (backchannel fault): the RTDS ERROR content', async () => {
    const p = await newPpmid();
    p.ppmid.own.setHardwareFault(FIRMWARE_VERSION_FAULT);
    const r = verified(p.send(cmd(CS08)), p.kit);
    assert.equal(toHex(r.content), toHex(ref(CS08_ERROR).content));
  });

  it('CS03A2 joins the ESME (RTDS response, signed); CS07 reads it back; CS04AC unjoins it', async () => {
    const p = await newPpmid();
    const r = verified(p.send(cmd(CS03A2)), p.kit);
    assert.equal(toHex(r.content), toHex(ref(CS03A2).content));
    assert.ok(r.signature, 'the response to a critical command is signed');
    assert.deepEqual(p.ppmid.own.joined(), [{ eui: '00DB123456789093', deviceType: 'ESME' }]);
    // CS07 from the ACB for the supplier (the other-information of the RTDS join), not signed: non-critical
    const base = cmd(CS03A2);
    const read = () =>
      verified(
        p.send(base, {
          otherInfo: { ...base.otherInfo, messageCode: 0x0013 },
          content: encodeCommand('CS07', null, { header: {} }),
          signWith: null,
        }),
        p.kit,
      );
    const fields = (m: GbcsMessage) => decodeResponse('CS07', m.content).fields;
    assert.deepEqual(fields(read()), {
      responseCode: 0,
      joinedDevices: [{ deviceId: '00DB123456789093', deviceType: 1 }],
    });
    // the RTDS unjoin names another device: success, nothing changes
    const u = verified(p.send(cmd(CS04AC)), p.kit);
    assert.equal(toHex(u.content), toHex(ref(CS04AC).content));
    assert.equal(p.ppmid.own.joined().length, 1);
    // unjoin the ESME itself
    verified(
      p.send(cmd(CS04AC), { content: encodeCommand('CS04AC', '00DB123456789093', { header: {} }) }),
      p.kit,
    );
    assert.deepEqual(fields(read()), { responseCode: 0, joinedDevices: [] });
  });

  it('CS03C: a GSME with its KA certificate joins; without it the RTDS error (11) and nothing changes', async () => {
    const p = await newPpmid();
    const bad = verified(p.send(cmd(CS03C_ERROR)), p.kit);
    assert.equal(toHex(bad.content), toHex(ref(CS03C_ERROR).content));
    assert.deepEqual(p.ppmid.own.joined(), []);
    const ok = verified(p.send(cmd(CS03C)), p.kit);
    assert.equal(toHex(ok.content), toHex(ref(CS03C).content));
    assert.equal(p.ppmid.own.joined()[0]?.deviceType, 'GSME');
    assert.ok(p.ppmid.own.joined()[0]?.kaCertificate);
  });

  it('the same security checks as a meter: wrong role or replay gets no response and changes nothing', async () => {
    const p = await newPpmid();
    // the network operator sending the join itself (no ACB): CS03A2 has no direct role
    const wrongRole = p.send(cmd(CS03A2), {
      originator: RTDS_PARTIES.networkOperator,
      signWith: world.pki.store.privateKey(RTDS_PARTIES.networkOperator, 'ds'),
    });
    assert.deepEqual(wrongRole, []);
    assert.deepEqual(p.ppmid.own.joined(), []);
    const last = p.ppmid.events.at(-1)!;
    assert.equal(last.decision, 'rejected');
    // a replay of an accepted command
    const first = rebuildCommand(world.remote, cmd(CS03A2), { counter: 0x0200_0000_0000n });
    p.ppmid.onRemotePartyMessage(first);
    const sent = p.uplink.sent.length;
    p.ppmid.onRemotePartyMessage(first);
    assert.equal(p.uplink.sent.length, sent, 'no response to a replay');
    assert.equal(p.ppmid.events.at(-1)?.reason, 'REPLAY');
    // a payload that does not have its row's shape: the ASN.1 error answer and 8F1E, nothing joined
    const p2 = await newPpmid();
    const out = p2.send(cmd(CS03A2), { content: fromHex('300300') });
    assert.equal(out[0]?.cra, 'response');
    assert.equal(out.length, 2, 'the response and the 8F1E alert');
    assert.deepEqual(p2.ppmid.own.joined(), []);
  });

  it('the join log survives a snapshot and restore', async () => {
    const p = await newPpmid();
    verified(p.send(cmd(CS03A2)), p.kit);
    const snap = JSON.parse(
      JSON.stringify(p.ppmid.snapshot(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    );
    const restored = Ppmid.restore(snap, {
      ...p.kit.options,
      credentials: p.kit.credentials,
      trustAnchors: ppmidAnchors(),
    });
    assert.deepEqual(restored.own.joined(), p.ppmid.own.joined());
    restored.shutdown();
  });
});
