/**
 * A supplier's critical credential SRs to a PPMID end to end over real HTTP
 * (DUIS XSD validation on, XML-DSig both ways), the SM WAN model and the
 * emulated PPMID. The PPMID holds the Root, Recovery and ACB cells only
 * (TRUST_ANCHOR_CELLS_OF, PROVISIONAL), so the DSP has the ACB originate the
 * command for the supplier (src/dcc/dsp/transform/acb-fronting.ts): CV 4
 * returns a Pre-Command with the ACB as Originator and the supplier as
 * Supplementary Remote Party, the supplier signs it, CV 5: the DSP checks
 * the supplier's signature, the ACB signs and MACs the Command, the PPMID
 * verifies the ACB's signature against its ACB cell, runs the shared
 * credential handler and answers; the supplier receives the PPMID's GBCS
 * response. 6.15.1 (CS02b supplier by supplier) has no such path: E11.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeviceEvent } from '../../src/devices/contracts.ts';
import { parseDuisRequest } from '../../src/duis/index.ts';
import { decodeMessage, parseGbcsCertificate } from '../../src/gbcs/index.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../src/runtime/bytes.ts';
import { duisBodyToJson } from '../../src/supplier/duis-order.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { SYSTEM_PARTIES } from '../../src/system/keys.ts';
import { allTemplates } from '../support/dsp-transform.ts';
import { awaitCommand, type E2eSystem, http, startE2eSystem } from './harness.ts';

describe('e2e: supplier critical credential SRs to a PPMID through the ACB (HTTP, XSD, XML-DSig, WAN)', () => {
  let e: E2eSystem;
  before(async () => {
    e = await startE2eSystem({ homes: 1, wanMix: 'reliable=1', xsdValidation: true });
  });
  after(() => e?.stop());

  async function order(srv: string, body: unknown): Promise<CommandRecord> {
    const { sys } = e;
    const home = sys.estate!.homes[0];
    const placed = await http<CommandRecord>(
      sys.urls.supplier,
      'POST',
      `/api/v1/premises/${home.premisesId}/commands`,
      { order: { kind: 'duis', srv, body }, target: home.plan.ppmid, route: 'wan' },
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    return awaitCommand(sys, placed.body.id);
  }

  /** The PPMID's newest event (what came before it is not this test's). */
  const lastEvent = () => e.sys.estate!.homes[0].ppmid!.events.at(-1);
  /** The PPMID's command events after `mark`. */
  const commandsAfter = (mark: DeviceEvent | undefined) => {
    const ev = e.sys.estate!.homes[0].ppmid!.events;
    return ev.slice(mark ? ev.indexOf(mark) + 1 : 0).filter((x) => x.kind === 'command');
  };
  const accepted = (useCase: string, mark: DeviceEvent | undefined) =>
    commandsAfter(mark).filter((x) => x.decision === 'accepted' && x.useCase === useCase);

  it('6.24.2 (CS02e): the PPMID answers with its own Device Certificate, to the supplier behind the ACB', async () => {
    const home = e.sys.estate!.homes[0];
    const mark = lastEvent();
    const done = await order('6.24.2', {
      RetrieveDeviceSecurityCredentialsDevice: { CredentialType: 'Key Agreement' },
    });
    assert.equal(done.state, 'responded', `${done.state} ${done.reason ?? ''}`);
    assert.deepEqual(done.commandVariants, [4, 5]);
    const m = decodeMessage(fromHex(done.response!.gbcs!));
    assert.equal(m.originator, home.plan.ppmid);
    assert.equal(
      m.otherInfo.supplementaryRemotePartyId,
      SYSTEM_PARTIES.supplier,
      'answered for the supplier',
    );
    const f = decodeResponse('CS02e', m.content).fields as { deviceCertificate: string };
    const own = home.ppmid!.security.ownCredentials.kaCertificate!;
    assert.equal(
      f.deviceCertificate.toUpperCase(),
      toHex(own.der).toUpperCase(),
      "the PPMID's KA certificate",
    );
    assert.equal(parseGbcsCertificate(fromHex(f.deviceCertificate)).eui, home.plan.ppmid);
    // the PPMID took it from the ACB (the header Originator), not from the supplier
    const runs = accepted('CS02e', mark);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].originator, SYSTEM_PARTIES.acb);
  });

  it('6.17 (CS02c): the PPMID generates a key pair and returns its certification request', async () => {
    const mark = lastEvent();
    const done = await order('6.17', { IssueSecurityCredentials: { CredentialType: 'Digital Signature' } });
    assert.equal(done.state, 'responded', `${done.state} ${done.reason ?? ''}`);
    const m = decodeMessage(fromHex(done.response!.gbcs!));
    const f = decodeResponse('CS02c', m.content).fields as { certificationRequest?: string };
    assert.match(f.certificationRequest ?? '', /^30/i, 'a DER certification request');
    assert.equal(accepted('CS02c', mark)[0]?.originator, SYSTEM_PARTIES.acb);
  });

  it('6.15.1 to the PPMID: refused E11 before any command (the supplier signs CS02b itself; no supplier cell)', async () => {
    const mark = lastEvent();
    // the body of the DCC's 6.15.1 template (supplier certificates for the supplier cell)
    const t = allTemplates().find(
      (x) => x.file === 'CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML',
    )!;
    const done = await order('6.15.1', duisBodyToJson(parseDuisRequest(t.xml).body));
    assert.equal(done.state, 'failed');
    assert.match(done.reason ?? '', /E11/);
    assert.deepEqual(commandsAfter(mark), [], 'the PPMID received no command');
  });
});
