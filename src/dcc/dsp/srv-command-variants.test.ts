/**
 * Every transformed device SRV against every Command Variant 1-8, table
 * driven from the SRV table (srv-table.ts), XSD validation on and every
 * request XML-signed by its user: each CV the DSP offers for the
 * SRV is accepted with its DUIS answer (CV 1/5 I99; CV 3/7 I99 with the
 * Local Command; CV 2/6 I0 with the Local Command; CV 4 I0 with the
 * Pre-Command), each it refuses gets its DUIS code (E17 for a local-delivery
 * refusal of SECMP0038 DSP-3, E12 for a CV the SR does not take). For the
 * local-delivery variants 2/3/6/7 (the PPMID routes of SECMP0038) the Local
 * Command is the GBCS Command for the target with a valid ACB MAC, and the
 * WAN copy (CV 3/7) is the same bytes.
 *
 * Bodies come from the DCC templates (one per SRV: an immediate one where
 * there are several; for SRVs no DCC template shows, one derived from a
 * sibling SRV's, test/support/derived-templates.ts), re-signed by the registered user; SRVs without a
 * template, or whose roles the two registered users do not hold, are listed
 * in the printed tally.
 */

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { derivedTemplates, templateXml } from '../../../test/support/derived-templates.ts';
import {
  CHF,
  DSP_TRUST,
  executionNotBefore,
  NETWORK_OPERATOR,
  networkSigner,
  openTestDsp,
  RTDS_INVENTORY,
  rtds,
  rtdsSecurity,
  SUPPLIER,
  signedRequest,
  supplierSigner,
  TEMPLATES,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import {
  RTDS_DEVICE_LOG_BACKUPS,
  RTDS_JOIN_PARTNERS,
  RTDS_OLD_CH,
} from '../../../test/support/dsp-transform.ts';
import { isGbtFragment } from '../../devices/han/node.ts';
import {
  type CommandVariant,
  type DuisResponse,
  signedPreCommandBody,
  verifyAndParseDuisResponse,
  type XmlSigner,
} from '../../duis/index.ts';
import { decodeGbt, reassembleGbt } from '../../gbcs/gbt.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { useCaseById } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { gbcsRefusalForEveryUser } from './access.ts';
import { endpointForCommandVariant } from './service.ts';
import { srvTable } from './srv-table.ts';
import { SUPPORTED_SRVS } from './transform/index.ts';

/** Some GBCS Command (RTDS ECS17b) for the refused CV 5-7 bodies. */
const ANY_COMMAND = rtds('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
const ALL_CVS: readonly CommandVariant[] = [1, 2, 3, 4, 5, 6, 7, 8];
const LOCAL: readonly CommandVariant[] = [2, 3, 6, 7];
const ACB_DUIS = '90-B3-D5-1F-30-00-00-02';
const USERS: Record<string, { roles: readonly string[]; signer: XmlSigner }> = {
  [SUPPLIER]: { roles: ['IS', 'GS'], signer: supplierSigner },
  [NETWORK_OPERATOR]: { roles: ['ED'], signer: networkSigner },
};

interface Case {
  srv: string;
  file: string;
  originator: string;
  target: string;
  critical: boolean;
  offered: readonly CommandVariant[];
  duis: readonly CommandVariant[];
}

/** One template per transformed SRV: immediate (not future dated, not a cancellation) where there is a choice. */
function cases(): { cases: Case[]; skipped: string[] } {
  const files = [
    ...readdirSync(TEMPLATES).filter((f) => f.endsWith('_REQUEST_DUIS.XML')),
    ...derivedTemplates().map((d) => d.file),
  ];
  const out: Case[] = [];
  const skipped: string[] = [];
  for (const e of srvTable()) {
    if (!SUPPORTED_SRVS.includes(e.srv)) continue;
    const mine = files
      .filter((f) => templateXml(f).includes(`>${e.srv}</sr:ServiceReferenceVariant>`))
      .filter((f) => !/FUTURE|CANCELLATION|_URP_/.test(f))
      .sort();
    let picked: Case | undefined;
    for (const file of mine) {
      const xml = templateXml(file);
      const m = /<sr:RequestID>([^<:]+):([^<:]+):\d+<\/sr:RequestID>/.exec(xml);
      if (!m) continue;
      // requests the ACB sends itself are sent here by the supplier (the ACB is no DUIS user)
      const orig = m[1] === ACB_DUIS ? SUPPLIER : m[1].replaceAll('-', '');
      const user = USERS[orig];
      if (!user?.roles.some((r) => (e.roles as readonly string[]).includes(r))) continue;
      picked = {
        srv: e.srv,
        file,
        originator: orig,
        target: m[2].replaceAll('-', ''),
        critical: e.class === 'critical',
        offered: e.commandVariants,
        duis: e.duisCommandVariants,
      };
      break;
    }
    if (picked) out.push(picked);
    else
      skipped.push(
        `${e.srv} (${mine.length ? 'no template from a registered user with its role' : 'no template'})`,
      );
  }
  return { cases: out, skipped };
}

const { cases: CASES, skipped: SKIPPED } = cases();

function parsed(reply: { contentType: string; body: string }, what = ''): DuisResponse {
  assert.equal(reply.contentType, 'application/xml', `${what}: ${reply.body.slice(0, 300)}`);
  return verifyAndParseDuisResponse(reply.body, DSP_TRUST).response;
}

/**
 * The last message the DSP sent over the SM WAN: a command bigger than one HAN
 * transfer goes out as GBT blocks (han-downlink.ts), put back together here.
 */
function lastWanMessage(sent: readonly { gbcs: Uint8Array }[]): Uint8Array {
  const last = sent.at(-1)!.gbcs;
  if (!isGbtFragment(last)) return last;
  const blocks: Uint8Array[] = [];
  for (let i = sent.length - 1; i >= 0; i--) {
    const b = sent[i]!.gbcs;
    if (!isGbtFragment(b)) break;
    blocks.unshift(b);
    if (decodeGbt(b).blockNumber === 1) break;
  }
  return reassembleGbt(blocks);
}
describe('DSP service: every transformed device SRV x Command Variant 1-8 (SRV table)', () => {
  let t: TestDsp;
  let counter = 10_000n;
  const tally = { accepted: 0, refused: 0, local: 0 };
  before(async () => {
    t = await openTestDsp('sqlite', { xsdValidation: true });
    for (const [eui, deviceType] of Object.entries(RTDS_JOIN_PARTNERS))
      t.dsp.setInventoryDevice({ eui, deviceType, chf: CHF, csp: 'csp-north' });
    // the old CH of the 8.12.x templates and the Device Log backups the DSP holds of it
    for (const [eui, deviceType] of Object.entries(RTDS_OLD_CH))
      t.dsp.setInventoryDevice({ eui, deviceType, chf: '00DB123456789095', csp: 'csp-north' });
    for (const [eui, b] of Object.entries(RTDS_DEVICE_LOG_BACKUPS)) {
      if (b.chf) t.dsp.deviceLogBackups.put(eui, 'chf', b.chf);
      if (b.gpf) t.dsp.deviceLogBackups.put(eui, 'gpf', b.gpf);
    }
    await t.dsp.flush();
  });
  after(async () => {
    console.log(
      `# SRV x CV: ${CASES.length} SRVs; ${tally.accepted} accepted (${tally.local} with a Local Command), ` +
        `${tally.refused} refused with their DUIS code; not covered: ${SKIPPED.join(', ') || 'none'}`,
    );
    await t?.close();
  });

  it('covers most transformed device SRVs', () => {
    assert.ok(CASES.length >= 70, `${CASES.length} SRVs covered; skipped: ${SKIPPED.join(', ')}`);
  });

  /** CV 4 then the user signs the Pre-Command with its DS key (RTDS key store). */
  function signedPreCommand(c: Case): Uint8Array {
    const reply = t.dsp.handleRequest(
      'serviceT',
      templateRequest(c.file, {
        counter: ++counter,
        cv: 4,
        originator: c.originator,
        signer: USERS[c.originator].signer,
      }),
    );
    const r = parsed(reply, `${c.srv} CV 4 for CV 5-7`);
    assert.equal(r.header.responseCode, 'I0', reply.body);
    assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'PreCommand', reply.body);
    return rtdsSecurity().sign(r.body.payload.gbcs);
  }

  function request(c: Case, cv: CommandVariant): string {
    const signer = USERS[c.originator].signer;
    if (cv >= 5 && cv <= 7) {
      // DUIS: CV 5-7 carry a Signed Pre-Command; for an SR that does not take them any signed APDU does
      // (the Signed Pre-Command answers the CV 4 request of the same RequestID)
      const gbcs = c.offered.includes(cv)
        ? signedPreCommand(c)
        : rtdsSecurity().sign(decodeMessage(ANY_COMMAND).apdu.slice(0, -1));
      if (!c.offered.includes(cv)) counter++;
      return signedRequest(
        {
          originator: c.originator,
          target: c.target,
          counter,
          cv,
          srv: c.srv,
          body: signedPreCommandBody({ gbcsPayload: gbcs }),
        },
        signer,
      );
    }
    return templateRequest(c.file, {
      counter: ++counter,
      cv,
      originator: c.originator,
      signer,
      edit: executionNotBefore(t.clock.now()),
    });
  }

  for (const c of CASES) {
    it(`${c.srv} (${c.file}): offered ${c.offered.join(',')}; DUIS ${c.duis.join(',')}`, (ctx) => {
      // a use case only a twin element ESME has (ECS01c): the target is a twin element ESME for this SRV
      const device = RTDS_INVENTORY.find((d) => d.eui === c.target);
      if (
        device?.deviceType === 'ESME' &&
        useCaseById(c.file.split('_')[0])?.esmeVariants?.join() === 'twin'
      ) {
        t.dsp.setInventoryDevice({ ...device, esmeVariant: 'twin' });
        ctx.after(() => t.dsp.setInventoryDevice({ ...device }));
      }
      // an SRV GBCS lets no DUIS user originate (7.16, ECS47e: Load Controller only): its CV 4 is refused (E2)
      if (gbcsRefusalForEveryUser(c.srv)) {
        const reply = t.dsp.handleRequest(endpointForCommandVariant(4), request(c, 4));
        assert.equal(parsed(reply, `${c.srv} CV 4`).header.responseCode, 'E2', reply.body.slice(0, 600));
        return;
      }
      for (const cv of ALL_CVS) {
        const reply = t.dsp.handleRequest(endpointForCommandVariant(cv), request(c, cv));
        // an accepted 8.5 opts the target out (E5 for what follows): back in for the next request
        const rec = t.dsp.records.device(c.target);
        if (rec?.optedOut) {
          assert.equal(c.srv, '8.5', `${c.srv} CV ${cv} opted the device out`);
          const { optedOut: _out, ...back } = rec;
          t.dsp.records.putDevice(back, t.clock.now());
        }
        const r = parsed(reply, `${c.srv} CV ${cv}`);
        const code = r.header.responseCode;
        const what = `${c.srv} CV ${cv}: ${reply.body.slice(0, 600)}`;
        if (!c.offered.includes(cv)) {
          const expected = c.duis.includes(cv) && LOCAL.includes(cv) ? 'E17' : 'E12';
          assert.equal(code, expected, what);
          tally.refused++;
          continue;
        }
        tally.accepted++;
        if (cv === 4) {
          assert.equal(code, 'I0', what);
          assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'PreCommand', what);
          continue;
        }
        assert.equal(code, cv === 2 || cv === 6 ? 'I0' : 'I99', what);
        const sentBefore = t.downlink.sent.length;
        if (LOCAL.includes(cv)) {
          assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'LocalCommand', what);
          const local = r.body.payload.gbcs;
          const v = rtdsSecurity().decodeVerify(local);
          assert.equal(v.message.recipient, c.target, `${what}: Local Command for the target`);
          assert.equal(v.mac, 'valid', `${what}: ACB MAC`);
          assert.equal(v.message.craFlag, 1, `${what}: a Command`);
          if (cv === 3 || cv === 7)
            assert.equal(toHex(lastWanMessage(t.downlink.sent)), toHex(local), `${what}: the WAN copy`);
          tally.local++;
        } else {
          assert.ok(sentBefore > 0, what);
          assert.equal(decodeMessage(lastWanMessage(t.downlink.sent)).recipient, c.target, what);
        }
      }
    });
  }
});
