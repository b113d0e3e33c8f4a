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
 * What is asserted: every example the ESME executes is identical, except
 * those in KNOWN_DIFFERENCES (each with its reason); the identical count is
 * at least FLOOR (raise it as use cases are added).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Esme } from '../../src/devices/esme/esme.ts';
import {
  RecordingUplink,
  type RtdsProfile,
  rtdsEsmeProfile,
} from '../../src/devices/meter-common/test-support.ts';
import { RTDS_TIME } from '../../src/devices/meter-common/time.ts';
import { RTDS_DEVICES } from '../../src/devices/security/credentials.ts';
import { decodeMessage, loadKeyStoreDir } from '../../src/gbcs/index.ts';
import {
  type DlmsCommandRow,
  decodeCommand,
  decodeResponse,
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

/** The least number of identical responses (raised as use cases are added). */
const FLOOR = 181;

/** Examples whose response differs from the reference, and why (each must still differ: remove it when fixed). */
const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  '4.14_ECS21b/ECS21b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX':
    "URP read: the registers are encrypted under the device's own Supplementary Originator Counter (the RTDS ESME's was 2002, a fresh emulator's is 1), so the ciphertext differs; the plaintext is the KRP example's",
  '6.2.3_ECS26l/ECS26l_6.2.3_SUCCESS_COMMAND_GBCS.HEX':
    'ECS26d and ECS26l read the same billing calendar (catalogue billingCalendar.executionTime); the two RTDS scenarios show different calendars (monthly, quarterly): one device state gives the ECS26d one',
};

/** Device states other than a hardware fault that an example needs (set through the backchannel). */
const STATES: Readonly<Record<string, (esme: Esme, command: Uint8Array) => void>> = {
  // an image with the hash the command names was transferred over OTA and verified (version 0123ABCE)
  '11.3_CS06/CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX': (esme, command) =>
    esme.backchannel.loadFirmwareImage(imageHash(command), fromHex('0123ABCE')),
  // the meter runs 0123ABCF and holds no image with that hash: activation fails (code 1)
  '11.3_CS06/CS06_11.3_IMMEDIATE_ERROR_COMMAND_GBCS.HEX': (esme) =>
    esme.backchannel.setFirmwareVersion('0123ABCF'),
  // the meter's join table is full: the join is refused (response code 3)
  '8.7.1_CS03A1/CS03A1_8.7.1_ERROR_COMMAND_GBCS.HEX': (esme) => esme.backchannel.setJoinCapacity(0),
};

function imageHash(command: Uint8Array): Uint8Array {
  const f = decodeCommand('CS06', decodeMessage(command).content).fields as { manufacturerImageHash: string };
  return fromHex(f.manufacturerImageHash);
}

type Verdict = 'identical' | 'differs' | 'not executed';
const tally: Record<Verdict, string[]> = { identical: [], differs: [], 'not executed': [] };

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
  // the scenario's meter: a twin element ESME for the TWIN examples, a single element one otherwise
  const variant = command.file.includes('_TWIN_') ? 'twin' : 'single';
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
  STATES[command.name]?.(esme, command.bytes);
  esme.onRemotePartyMessage(command.bytes);
  const ev = esme.events.find((e) => e.kind === 'command');
  const got = up
    .take()
    .map(decodeMessage)
    .find((m) => m.cra === 'response');
  return { ev, got };
}

describe(`TE-1 fidelity: RTDS commands to the ESME with a reference response (${pairs.length})`, () => {
  for (const { command, response } of pairs) {
    it(command.name, () => {
      const { ev, got } = execute(command, response);
      assert.equal(ev?.decision, 'accepted', `${ev?.reason} ${JSON.stringify(ev?.detail)}`);
      assert.ok(got, 'the ESME responded');
      const ref = decodeMessage(response.bytes);
      let verdict: Verdict;
      if (ev?.reason === 'UNSUPPORTED') verdict = 'not executed';
      else verdict = toHex(got.content) === toHex(ref.content) ? 'identical' : 'differs';
      tally[verdict].push(command.name);
      if (verdict === 'not executed') return;
      const known = KNOWN_DIFFERENCES[command.name];
      if (known) assert.equal(verdict, 'differs', `fixed? remove from KNOWN_DIFFERENCES (${known})`);
      else assert.equal(toHex(got.content), toHex(ref.content), 'response content equals the reference');
    });
  }

  after(() => {
    const n = (v: Verdict) => tally[v].length;
    console.log(
      `TE-1 fidelity (ESME): ${n('identical')} identical / ${n('differs')} differs / ${n('not executed')} not executed of ${pairs.length}`,
    );
    for (const v of ['differs', 'not executed'] as const)
      if (tally[v].length) console.log(`  ${v}: ${tally[v].map((x) => x.split('/')[1]).join(' ')}`);
  });

  it('tally floor', () => {
    // runs after the examples (node:test runs a suite's tests in order)
    assert.ok(tally.identical.length >= FLOOR, `${tally.identical.length} identical, floor ${FLOOR}`);
  });
});
