/**
 * Issue 12: SRV 6.21 Request Handover of DCC Controlled Device
 * (CS02bNOByNOHandover) in an estate home, end to end over real HTTP (DUIS
 * XSD validation on, XML-DSig both ways), the SM WAN model and the home's
 * ESME emulator. The estate's devices hold the system's test PKI Root in
 * their root Trust Anchor cell (src/system/keys.ts `ca/`, src/sim/estate.ts),
 * so a new network operator's certificates, issued by that PKI, pass the
 * certification path check; the ACB (the DCC as network operator) signs the
 * command. The handover is then read back over the same path with 6.24.1
 * (CS02f): the ESME's network operator cell holds the new party. A
 * certificate from another PKI is refused (status 10) and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseDuisRequest } from '../../src/duis/index.ts';
import { createTestPki, decodeMessage } from '../../src/gbcs/index.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../src/runtime/bytes.ts';
import { duisBodyToJson } from '../../src/supplier/duis-order.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import { SYSTEM_PARTIES } from '../../src/system/keys.ts';
import { allTemplates } from '../support/dsp-transform.ts';
import { awaitCommand, type E2eSystem, http, startE2eSystem } from './harness.ts';

const NEW_NETWORK_OPERATOR = '90B3D51F30020001';
/** The fields of a CS02b response this test reads. */
interface Outcome {
  executionOutcome: {
    credentialsReplacementMode: number;
    replacementOutcomes: Array<{ status: number; replacingSubjectUniqueID: string }>;
  };
}

const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

describe('e2e: 6.21 handover of an estate ESME to a new network operator (HTTP, XSD, XML-DSig, WAN)', () => {
  let e: E2eSystem;
  before(async () => {
    e = await startE2eSystem({ homes: 1, wanMix: 'reliable=1', xsdValidation: true });
  });
  after(() => e?.stop());

  async function order(srv: string, body: unknown): Promise<CommandRecord> {
    const home = e.sys.estate!.homes[0];
    const placed = await http<CommandRecord>(
      e.sys.urls.supplier,
      'POST',
      `/api/v1/premises/${home.premisesId}/commands`,
      { order: { kind: 'duis', srv, body }, target: home.plan.esme, route: 'wan' },
    );
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    return awaitCommand(e.sys, placed.body.id);
  }

  const handover = (ka: Uint8Array, ds: Uint8Array, path: Uint8Array[]) => ({
    RemotePartyRole: 'NetworkOperator',
    RemotePartyFloorSeqNumber: '0',
    ReplacementCertificates: { DigitalSigningCertificate: b64(ds), KeyAgreementCertificate: b64(ka) },
    CertificationPathCertificates: { Certificate: b64(path[0]!) },
    ApplyTimeBasedCPVChecks: 'true',
  });

  /** The 6.21 template's body with our certificates (its root element name and layout kept). */
  function body(ka: Uint8Array, ds: Uint8Array, path: Uint8Array[]): unknown {
    const t = allTemplates().find((x) => x.file.startsWith('CS02bNOByNOHandover_6.21_SUCCESS'))!;
    const tpl = duisBodyToJson(parseDuisRequest(t.xml).body) as Record<string, unknown>;
    const ours = handover(ka, ds, path);
    return Object.fromEntries(
      Object.keys(tpl).map((k) => [k, k in ours ? (ours as Record<string, unknown>)[k] : tpl[k]]),
    );
  }

  const noCell = () => e.sys.estate!.homes[0].esme.security.trustAnchors.cell('networkOperator')!;

  it('a network operator certificate from another PKI is refused (certification path) and changes nothing', async () => {
    const foreign = await createTestPki();
    const { ka, ds } = await foreign.addRemoteParty(NEW_NETWORK_OPERATOR, 3);
    const done = await order('6.21', body(ka.certificate.der, ds.certificate.der, [foreign.issuingCaDer]));
    assert.equal(done.state, 'responded', `${done.state} ${done.reason ?? ''}`);
    const m = decodeMessage(fromHex(done.response!.gbcs!));
    const f = decodeResponse('CS02bNOByNOHandover', m.content).fields as Outcome;
    assert.deepEqual(
      f.executionOutcome.replacementOutcomes.map((o) => o.status),
      [10, 10],
    );
    assert.equal(noCell().eui, SYSTEM_PARTIES.networkOperator);
  });

  it("6.21 with the system PKI's new network operator: the ESME answers success and its cell holds the new party (read back by 6.24.1)", async () => {
    const home = e.sys.estate!.homes[0];
    assert.ok(home.esme.security.trustAnchors.rootPublicKey, 'the estate ESME holds a Root key');
    const { ka, ds, path } = await e.sys.keys.issueRemoteParty(NEW_NETWORK_OPERATOR, 3);
    const done = await order('6.21', body(ka.certificate.der, ds.certificate.der, path));
    assert.equal(done.state, 'responded', `${done.state} ${done.reason ?? ''}`);
    const m = decodeMessage(fromHex(done.response!.gbcs!));
    assert.equal(m.originator, home.plan.esme);
    const f = (decodeResponse('CS02bNOByNOHandover', m.content).fields as Outcome).executionOutcome;
    assert.equal(f.credentialsReplacementMode, 3);
    assert.deepEqual(
      f.replacementOutcomes.map((o) => [o.status, String(o.replacingSubjectUniqueID).toUpperCase()]),
      [
        [0, NEW_NETWORK_OPERATOR],
        [0, NEW_NETWORK_OPERATOR],
      ],
    );
    // the device's cell now holds the new party's certificates
    const cell = noCell();
    assert.equal(cell.eui, NEW_NETWORK_OPERATOR);
    assert.equal(toHex(cell.ds!.der), toHex(ds.certificate.der));
    assert.equal(toHex(cell.ka!.der), toHex(ka.certificate.der));

    // read back over the DSP: 6.24.1 (CS02f) names the new party in the network operator cell
    const read = await order('6.24.1', { RemotePartyRole: ['NetworkOperator'] });
    assert.equal(read.state, 'responded', `${read.state} ${read.reason ?? ''}`);
    const r = decodeResponse('CS02f', decodeMessage(fromHex(read.response!.gbcs!)).content).fields;
    const roles = r as Array<{
      targetRemotePartyRole: number;
      status: number;
      trustAnchorCells: Array<{ subjectUniqueID: string; subjectKeyIdentifier: string }>;
    }>;
    assert.deepEqual(
      roles.map((x) => [x.targetRemotePartyRole, x.status, x.trustAnchorCells.map((c) => c.subjectUniqueID)]),
      [[3, 0, [NEW_NETWORK_OPERATOR, NEW_NETWORK_OPERATOR]]],
      'the network operator cell names the new party only',
    );
  });
});
