/**
 * The shared use-case registry (meter-common/use-case-registry.ts) on the
 * ESME: unsupported answers per family, the malformed answer, hardware
 * faults (device state) giving the RTDS ERROR responses, nothing changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeDlmsApdu } from '../../gbcs/payload/dlms.ts';
import { toHex } from '../../runtime/bytes.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Esme } from './esme.ts';
import { esmeTestRig, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const fixture = (name: string) => rtdsFixture(name);

function run(command: Uint8Array, setup: (e: Esme) => void = () => {}) {
  const { esme, deliver } = rig.meter();
  setup(esme);
  const before = esme.snapshot().state;
  const { out: sent, ev, response } = deliver(command);
  return { esme, sent, ev, before, response };
}

describe('use-case registry on the ESME', () => {
  it('a DLMS use case the ESME does not run (ECS26n, a CHF read, sent to the ESME) passes the checks and gets object-unavailable per request', () => {
    const base = decodeMessage(fixture('6.2.4_ECS26n/ECS26n_6.2.4_SUCCESS_COMMAND_GBCS.HEX'));
    const { ev, response } = run(rebuildCommand(rig.profile.remote, base, { recipient: RTDS_DEVICES.esme }));
    assert.equal(ev?.decision, 'accepted', `${ev?.reason} ${JSON.stringify(ev?.detail)}`);
    assert.equal(ev?.reason, 'UNSUPPORTED');
    const apdu = decodeDlmsApdu(response!.content);
    assert.ok(apdu.apdu === 'access-response');
    assert.ok(apdu.results.length > 0);
    for (const r of apdu.results) assert.equal(r.result, 11);
  });

  it('an ASN.1 use case the ESME does not run (CS02bRootBySupplier, 0x0100: a Root cell replacement) gets INTEGER 3', () => {
    const base = decodeMessage(fixture('6.15.2_CS02d/CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX'));
    const { ev, response } = run(
      rebuildCommand(rig.profile.remote, base, { otherInfo: { ...base.otherInfo, messageCode: 0x0100 } }),
    );
    assert.equal(ev?.reason, 'UNSUPPORTED');
    assert.equal(toHex(response!.content), '020103');
  });

  it('Esme.runs() lists the registered use cases', () => {
    const runs = Esme.runs();
    for (const u of ['ECS17b', 'ECS45', 'CS01a', 'CS06', 'ECS43']) assert.ok(runs.includes(u), u);
    assert.ok(!runs.includes('ECS26n'));
    // the inferred rows the ESME holds data for (UNCONFIRMED payloads, docs/use-cases.md)
    for (const u of ['ECS04b', 'ECS10', 'ECS20a', 'ECS20b', 'ECS20d', 'ECS21a', 'ECS26a'])
      assert.ok(runs.includes(u), u);
  });

  it('a hardware fault on the disconnect control (state) gives the RTDS ECS45 ERROR response', () => {
    const { response } = run(fixture('7.4_ECS45/ECS45_7.4_ERROR_COMMAND_GBCS.HEX'), (e) =>
      e.backchannel.hardwareFault('supplyState.controlState'),
    );
    const ref = decodeMessage(fixture('7.4_ECS45/ECS45_7.4_ERROR_RESPONSE_GBCS.HEX'));
    assert.equal(toHex(response!.content), toHex(ref.content));
  });

  it('a faulted ECS43 script execution changes nothing; repaired, the same use case runs', () => {
    const cmd = fixture('7.2_ECS43/ECS43_7.2_ERROR_COMMAND_GBCS.HEX');
    const faulted = run(cmd, (e) => e.backchannel.hardwareFault('disconnectControlScripts.execute'));
    assert.equal(faulted.ev?.reason, 'FAILED');
    assert.deepEqual(faulted.esme.snapshot().state, faulted.before);
    const ref = decodeMessage(fixture('7.2_ECS43/ECS43_7.2_ERROR_RESPONSE_GBCS.HEX'));
    assert.equal(toHex(faulted.response!.content), toHex(ref.content));
    assert.deepEqual(faulted.esme.snapshot().hardwareFaults, ['disconnectControlScripts.execute']);
    faulted.esme.backchannel.hardwareFault('disconnectControlScripts.execute', false);
    const base = decodeMessage(cmd);
    faulted.esme.onRemotePartyMessage(
      rebuildCommand(rig.profile.remote, base, { counter: base.originatorCounter + 1n }),
    );
    assert.equal(faulted.esme.stateView.supply, 'disabled');
  });

  it('a value the handler refuses (ECS43 code with another script id) is malformed: type-unmatched and 8F1E', () => {
    const base = decodeMessage(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));
    const content = new Uint8Array(base.content);
    content[content.length - 1] = 54;
    const { esme, sent, response, before } = run(rebuildCommand(rig.profile.remote, base, { content }));
    const apdu = decodeDlmsApdu(response!.content);
    assert.ok(apdu.apdu === 'access-response' && apdu.results[0]!.result === 12);
    assert.match(toHex(sent.find((m) => m.cra === 'alert')!.content), /8F1E/);
    assert.deepEqual(esme.snapshot().state, before);
  });
});
