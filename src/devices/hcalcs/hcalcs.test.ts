/**
 * The HCALCS emulator (hcalcs.ts) with its own generated EUI A5 keys: RTDS
 * commands re-addressed to it and re-protected pass the device security
 * checks and run through the shared registry; CS08 gives the RTDS response
 * content; a join (CS03A2) is read back by CS07 and an unjoin (CS04AC)
 * empties it; a wrong role or a replay gets no response and changes nothing;
 * a malformed payload gets the error answer and a signed 8F1E; the join log,
 * the switch and the replay counters survive a snapshot and restore.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { RTDS_MESSAGES } from '../../../test/support/fixtures.ts';
import { ecdsaVerify } from '../../gbcs/crypto.ts';
import type { IssuedKey } from '../../gbcs/index.ts';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeCommand, decodeResponse, encodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { decodeDefaultResponse } from '../../zigbee/zcl.ts';
import { encodeOnOffCommand, ON_OFF_CLUSTER_ID } from '../../zigbee/zcl-onoff.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { FakeUplink } from '../ppmid/testing.ts';
import { type DeviceCredentials, RTDS_DEVICES, RTDS_PARTIES, TrustAnchors } from '../security/credentials.ts';
import { type GeneratedWorld, generatedWorld } from '../security/profiles.ts';
import { Hcalcs, HcalcsError, type HcalcsOptions, type HcalcsSnapshot } from './hcalcs.ts';

const rtds = (folder: string, file: string): GbcsMessage =>
  decodeMessage(fromHex(readFileSync(join(RTDS_MESSAGES, folder, `${file}_GBCS.HEX`), 'utf8').trim()));

const CS08 = ['11.2_CS08', 'CS08_11.2_SUCCESS'] as const;
const CS03A2 = ['8.7.2_CS03A2NonCritical', 'CS03A2NonCritical_8.7.2_SUCCESS'] as const;
const CS04AC = ['8.8.2_CS04ACNonCritical', 'CS04ACNonCritical_8.8.2_SUCCESS'] as const;
const cmd = (x: readonly [string, string]) => rtds(x[0], `${x[1]}_COMMAND`);
const ref = (x: readonly [string, string]) => rtds(x[0], `${x[1]}_RESPONSE`);
const ESME = '00DB123456789093';
const H = RTDS_DEVICES.hcalcs;

let world: GeneratedWorld;
let keys: { ka: IssuedKey; ds: IssuedKey };
let credentials: DeviceCredentials;
before(async () => {
  world = await generatedWorld([]);
  keys = await world.pki.addDevice(H);
  await world.pki.addDevice(RTDS_DEVICES.ppmid); // to address a command elsewhere
  credentials = {
    eui: H,
    kaPrivateKey: keys.ka.privateKey,
    kaCertificate: keys.ka.certificate,
    dsPrivateKey: keys.ds.privateKey,
    dsCertificate: keys.ds.certificate,
  };
});

/** An HCALCS's cells: as a PPMID's, no supplier or network operator cell (the ACB acts for them). */
function anchors(): TrustAnchors {
  const all = world.trustAnchors([]);
  return new TrustAnchors(
    Object.fromEntries(all.cellEntries().filter(([c]) => c !== 'supplier' && c !== 'networkOperator')),
    [],
  );
}

function newHcalcs() {
  const clock = new VirtualClock();
  const options: HcalcsOptions = { clock, credentials, trustAnchors: anchors(), firmwareVersion: '0123ABCD' };
  const hcalcs = new Hcalcs(options);
  const uplink = new FakeUplink(clock);
  hcalcs.attachUplink(uplink);
  let counter = 0x0100_0000_0000n;
  /** Sends an RTDS command re-addressed to the HCALCS, re-protected, fresh counter; returns what it sent. */
  const send = (m: GbcsMessage, changes: Parameters<typeof rebuildCommand>[2] = {}) => {
    const n = uplink.sent.length;
    hcalcs.onRemotePartyMessage(
      rebuildCommand(world.remote, m, { counter: ++counter, recipient: H, ...changes }),
    );
    return uplink.sent.slice(n).map((s) => decodeMessage(s.bytes));
  };
  const read07 = () =>
    send(cmd(CS03A2), {
      otherInfo: { ...cmd(CS03A2).otherInfo, messageCode: 0x0013 },
      content: encodeCommand('CS07', null, { header: {} }),
      signWith: null,
    });
  return { hcalcs, uplink, send, read07, options };
}

/** One response from the HCALCS, its MAC (ACB key) or its signature (the HCALCS's DS key) verified. */
function verified(out: GbcsMessage[]): GbcsMessage {
  assert.equal(out.length, 1, 'one response');
  const r = out[0]!;
  assert.equal(r.cra, 'response');
  assert.equal(r.originator, H);
  if (r.mac !== null) assert.equal(world.remote.verifyMac(r), 'valid');
  else assert.ok(r.signature && ecdsaVerify(r.signedData, r.signature, keys.ds.publicKey));
  return r;
}
const cs07 = (m: GbcsMessage) => decodeResponse('CS07', m.content).fields;

describe('HCALCS emulator: its own use cases through the shared registry', () => {
  it('CS08: its firmware version, the RTDS response content, MAC verifies', () => {
    const h = newHcalcs();
    const r = verified(h.send(cmd(CS08)));
    assert.equal(toHex(r.content), toHex(ref(CS08).content));
    assert.equal(h.hcalcs.events.at(-1)?.reason, 'OK');
    assert.equal(h.hcalcs.metrics.counter('hcalcs.own-command.read').value, 1);
  });

  it('CS03A2 joins the ESME (signed RTDS response); CS07 reads it back; CS04AC unjoins; CS07 reads it empty', () => {
    const h = newHcalcs();
    assert.deepEqual(cs07(verified(h.read07())), { responseCode: 0, joinedDevices: [] });
    const j = verified(h.send(cmd(CS03A2)));
    assert.equal(toHex(j.content), toHex(ref(CS03A2).content));
    assert.ok(j.signature, 'the response to a critical command is signed');
    assert.deepEqual(cs07(verified(h.read07())), {
      responseCode: 0,
      joinedDevices: [{ deviceId: ESME, deviceType: 1 }],
    });
    const u = verified(h.send(cmd(CS04AC), { content: encodeCommand('CS04AC', ESME, { header: {} }) }));
    assert.equal(toHex(u.content), toHex(ref(CS04AC).content));
    assert.deepEqual(cs07(verified(h.read07())), { responseCode: 0, joinedDevices: [] });
  });

  it('the On/Off cluster: On / Off set the switch and answer a Default Response; Toggle and a payload are refused and counted', () => {
    const { hcalcs } = newHcalcs();
    const on = hcalcs.answerClusterCommand(
      ON_OFF_CLUSTER_ID,
      encodeOnOffCommand({ transactionSequenceNumber: 9, on: true }),
      ESME,
    );
    assert.deepEqual(decodeDefaultResponse(on!), {
      direction: 's2c',
      transactionSequenceNumber: 9,
      commandId: 0x01,
      status: 0,
    });
    assert.equal(hcalcs.switchState(), 'on');
    assert.equal(hcalcs.events.at(-1)?.detail?.source, `esme:${ESME}`);
    for (const bad of [Uint8Array.of(0x01, 3, 0x02), Uint8Array.of(0x01, 3, 0x00, 0xff)])
      assert.throws(() => hcalcs.answerClusterCommand(ON_OFF_CLUSTER_ID, bad, ESME));
    assert.equal(hcalcs.switchState(), 'on', 'unchanged');
    assert.equal(hcalcs.metrics.counter('hcalcs.han.onoff.refused').value, 2);
    assert.equal(hcalcs.answerClusterCommand(0x0702, Uint8Array.of(0x01, 1, 0x00), ESME), null);
  });

  it('a wrong role or a replay gets no response, an event, and changes nothing', () => {
    const h = newHcalcs();
    const wrong = h.send(cmd(CS03A2), {
      originator: RTDS_PARTIES.networkOperator,
      signWith: world.pki.store.privateKey(RTDS_PARTIES.networkOperator, 'ds'),
    });
    assert.deepEqual(wrong, []);
    assert.deepEqual(h.hcalcs.own.joined(), []);
    assert.equal(h.hcalcs.events.at(-1)?.decision, 'rejected');
    const first = rebuildCommand(world.remote, cmd(CS03A2), { counter: 0x00ff_0000_0000n, recipient: H });
    h.hcalcs.onRemotePartyMessage(first);
    assert.equal(h.hcalcs.own.joined().length, 1);
    verified(h.read07()); // a later counter, accepted
    const before = h.uplink.sent.length;
    const log = JSON.stringify(h.hcalcs.own.snapshot());
    h.hcalcs.onRemotePartyMessage(first);
    assert.equal(h.uplink.sent.length, before, 'no response to a replay');
    assert.equal(h.hcalcs.events.at(-1)?.reason, 'REPLAY');
    assert.equal(h.hcalcs.metrics.counter('hcalcs.own-command.rejected.REPLAY').value, 1);
    assert.equal(JSON.stringify(h.hcalcs.own.snapshot()), log);
  });

  it('a command for another device is refused (NOT_FOR_ME), bytes that are not GBCS counted as MALFORMED', () => {
    const h = newHcalcs();
    assert.deepEqual(h.send(cmd(CS08), { recipient: RTDS_DEVICES.ppmid }), []);
    assert.equal(h.hcalcs.events.at(-1)?.reason, 'NOT_FOR_ME');
    h.hcalcs.onRemotePartyMessage(fromHex('DF0102'));
    assert.equal(h.hcalcs.events.at(-1)?.reason, 'MALFORMED');
    assert.equal(h.hcalcs.metrics.counter('hcalcs.han.received.malformed').value, 1);
    assert.equal(h.uplink.sent.length, 0);
  });

  it('a payload without its row shape: the error answer and a signed 8F1E alert; nothing joined', () => {
    const h = newHcalcs();
    const out = h.send(cmd(CS03A2), { content: fromHex('300300') });
    assert.equal(out.length, 2, 'the response and the 8F1E alert');
    assert.equal(out[0]?.cra, 'response');
    const alert = out[1]!;
    assert.equal(alert.cra, 'alert');
    assert.equal(alert.messageCode, 0x1000, 'a critical GBZ alert (GCA)');
    assert.match(toHex(alert.content), /8F1E/);
    assert.ok(alert.signature && ecdsaVerify(alert.signedData, alert.signature, keys.ds.publicKey));
    assert.deepEqual(h.hcalcs.own.joined(), []);
  });

  it('an HCALCS does not join a GSME: the error answer and 8F1E, nothing joined', () => {
    const h = newHcalcs();
    const base = cmd(CS03A2);
    const d = decodeCommand('CS03A2', base.content);
    assert.equal((d.fields as { otherDeviceType: number }).otherDeviceType, 1, 'the RTDS join names an ESME');
    const fields = { ...(d.fields as object), otherDeviceType: 0 };
    const out = h.send(base, { content: encodeCommand('CS03A2', fields as never, { header: d.header }) });
    assert.equal(out.length, 2);
    assert.deepEqual(h.hcalcs.own.joined(), []);
  });

  it('the switch (backchannel), the join log and the replay counters survive a snapshot and restore', () => {
    const h = newHcalcs();
    verified(h.send(cmd(CS03A2)));
    assert.equal(h.hcalcs.switchState(), 'off');
    h.hcalcs.setSwitch('on');
    assert.equal(h.hcalcs.events.at(-1)?.kind, 'state-change');
    assert.equal(h.hcalcs.metrics.counter('hcalcs.switch.on').value, 1);
    const snap = JSON.parse(JSON.stringify(h.hcalcs.snapshot())) as HcalcsSnapshot;
    const restored = Hcalcs.restore(snap, { ...h.options, trustAnchors: anchors() });
    assert.equal(restored.switchState(), 'on');
    assert.deepEqual(restored.own.joined(), [{ eui: ESME, deviceType: 'ESME' }]);
    assert.deepEqual(restored.security.snapshot(), h.hcalcs.security.snapshot());
    assert.throws(
      () => Hcalcs.restore({ ...snap, eui: RTDS_DEVICES.ppmid }, h.options),
      (e: unknown) => e instanceof HcalcsError && e.code === 'HCALCS_SNAPSHOT_INVALID',
    );
    assert.throws(() => Hcalcs.restore({} as HcalcsSnapshot, h.options), HcalcsError);
  });
});
