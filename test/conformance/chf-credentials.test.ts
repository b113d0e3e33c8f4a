/**
 * The CHF's security credentials (src/devices/chf/credentials.ts, the shared
 * meter code) over the WAN into an `rtds` home: the RTDS CS02bWPByWP
 * replacement (its certificates and certification path, re-encoded with this
 * test's counters and signed with the WAN provider's key) replaces the WAN
 * provider's DS cell, and a later CS02a reads the new certificate and seq
 * number (read after write); a certificate of another role is not replaced
 * (status 10) and a wrong mode is refused as malformed: neither changes what
 * CS02a reads. After the replacement a command signed with the WAN
 * provider's old key is refused (the CHF verifies with its cells).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { RTDS_PARTIES } from '../../src/devices/security/credentials.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeCommand, decodeResponse, encodeCommand, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { type Eui, fromHex, toHex } from '../../src/runtime/bytes.ts';
import { COMMANDS } from '../support/atps-harness.ts';
import { wanResponseTo } from './chf-scenarios.ts';

const CHF = RTDS_EUIS.chf;
const WP = RTDS_PARTIES.wanProvider;
const ROLE_WP = 6;

const rtdsCommand = COMMANDS.find((m) => m.file === 'CS02bWPByWP_NA_SUCCESS_COMMAND_GBCS.HEX')!;
// biome-ignore lint/suspicious/noExplicitAny: command fields edited by path
const rtdsFields = decodeCommand('CS02bWPByWP', decodeMessage(rtdsCommand.bytes).content).fields as any;

describe('CHF CS02b (WAN provider replaces its own credentials) and CS02a', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const { id } = await atps.createHome({ profile: 'rtds' });
  let counter = 0x3000n;

  function seal(useCase: string, fields: (c: bigint) => unknown, originator: Eui) {
    const c = ++counter;
    const row = useCaseById(useCase)!;
    return csp.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator,
        recipient: CHF,
        otherInfo: { messageCode: row.code },
        dateTime: null,
        content: encodeCommand(useCase, fields(c) as never, { header: {} }),
      } as never,
      { sign: row.critical },
    );
  }

  function send(useCase: string, fields: (c: bigint) => unknown, originator: Eui) {
    const bytes = seal(useCase, fields, originator);
    const resp = wanResponseTo(atps, id, bytes, CHF);
    assert.ok(resp, `${useCase}: no response`);
    const content = csp.decodeVerify(fromHex(resp.hex)).message.content;
    // biome-ignore lint/suspicious/noExplicitAny: response fields read by path in the assertions
    return { raw: toHex(content), fields: () => decodeResponse(useCase, content).fields as any };
  }

  const cs02bFields =
    (edit: (f: typeof rtdsFields, c: bigint) => void = () => {}) =>
    (c: bigint) => {
      const f = structuredClone(rtdsFields);
      f.authorisingRemotePartyControl.authorisingRemotePartySeqNumber = c;
      edit(f, c);
      return f;
    };
  const cs02b = (edit?: (f: typeof rtdsFields, c: bigint) => void) =>
    send('CS02bWPByWP', cs02bFields(edit), WP);
  const wpCell = () =>
    send(
      'CS02a',
      () => ({
        authorisingRemotePartyTACellIdentifier: { remotePartyRole: 4, keyUsage: '00001' },
        remotePartyRoles: [ROLE_WP],
      }),
      p.acb,
    ).fields()[0];

  const newCert = rtdsFields.replacements[0].replacementCertificate as string;
  const oldCell = p.world.certificate(WP, 'ds')!;

  it('CS02a reads the WAN provider cell the CHF starts with', () => {
    const cell = wpCell();
    assert.equal(cell.status, 0);
    assert.equal(cell.remotePartySeqNumber, 0);
    assert.notEqual(toHex(oldCell.der), newCert);
  });

  it('a replacement certificate of another role is not replaced (status 10); CS02a reads the same cell', () => {
    const before = wpCell();
    const other = toHex(p.world.certificate(RTDS_PARTIES.networkOperator, 'ds')!.der);
    const r = cs02b((f) => {
      f.replacements[0].replacementCertificate = other;
    }).fields();
    const o = r.executionOutcome.replacementOutcomes[0];
    assert.equal(o.status, 10);
    assert.equal(o.replacingSubjectKeyIdentifier, o.existingSubjectKeyIdentifier);
    const after = wpCell();
    assert.deepEqual(after.trustAnchorCells, before.trustAnchorCells);
  });

  it('a wrong mode is refused as malformed and changes nothing', () => {
    const before = wpCell();
    const r = cs02b((f) => {
      f.authorisingRemotePartyControl.credentialsReplacementMode = 2;
    });
    assert.equal(r.raw, '020103', 'the ASN.1 malformed answer (INTEGER 3)');
    assert.deepEqual(wpCell(), before);
  });

  it('the RTDS replacement is made (status 0); CS02a then reads the new certificate (read after write)', () => {
    const r = cs02b().fields();
    const o = r.executionOutcome.replacementOutcomes[0];
    assert.equal(o.status, 0);
    assert.equal(o.replacingSubjectUniqueID, WP);
    assert.notEqual(o.replacingSubjectKeyIdentifier, o.existingSubjectKeyIdentifier);
    const cell = wpCell();
    const ds = cell.trustAnchorCells.find((c: { keyUsage: string }) => c.keyUsage === '1');
    assert.equal(ds.subjectKeyIdentifier, o.replacingSubjectKeyIdentifier);
    const floor = rtdsFields.authorisingRemotePartyControl.newRemotePartyFloorSeqNumber;
    if (floor !== undefined) assert.equal(BigInt(cell.remotePartySeqNumber), BigInt(floor));
  });

  it("after the replacement the WAN provider's old DS key no longer verifies at the CHF", () => {
    const [r] = atps.inject(id, 'wan', seal('CS02bWPByWP', cs02bFields(), WP));
    assert.notEqual(r.deviceDecision, 'accepted', `${r.deviceDecision} ${r.deviceReason}`);
  });
});
