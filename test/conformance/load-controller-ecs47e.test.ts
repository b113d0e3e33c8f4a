/**
 * Issue 17: SRV 7.16 Limit APC Level (ECS47e) from a Load Controller, at the
 * device level. GBCS (the later use-case file, c5d22f4e) lets the Load
 * Controller only (Remote Party Role 8) originate ECS47e. Which DUIS User
 * Role sends 7.16 for such a party, and how the DSP would know a user acts
 * as a Load Controller, is not established from the DUIS XSD (it names
 * LoadController only as a RemotePartyRole, for credential replacement), this
 * project's DUIS notes or the public sources searched: the DSP keeps
 * refusing 7.16 to every user (E2, dcc/dsp/access.ts; docs/use-cases.md
 * "Roles"). What is established is tested here end to end from the DUIS
 * body to the ESME: the DSP's own 7.16 transform builds the Pre-Command
 * (CV 4) with the Load Controller as business originator, the Load
 * Controller signs it with its DS key (RTDS keystore), the DSP completes it
 * (CV 5: ACB MAC), and the command goes over the SM WAN to the CH and the
 * ESME of an emulated RTDS home (ATPS `wan` route), which verifies the
 * signature against its Load Controller Trust Anchor cell, authorises by
 * the catalogue's role table and limits APC N. The same command signed by
 * the supplier or the network operator is refused NO_AUTHORITY (8F30).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { gbcsRefusalForEveryUser } from '../../src/dcc/dsp/access.ts';
import { completeSignedPreCommand, transformServiceRequest } from '../../src/dcc/dsp/transform/index.ts';
import { getAttribute } from '../../src/devices/esme/attribute-store.ts';
import type { EsmeState } from '../../src/devices/esme/state.ts';
import { RTDS_PARTIES } from '../../src/devices/security/credentials.ts';
import { parseDuisRequest } from '../../src/duis/index.ts';
import { decodeMessage, SecurityContext } from '../../src/gbcs/index.ts';
import { decodeCommand, decodeResponse, mayOriginate } from '../../src/gbcs/use-cases/index.ts';
import { type Eui, euiToDuis, fromHex } from '../../src/runtime/bytes.ts';
import { derivedTemplates } from '../support/derived-templates.ts';
import { rtdsContext, rtdsKeyStore } from '../support/dsp-transform.ts';

/** The derived 7.16 request (APC 5 limited), with `from` as the RequestID originator. */
function limitApcRequest(from: Eui, level: number) {
  const t = derivedTemplates().find((d) => d.srv === '7.16');
  assert.ok(t, 'a derived 7.16 request');
  const xml = t.xml
    .replace(/(<sr:RequestID>)[0-9A-F-]+:/i, `$1${euiToDuis(from)}:`)
    .replace(/(<sr:CommandedStateLevel>)\d+/, `$1${level}`);
  const req = parseDuisRequest(xml);
  assert.equal(req.header.requestId.originator, from);
  assert.equal(req.header.commandVariant, 4, 'a critical SR: CV 4 first');
  return req;
}

/** The COMMAND the DSP sends for `from`'s 7.16: its Pre-Command signed by `signer`, then completed (ACB MAC). */
function ecs47eCommand(from: Eui, level: number, signer: Eui = from): Uint8Array {
  const ctx = rtdsContext();
  const pre = transformServiceRequest(limitApcRequest(from, level), ctx);
  assert.equal(pre.kind, 'pre-command');
  assert.equal(pre.useCase, 'ECS47e');
  assert.equal(pre.originator, from, 'the business originator is the header Originator');
  const signed = new SecurityContext({ keyStore: rtdsKeyStore() }).sign(pre.gbcs, signer);
  return completeSignedPreCommand(signed, ctx);
}

describe('7.16 ECS47e from a Load Controller over the SM WAN to the ESME (device level; the DSP refuses 7.16)', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const profile = await atps.profile('rtds');

  it('the catalogue: only the Load Controller may originate ECS47e', () => {
    assert.equal(mayOriginate('ECS47e', 'loadController'), true);
    for (const r of ['supplier', 'networkOperator', 'acb', 'otherUser'] as const)
      assert.equal(mayOriginate('ECS47e', r), false, r);
  });

  it('the Load Controller limits APC 5 to 40: the ESME verifies, runs it and switches the controller off', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const esme = () =>
      (atps.home(id).device(profile.euis.esme) as unknown as { stateView: EsmeState }).stateView;
    assert.equal(getAttribute(esme(), 'alcs5.outputState'), true, 'the RTDS ESME has controller 5 on');
    const cmd = ecs47eCommand(RTDS_PARTIES.loadController, 40);
    const m = decodeMessage(cmd);
    assert.equal(m.originator, RTDS_PARTIES.loadController);
    assert.equal(m.envelope, 'general-ciphering');
    const fields = decodeCommand(m.messageCode, m.content).fields as Record<string, { value?: unknown }>;
    assert.ok(fields.apcLimitStart5?.value, 'the APC 5 limit period start');
    assert.equal(fields.apcLimitStart1, undefined, 'only the commanded APC has a period');

    const [r] = atps.inject(id, 'wan', cmd, { source: 'ECS47e' });
    assert.equal(r.chDecision, 'delivered', `${r.chReason}`);
    assert.equal(r.deviceDecision, 'accepted', `${r.deviceReason}`);
    assert.equal(r.useCase, 'ECS47e');
    assert.ok(r.response, 'the ESME answered');
    const resp = decodeMessage(fromHex(r.response));
    assert.equal(
      resp.recipient,
      RTDS_PARTIES.loadController,
      'the response goes back to the Load Controller',
    );
    const decoded = decodeResponse(resp.messageCode, resp.content);
    assert.ok(decoded, 'an ECS47e response');
    assert.equal(getAttribute(esme(), 'alcs5.outputState'), false, 'APC 5 limited below 100: off');
    assert.equal(getAttribute(esme(), 'alcs4.outputState'), true, 'the other controllers are unchanged');
    atps.deleteHome(id);
  });

  for (const [who, eui] of [
    ['the supplier', RTDS_PARTIES.supplier],
    ['the network operator', RTDS_PARTIES.networkOperator],
  ] as const)
    it(`the same 7.16 from ${who} is refused NO_AUTHORITY and changes nothing`, async () => {
      const { id } = await atps.createHome({ profile: 'rtds' });
      const esme = () =>
        (atps.home(id).device(profile.euis.esme) as unknown as { stateView: EsmeState }).stateView;
      const [r] = atps.inject(id, 'wan', ecs47eCommand(eui, 40), { source: 'ECS47e' });
      assert.equal(r.chDecision, 'delivered', `${r.chReason}`);
      assert.equal(r.deviceDecision, 'rejected');
      assert.equal(r.deviceReason, 'NO_AUTHORITY');
      assert.equal(getAttribute(esme(), 'alcs5.outputState'), true, 'APC 5 unchanged');
      atps.deleteHome(id);
    });

  it('a Load Controller Pre-Command signed by another party: the DSP refuses to complete it', () => {
    assert.throws(
      () => ecs47eCommand(RTDS_PARTIES.loadController, 40, RTDS_PARTIES.supplier),
      (e: unknown) => (e as { code?: string }).code === 'DSP_SIGNATURE_INVALID',
    );
  });

  it('the DSP still refuses 7.16 to every DUIS user (no User Role is established as a Load Controller)', () => {
    assert.match(gbcsRefusalForEveryUser('7.16') ?? '', /only loadController originate ECS47e/);
    assert.match(
      gbcsRefusalForEveryUser('7.16') ?? '',
      /names LoadController only as a RemotePartyRole value .*neither the Request Header nor 7\.16 LimitAPCLevel names an originating role/,
    );
  });
});
