/**
 * Fidelity of the HAN devices other than the ESME (issue 12): every RTDS
 * COMMAND addressed to the GSME (00DB1234567890A1), the CHF (...A2) or the
 * GPF (...A3) whose folder holds the RTDS RESPONSE of the same case is
 * injected over the WAN into a fresh `rtds` home, and the emulator's
 * response content (the General Signing payload) must equal the
 * reference's, for every example: the test asserts it per example and
 * prints the tally (identical / differs / not executed: no response, or the
 * device refused the command). The header date-time, counters, MAC and
 * signature are the device's own and are not compared.
 *
 * Key material (test-only, atps/remac.ts): the RTDS ships no KA private key
 * for these devices, so the home's ACB re-MACs each command for the home's
 * key of its recipient (`inject(..., { remac: true })`); payload, counters
 * and the originator's signature are the RTDS bytes. Payload-encrypted read
 * responses are compared after decryption (support/response-content.ts).
 *
 * ERROR examples: the test puts the device in a state in which a real device
 * answers that error (SCENARIOS: through the device's backchannel), then
 * injects the unchanged command. The device never looks at which example
 * it is running. READ examples likewise get the state the reference device
 * held (its configuration, its logs' history written through the device's
 * own log code at their times, its Trust Anchor cells; han-device-scenarios.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { loadKeyStoreDir } from '../../src/gbcs/keystore-dir.ts';
import { peekRouting } from '../../src/gbcs/peek.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { COMMANDS, RTDS } from '../support/atps-harness.ts';
import { RTDS_KEYSTORE } from '../support/fixtures.ts';
import { comparableContent } from '../support/response-content.ts';
import { HOME_START, SCENARIOS } from './han-device-scenarios.ts';

const TARGETS = new Map([
  [RTDS_EUIS.gsme, 'GSME'],
  [RTDS_EUIS.chf, 'CHF'],
  [RTDS_EUIS.gpf, 'GPF'],
]);
const cases = COMMANDS.flatMap((m) => {
  const t = TARGETS.get(peekRouting(m.bytes).targetEui);
  const ref = RTDS.find((x) => x.folder === m.folder && x.file === m.file.replace('_COMMAND_', '_RESPONSE_'));
  return t && ref ? [{ cmd: m, ref, target: t }] : [];
});

const tally = {
  identical: [] as string[],
  differs: [] as string[],
  notExecuted: [] as string[],
};

describe(`RTDS fidelity: GSME, CHF and GPF responses (${cases.length} commands), fresh rtds home each`, async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const profile = await atps.profile('rtds');
  const fixtureKeys = loadKeyStoreDir(RTDS_KEYSTORE);
  after(() => {
    const by = (l: string[]) => l.map((n) => `    ${n}`).join('\n');
    console.log(
      `# RTDS fidelity (GSME/CHF/GPF): ${tally.identical.length} identical, ${tally.differs.length} differ, ${tally.notExecuted.length} not executed, of ${cases.length}\n` +
        `#  differ:\n${by(tally.differs)}\n#  not executed:\n${by(tally.notExecuted)}`,
    );
  });
  for (const { cmd, ref, target } of cases)
    it(`${target} ${cmd.name}`, async () => {
      const example = cmd.file.replace('_COMMAND_GBCS.HEX', '');
      const start = HOME_START[example];
      const { id } = await atps.createHome({ profile: 'rtds', ...(start === undefined ? {} : { start }) });
      const scenario = SCENARIOS[example];
      scenario?.(atps.home(id));
      const [r] = atps.inject(id, 'wan', cmd.bytes, { source: cmd.name, remac: true });
      atps.deleteHome(id);
      const label = `${cmd.file.replace('_COMMAND_GBCS.HEX', '')}`;
      if (r.deviceDecision !== 'accepted' || !r.response) {
        tally.notExecuted.push(`${label}: ${r.chReason} ${r.deviceDecision} ${r.deviceReason}`);
        assert.fail(`not executed: ${r.chReason} ${r.deviceDecision} ${r.deviceReason}`);
      }
      const mine = decodeMessage(fromHex(r.response));
      const theirs = decodeMessage(ref.bytes);
      assert.equal(mine.cra, 'response');
      assert.equal(mine.messageCode, theirs.messageCode);
      assert.equal(mine.originatorCounter, theirs.originatorCounter);
      const a = comparableContent(mine, profile.world);
      const b = comparableContent(theirs, fixtureKeys);
      if (a === b) tally.identical.push(label);
      else tally.differs.push(`${label} (${r.deviceReason})\n      got  ${a}\n      want ${b}`);
      assert.equal(a, b, 'response content equals the RTDS response');
    });
  it('every response identical to RTDS', () => {
    // runs after the examples (node:test runs a suite's tests in order)
    assert.equal(tally.identical.length, cases.length);
  });
});
