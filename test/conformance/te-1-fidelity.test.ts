/**
 * SECMP0038 TE-1 fidelity (issue 12): for every RTDS COMMAND to the ESME
 * (00DB1234567890A0) whose folder holds the reference RESPONSE, a fresh
 * emulated ESME (RTDS key store) executes the command and its response
 * content (the payload inside the General Signing / General Ciphering; the
 * header date-time, counters, MAC and signature are the device's own) is
 * compared with the reference. Prints the tally: identical / differs / not
 * executed (the ESME answered "unsupported").
 *
 * ERROR examples: the device state that makes a real meter answer that error
 * is set through the backchannel before the command: a COSEM attribute with
 * a hardware fault (`backchannel.hardwareFault`), the attribute being the one
 * the scenario names as failed (the first `hardware-fault` result of the
 * reference). The ESME never looks at the example: it answers from its state.
 * Examples that need another state (a firmware image transferred over OTA)
 * say so in STATES.
 *
 * What is asserted: every example is executed and its response content is
 * identical to the reference. Three SUCCESS examples carry the RTDS ESME's
 * DS public key, whose private key the RTDS does not ship (KEY_BOUND): the
 * CS02c request carries the new key pair the device generates, so it is
 * compared field by field except that public key and the request's
 * signature (each side's signature is verified with its own key); CS02d and
 * CS02e run the RTDS flow 6.17 -> 6.15.2 -> 6.24.2 on this ESME: it first
 * generates its key pair (CS02c), the RTDS certificate is installed with its
 * public key replaced by that pair's (the only field bound to the RTDS key:
 * subject, serial, validity, extensions and the issuer's signature bytes are
 * the RTDS ones; the ESME, as a GBCS device, holds no Issuing CA certificate
 * to verify that signature against), and CS02e answers that certificate:
 * CS02d's response is compared byte for byte, CS02e's except the public key.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setAttribute } from '../../src/devices/esme/attribute-store.ts';
import { Esme } from '../../src/devices/esme/esme.ts';
import { keyStoreFault } from '../../src/devices/meter-common/device-credentials.ts';
import {
  RecordingUplink,
  type RtdsProfile,
  rebuildCommand,
  rtdsEsmeProfile,
} from '../../src/devices/meter-common/test-support.ts';
import { RTDS_TIME } from '../../src/devices/meter-common/time.ts';
import { RTDS_DEVICES } from '../../src/devices/security/credentials.ts';
import { messageCodeForUseCase } from '../../src/gbcs/codes/message-codes.ts';
import { decodeMessage, loadKeyStoreDir } from '../../src/gbcs/index.ts';
import { p256Spki } from '../../src/gbcs/pki.ts';
import {
  type DlmsCommandRow,
  decodeCommand,
  decodeResponse,
  encodeCommand,
  useCaseByCode,
} from '../../src/gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../src/runtime/bytes.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { RTDS_KEYSTORE, type RtdsMessage, rtdsMessages } from '../support/fixtures.ts';

const ESME = RTDS_DEVICES.esme;
const all = rtdsMessages();

/** COMMAND -> RESPONSE pairs to the ESME. */
const pairs = all.flatMap((m) => {
  if (m.kind !== 'COMMAND') return [];
  try {
    if (decodeMessage(m.bytes).recipient !== ESME) return [];
  } catch {
    return [];
  }
  const r = all.find((x) => x.name === m.name.replace('_COMMAND_', '_RESPONSE_'));
  return r ? [{ command: m, response: r }] : [];
});

/** The SUCCESS examples bound to the RTDS ESME's DS key pair (see the file comment), and how each is compared. */
const KEY_BOUND: Readonly<Record<string, 'csr' | 'exact' | 'certificate'>> = {
  '6.17_CS02c/CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX': 'csr',
  '6.15.2_CS02d/CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX': 'exact',
  '6.24.2_CS02e/CS02e_6.24.2_SUCCESS_COMMAND_GBCS.HEX': 'certificate',
};
const CS02D = all.find((m) => m.name === '6.15.2_CS02d/CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX')!;

/**
 * Device states other than a hardware fault that an example needs (set through the backchannel, or by the
 * commands a meter in service had run before); a state may return the command to send instead (KEY_BOUND).
 */
const STATES: Readonly<Record<string, (esme: Esme, command: Uint8Array) => unknown>> = {
  // the ESME generated its DS key pair (CS02c) and waits for its certificate: the RTDS certificate, for its key
  '6.15.2_CS02d/CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX': (esme, command) => {
    sendBefore(esme, command, 'CS02c', { keyUsage: '1' });
    return forOwnKey(esme, command);
  },
  // ... and CS02d installed it: CS02e reads it back
  '6.24.2_CS02e/CS02e_6.24.2_SUCCESS_COMMAND_GBCS.HEX': (esme, command) => {
    sendBefore(esme, command, 'CS02c', { keyUsage: '1' }, 2n);
    const base = decodeMessage(command);
    const cs02d = forOwnKey(esme, CS02D.bytes, {
      originator: base.originator,
      counter: base.originatorCounter - 1n,
    });
    esme.onRemotePartyMessage(cs02d);
    const ev = esme.events.filter((e) => e.kind === 'command').at(-1);
    assert.equal(ev?.reason, 'OK', `CS02d before the example: ${ev?.reason}`);
  },
  // an image with the hash the command names was transferred over OTA and verified (version 0123ABCE)
  '11.3_CS06/CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX': (esme, command) =>
    esme.backchannel.loadFirmwareImage(imageHash(command), fromHex('0123ABCE')),
  // the meter runs 0123ABCF and holds no image with that hash: activation fails (code 1)
  '11.3_CS06/CS06_11.3_IMMEDIATE_ERROR_COMMAND_GBCS.HEX': (esme) =>
    esme.backchannel.setFirmwareVersion('0123ABCF'),
  // the meter's KA key store fails (a hardware fault): it can neither issue KA credentials nor read its KA certificate (3)
  '6.17_CS02c/CS02c_6.17_ERROR_COMMAND_GBCS.HEX': (esme) =>
    esme.backchannel.hardwareFault(keyStoreFault('ka')),
  '6.24.2_CS02e/CS02e_6.24.2_ERROR_COMMAND_GBCS.HEX': (esme) =>
    esme.backchannel.hardwareFault(keyStoreFault('ka')),
  // (6.15.2 ERROR needs no state: a fresh meter has no key pair waiting for that certificate and answers 3)
  // a meter in service: its own Originator Counter has reached 2001 (alerts, earlier Supplementary Originator
  // Counters), so the URP read is encrypted under counter 2002
  '4.14_ECS21b/ECS21b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX': (esme) => esme.backchannel.setOwnCounter(2001n),
  // the supplier set a quarterly billing calendar (ECS30a, all periodicities) before the read; the ECS26d scenario's
  // meter has the monthly calendar it was made with
  '6.2.3_ECS26l/ECS26l_6.2.3_SUCCESS_COMMAND_GBCS.HEX': (esme, command) => {
    const quarterly = ['01', '04', '07', '10'].map((m) => ({ time: '12:00:00', date: `****-${m}-01` }));
    sendBefore(esme, command, 'ECS30a', { billingCalendar: { executionTime: quarterly } });
  },
  // a prepayment meter whose balance fell to the emergency credit threshold ECS08a configured: ECS09 may activate
  // emergency credit (esme/emergency-credit.ts; a fresh meter is in credit mode and answers other-reason)
  '2.5_ECS09/ECS09_2.5_SUCCESS_COMMAND_GBCS.HEX': (esme) => {
    const s = esme.snapshot();
    s.state.paymentMode = 'prepayment';
    s.state.meterBalance = 0;
    setAttribute(s.state, 'emergencyCreditLimit.valueActive', 1_500_000);
    setAttribute(s.state, 'emergencyCreditThreshold.valueActive', 250_000);
    esme.restore(s);
  },
  // the meter's join table is full: the join is refused (response code 3)
  '8.7.1_CS03A1/CS03A1_8.7.1_ERROR_COMMAND_GBCS.HEX': (esme) => esme.backchannel.setJoinCapacity(0),
};

/** Delivers to `esme`, before `command`, a `useCase` command from the same originator (counter `back` lower). */
function sendBefore(esme: Esme, command: Uint8Array, useCase: string, fields: unknown, back = 1n): void {
  const base = decodeMessage(command);
  const counter = base.originatorCounter - back;
  const content = encodeCommand(useCase, fields, { originatorCounter: counter });
  const messageCode = messageCodeForUseCase(useCase)!.code;
  // a critical use case (ECS30a) is signed by the originator (the base read is not)
  const critical = messageCodeForUseCase(useCase)!.critical;
  esme.onRemotePartyMessage(
    rebuildCommand(profile.remote, base, {
      counter,
      content,
      otherInfo: { ...base.otherInfo, messageCode },
      ...(critical ? { signWith: profile.remote.keyStore.privateKey(base.originator, 'ds') } : {}),
    }),
  );
  const ev = esme.events.filter((e) => e.kind === 'command').at(-1);
  assert.equal(ev?.reason, 'OK', `${useCase} before the example: ${ev?.reason}`);
}

/** The uncompressed P-256 point (hex) of a public key: what a CSR and a certificate carry of it. */
const point = (k: KeyObject) => toHex(p256Spki(k)).slice(-130);

/** The public key of the DS key pair `esme` generated (CS02c) and holds waiting for its certificate. */
function pendingDsPoint(esme: Esme): string {
  const pkcs8 = esme.stateView.credentials.deviceKeys.pending.ds;
  assert.ok(pkcs8, 'the ESME holds a DS key pair waiting for its certificate');
  return point(
    createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8, 'hex'), format: 'der', type: 'pkcs8' })),
  );
}

/**
 * The RTDS CS02d `command` with its certificate's public key (the RTDS ESME's DS key) replaced by the key of
 * the pair `esme` generated, re-signed by its originator (`changes`: another originator counter).
 */
function forOwnKey(
  esme: Esme,
  command: Uint8Array,
  changes: { originator?: string; counter?: bigint } = {},
): Uint8Array {
  const base = decodeMessage(command);
  const content = toHex(base.content);
  const rtds = point(profile.keyStore.publicKey(ESME, 'ds')!);
  assert.ok(content.includes(rtds), "the RTDS certificate carries the RTDS ESME's DS public key");
  return rebuildCommand(profile.remote, base, {
    ...(changes.counter === undefined ? {} : { counter: changes.counter }),
    content: fromHex(content.replace(rtds, pendingDsPoint(esme))),
  });
}

/** A DER TLV at `at`: its tag and the offsets of its value and end. */
function tlvAt(b: Uint8Array, at: number): { tag: number; start: number; end: number } {
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[start + i]!;
    start += n;
  }
  return { tag: b[at]!, start, end: start + len };
}

/** A PKCS#10 CertificationRequest's parts: the signed info, the signature algorithm, the signature (DER Sig-Value). */
function csrParts(der: Uint8Array) {
  const outer = tlvAt(der, 0);
  const info = tlvAt(der, outer.start);
  const alg = tlvAt(der, info.end);
  const sig = tlvAt(der, alg.end);
  return {
    info: der.subarray(outer.start, info.end),
    algorithm: toHex(der.subarray(info.end, alg.end)),
    // BIT STRING: its first byte is the unused-bits count
    signature: der.subarray(sig.start + 1, sig.end),
  };
}

/** CS02c: the requests are equal except the public key, and each request's signature verifies with its key. */
function assertSameRequest(mine: Uint8Array, theirs: Uint8Array, esme: Esme): void {
  const csr = (content: Uint8Array) =>
    fromHex(
      (decodeResponse('CS02c', content).fields as { certificationRequest: string }).certificationRequest,
    );
  const a = csrParts(csr(mine));
  const b = csrParts(csr(theirs));
  const own = pendingDsPoint(esme);
  const rtdsKey = profile.keyStore.publicKey(ESME, 'ds')!;
  const rtds = point(rtdsKey);
  assert.notEqual(own, rtds);
  assert.equal(
    toHex(a.info).replace(own, '<public key>'),
    toHex(b.info).replace(rtds, '<public key>'),
    'the request info equals the reference except the new public key',
  );
  assert.equal(a.algorithm, b.algorithm);
  const ownKey = createPublicKey({ key: p256SpkiDer(own), format: 'der', type: 'spki' });
  assert.ok(
    verify('sha256', a.info, { key: ownKey, dsaEncoding: 'der' }, a.signature),
    'signed with the new key',
  );
  assert.ok(verify('sha256', b.info, { key: rtdsKey, dsaEncoding: 'der' }, b.signature), 'the reference too');
}

/** The SubjectPublicKeyInfo DER of an uncompressed P-256 point (hex). */
function p256SpkiDer(pointHex: string): Buffer {
  const rtds = toHex(p256Spki(profile.keyStore.publicKey(ESME, 'ds')!));
  return Buffer.from(rtds.slice(0, -130) + pointHex, 'hex');
}

function imageHash(command: Uint8Array): Uint8Array {
  const f = decodeCommand('CS06', decodeMessage(command).content).fields as { manufacturerImageHash: string };
  return fromHex(f.manufacturerImageHash);
}

type Verdict = 'identical' | 'differs' | 'not executed';
const tally: Record<Verdict | 'identical except the RTDS key', string[]> = {
  identical: [],
  'identical except the RTDS key': [],
  differs: [],
  'not executed': [],
};

let profile: RtdsProfile;
before(async () => {
  profile = await rtdsEsmeProfile(loadKeyStoreDir(RTDS_KEYSTORE));
});

/** The attribute the ERROR scenario names as failed: the first hardware-fault result of the reference (DLMS). */
function faultedAttribute(command: RtdsMessage, response: RtdsMessage): string | null {
  const c = decodeMessage(command.bytes);
  const row = useCaseByCode(c.messageCode);
  if (row?.family !== 'dlms' || row.kind !== 'command') return null;
  const cmdFields = decodeCommand(row, c.content).fields as Record<string, Record<string, unknown>>;
  const resp = decodeResponse(row, decodeMessage(response.bytes).content, cmdFields).fields as Record<
    string,
    Record<string, { result: string }>
  >;
  for (const a of (row as DlmsCommandRow).accesses)
    if (resp[a.object]?.[a.member]?.result === 'hardware-fault') return `${a.object}.${a.member}`;
  return null;
}

function execute(command: RtdsMessage, response: RtdsMessage) {
  const clock = new VirtualClock(RTDS_TIME);
  // the scenario's meter: one the use case is for (a polyphase ESME for the rows the catalogue marks polyphase
  // only, phases.ts), a twin element ESME for the TWIN examples, a single element one otherwise
  const variants = useCaseByCode(decodeMessage(command.bytes).messageCode)?.esmeVariants ?? [];
  const variant = variants.includes('single')
    ? command.file.includes('_TWIN_')
      ? 'twin'
      : 'single'
    : (variants[0] ?? 'single');
  const esme = new Esme({
    eui: ESME,
    clock,
    credentials: profile.credentials,
    trustAnchors: profile.trustAnchors,
    variant,
  });
  const up = new RecordingUplink(() => clock.now());
  esme.attachUplink(up);
  if (command.file.includes('_ERROR_')) {
    const f = faultedAttribute(command, response);
    if (f) esme.backchannel.hardwareFault(f);
  }
  const replaced = STATES[command.name]?.(esme, command.bytes);
  const sent = replaced instanceof Uint8Array ? replaced : command.bytes;
  up.take();
  esme.onRemotePartyMessage(sent);
  const ev = esme.events.filter((e) => e.kind === 'command').at(-1);
  const got = up
    .take()
    .map(decodeMessage)
    .find((m) => m.cra === 'response');
  return { ev, got, esme };
}

describe(`TE-1 fidelity: RTDS commands to the ESME with a reference response (${pairs.length})`, () => {
  for (const { command, response } of pairs) {
    it(command.name, () => {
      const { ev, got, esme } = execute(command, response);
      assert.equal(ev?.decision, 'accepted', `${ev?.reason} ${JSON.stringify(ev?.detail)}`);
      assert.ok(got, 'the ESME responded');
      const ref = decodeMessage(response.bytes);
      let verdict: Verdict;
      if (ev?.reason === 'UNSUPPORTED') verdict = 'not executed';
      else verdict = toHex(got.content) === toHex(ref.content) ? 'identical' : 'differs';
      tally[verdict].push(command.name);
      assert.notEqual(verdict, 'not executed', 'the ESME runs this use case');
      const bound = KEY_BOUND[command.name];
      if (bound === 'csr') assertSameRequest(got.content, ref.content, esme);
      else if (bound === 'certificate') {
        const rtds = point(profile.keyStore.publicKey(ESME, 'ds')!);
        const own = point(esme.security.ownCredentials.dsCertificate!.publicKey);
        assert.equal(
          toHex(got.content).replace(own, '<public key>'),
          toHex(ref.content).replace(rtds, '<public key>'),
          'the certificate CS02d installed: the reference except the public key',
        );
      } else assert.equal(toHex(got.content), toHex(ref.content), 'response content equals the reference');
      if (bound === 'csr' || bound === 'certificate') {
        tally[verdict].pop();
        tally['identical except the RTDS key'].push(command.name);
      }
    });
  }

  after(() => {
    const n = (v: keyof typeof tally) => tally[v].length;
    console.log(
      `TE-1 fidelity (ESME): ${n('identical')} identical, ${n('identical except the RTDS key')} identical except the RTDS ESME's DS public key (CS02c also its signature) / ${n('differs')} differs / ${n('not executed')} not executed of ${pairs.length}`,
    );
    for (const v of ['identical except the RTDS key', 'differs', 'not executed'] as const)
      if (tally[v].length) console.log(`  ${v}: ${tally[v].map((x) => x.split('/')[1]).join(' ')}`);
  });

  it('every example as the reference', () => {
    // runs after the examples (node:test runs a suite's tests in order)
    assert.equal(tally.identical.length + tally['identical except the RTDS key'].length, pairs.length);
    assert.equal(tally['identical except the RTDS key'].length, Object.keys(KEY_BOUND).length - 1);
  });
});
