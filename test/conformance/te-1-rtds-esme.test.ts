/**
 * SECMP0038 TE-1 / TE-2 with the real ESME emulator (devices/esme): every
 * RTDS COMMAND addressed to 00DB1234567890A0, injected through the PPMID
 * into a fresh rtds home, is delivered by the CH and accepted by the ESME,
 * and its response reaches the CSP over the WAN and verifies for its
 * recipient: MAC valid (General Ciphering) or, for a response to a critical
 * command (General Signing only, GBCS.md 3), the ESME's signature valid.
 * The result is checked: a use case the ESME runs (Esme.runs()) is executed
 * (never UNSUPPORTED) and, for a SUCCESS example, the response content equals
 * the RTDS response's (the home's ESME is in the RTDS ESME's state; ERROR
 * examples need a device fault, see te-1-fidelity.test.ts); a use case it
 * does not run is answered UNSUPPORTED, which the test names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { Esme } from '../../src/devices/esme/esme.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { peekRouting } from '../../src/gbcs/peek.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { useCaseByCode } from '../../src/gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../src/runtime/bytes.ts';
import { COMMANDS, RESPONSE_FOR } from '../support/atps-harness.ts';

const toEsme = COMMANDS.filter((m) => peekRouting(m.bytes).targetEui === RTDS_EUIS.esme);
const RUNS = new Set(Esme.runs());
/** SUCCESS examples whose content is not compared here, and why. */
const NOT_COMPARED: Readonly<Record<string, string>> = {
  'ECS17b_4.1.1_TWIN_SUCCESS_COMMAND_GBCS.HEX':
    "a twin meter's registers: the rtds home's ESME is single element",
  'ECS17d_4.1.2_TWIN_SUCCESS_COMMAND_GBCS.HEX':
    "a twin meter's registers: the rtds home's ESME is single element",
  'ECS20c_4.4.3_TWIN_SUCCESS_COMMAND_GBCS.HEX':
    "a twin meter's billing data: the rtds home's ESME is single element",
  'ECS22b_4.8.1_TWIN_SUCCESS_COMMAND_GBCS.HEX':
    "a twin meter's profile: the rtds home's ESME is single element",
  'ECS21b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX':
    "needs the meter's own counter at 2001 (te-1-fidelity.test.ts STATES)",
  'ECS09_2.5_SUCCESS_COMMAND_GBCS.HEX':
    'needs a prepayment meter eligible for emergency credit (te-1-fidelity.test.ts STATES)',
  'ECS26l_6.2.3_SUCCESS_COMMAND_GBCS.HEX':
    'needs a quarterly billing calendar (te-1-fidelity.test.ts STATES)',
  'CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX':
    "bound to the RTDS ESME's DS key pair, whose private key the RTDS does not ship (te-1-fidelity.test.ts KEY_BOUND)",
  'CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX':
    "bound to the RTDS ESME's DS key pair, whose private key the RTDS does not ship (te-1-fidelity.test.ts KEY_BOUND)",
  'CS02e_6.24.2_SUCCESS_COMMAND_GBCS.HEX':
    "bound to the RTDS ESME's DS key pair, whose private key the RTDS does not ship (te-1-fidelity.test.ts KEY_BOUND)",
  'CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX':
    'needs a firmware image transferred first (te-1-fidelity.test.ts STATES)',
  'ECS70_6.11_SUCCESS_COMMAND_GBCS.HEX':
    "the response reads back the clock: the home's CH time is not the RTDS scenario's",
};
const useCaseOf = (bytes: Uint8Array) => useCaseByCode(decodeMessage(bytes).messageCode)?.useCase ?? '?';

describe(`TE-1 every RTDS COMMAND to the ESME via ppmid (${toEsme.length}), fresh home each`, async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const profile = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: profile.world, acb: profile.acb });
  for (const m of toEsme) {
    const runs = RUNS.has(useCaseOf(m.bytes));
    it(`${m.name}${runs ? '' : ' (use case not run by the ESME: UNSUPPORTED)'}`, async () => {
      // a use case for polyphase ESMEs only (catalogue esmeVariants) runs in a home with a polyphase ESME
      const variants = useCaseByCode(decodeMessage(m.bytes).messageCode)?.esmeVariants ?? [];
      const esmeVariant = variants.includes('single') ? undefined : variants[0];
      const { id } = await atps.createHome({ profile: 'rtds', ...(esmeVariant ? { esmeVariant } : {}) });
      const [r] = atps.inject(id, 'ppmid', m.bytes, { source: m.name });
      assert.equal(r.chDecision, 'delivered');
      assert.equal(r.deviceDecision, 'accepted', `${r.deviceReason}`);
      assert.ok(r.response, 'the ESME responded');
      assert.equal(r.responseRoute, 'wan');
      const v = csp.decodeVerify(fromHex(r.response));
      assert.equal(v.message.cra, 'response');
      assert.equal(v.message.originatorCounter, peekRouting(m.bytes).originatorCounter);
      if (v.message.mac) assert.equal(v.mac, 'valid');
      else assert.equal(v.signature, 'valid');
      if (!runs) assert.equal(r.deviceReason, 'UNSUPPORTED');
      else {
        assert.notEqual(r.deviceReason, 'UNSUPPORTED', 'the ESME runs this use case');
        const ref = RESPONSE_FOR.get(m.hex.toUpperCase());
        if (ref && m.file.includes('_SUCCESS_') && !NOT_COMPARED[m.file])
          assert.equal(
            toHex(v.message.content),
            toHex(decodeMessage(ref).content),
            'response content as RTDS',
          );
      }
      // nothing went back to the PPMID (CH-4)
      assert.ok(
        !atps
          .home(id)
          .tunnelNode(RTDS_EUIS.ppmid)
          .events.some((e) => e.kind === 'delivered'),
      );
      atps.deleteHome(id);
    });
  }
});

describe('TE-1 the ESME rejects a replayed and a tampered command delivered via the PPMID', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const cmd = toEsme.find((m) => m.name.includes('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND'))!;
  it('replay', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    assert.equal(atps.inject(id, 'ppmid', cmd.bytes)[0].deviceDecision, 'accepted');
    const [again] = atps.inject(id, 'ppmid', cmd.bytes);
    assert.equal(again.chDecision, 'delivered');
    assert.equal(again.deviceDecision, 'rejected');
  });
  it('tampered MAC', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const t = cmd.bytes.slice();
    t[t.length - 2] ^= 0xff;
    const [r] = atps.inject(id, 'ppmid', t);
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.deviceDecision, 'rejected');
  });
});
