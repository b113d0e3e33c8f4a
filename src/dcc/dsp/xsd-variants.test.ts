/**
 * Issue 17: the DSP against every shape of request the DUIS XSD allows, not
 * only the DCC templates'. For every SRV of the DSP's table, a handful of
 * bodies generated from the XSD itself (test/support/xsd-variants.ts: the
 * minimal and maximal body, random ones, every reachable xs:choice branch,
 * boundary values of the restricted simple types), each checked valid with
 * xmllint (one run for all) and the DSP's in-process validator, then sent
 * through the DSP in process (XSD and XML-DSig on) signed by a registered
 * user holding a role the SRV allows, to each device type the SRV may target
 * (the RTDS estate), with the first Command Variant the DSP offers of 1, 4, 8.
 *
 * Each must end in one of:
 * - a GBCS Command for the target (CV 1: sent over the SM WAN, or held by
 *   the DSP until its ExecutionDateTime; CV 4: the Pre-Command) whose
 *   Message Code is a use case of the SRV and whose payload decodes through
 *   the use-case catalogue (decodeCommand);
 * - a non-device answer (CV 8);
 * - a DUIS response code refusing it, with the DSP's typed reason;
 * - an HTTP 400 with a typed reason;
 * never a 500, a throw, an I-code without a command, or a command of
 * another use case or for another device. The tally per SRV is printed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ACB,
  DSP_TRUST,
  NETWORK_OPERATOR,
  NETWORK_USER,
  networkSigner,
  OTHER_PARTY,
  OTHER_XML_CERT,
  openTestDsp,
  otherSigner,
  RTDS_INVENTORY,
  SUPPLIER,
  SUPPLIER_USER,
  signedRequest,
  supplierSigner,
  TEMPLATES,
  type TestDsp,
} from '../../../test/support/dsp-service.ts';
import { rtdsKeyStore, rtdsOrgCa } from '../../../test/support/dsp-transform.ts';
import { type BodyVariant, bodyVariants, duisSchema } from '../../../test/support/xsd-variants.ts';
import { isGbtFragment } from '../../devices/han/node.ts';
import {
  buildDuisRequest,
  type CommandVariant,
  DuisXsdValidator,
  SERVICE_REQUESTS,
  verifyAndParseDuisResponse,
  type XmlSigner,
} from '../../duis/index.ts';
import { InProcessDuisXsdValidator } from '../../duis/xsd-inprocess.ts';
import { decodeGbt, reassembleGbt } from '../../gbcs/gbt.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { createTestPki, p256Spki, type TestPki } from '../../gbcs/pki.ts';
import { decodeCommand } from '../../gbcs/use-cases/index.ts';
import { euiToDuis, fromHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { configureLogging } from '../../runtime/logger.ts';
import { endpointForCommandVariant } from './service.ts';
import { type SrvEntry, srvTable } from './srv-table.ts';
import { URP_READS } from './transform/device-srs.ts';
import type { UserRole } from './users.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const OTHER_ROLES: UserRole[] = ['ES', 'GT', 'OU', 'RSA'];
const USERS: ReadonlyArray<{ eui: string; roles: readonly UserRole[]; signer: XmlSigner }> = [
  { eui: SUPPLIER, roles: SUPPLIER_USER.roles, signer: supplierSigner },
  { eui: NETWORK_OPERATOR, roles: NETWORK_USER.roles, signer: networkSigner },
  { eui: OTHER_PARTY, roles: OTHER_ROLES, signer: otherSigner },
];
/** The first device of each type in the estate (the RTDS home). */
const TARGET_OF_TYPE = new Map<string, string>();
for (const d of RTDS_INVENTORY)
  if (!TARGET_OF_TYPE.has(d.deviceType)) TARGET_OF_TYPE.set(d.deviceType, d.eui);
/**
 * Values of two simple types the restrictions cannot make meaningful: sr:EUI from the estate's devices, and
 * sr:Certificate (xs:base64Binary) from the X.509 certificates the DCC templates carry (any DER would be
 * XSD-valid; random bytes only test the DSP's certificate parser).
 */
const TYPE_VALUES = {
  EUI: RTDS_INVENTORY.map((d) => euiToDuis(d.eui)),
  Certificate: [
    ...new Set(
      readdirSync(TEMPLATES).flatMap((f) =>
        [
          ...readFileSync(join(TEMPLATES, f), 'utf8').matchAll(
            /<sr:\w*Certificate>([A-Za-z0-9+/=\s]{200,})</g,
          ),
        ].map((m) => m[1].replace(/\s+/g, '')),
      ),
    ),
  ].sort(),
};

interface Case {
  srv: string;
  entry: SrvEntry;
  variant: BodyVariant;
  target: string;
  targetType: string;
  cv: CommandVariant;
  user: (typeof USERS)[number];
}

function cases(): { cases: Case[]; untaken: Map<string, number>; unsent: string[] } {
  const out: Case[] = [];
  const untaken = new Map<string, number>();
  const unsent: string[] = [];
  for (const entry of srvTable()) {
    const user = USERS.find((u) => u.roles.some((r) => entry.roles.includes(r)));
    const cv = ([1, 4, 8] as const).find((c) => entry.commandVariants.includes(c));
    if (!user || !cv) {
      unsent.push(`${entry.srv} (${user ? `offers CV ${entry.commandVariants.join(',')}` : 'no user role'})`);
      continue;
    }
    const types = entry.targets.length > 0 ? entry.targets : ['ACB'];
    const { variants, untakenBranches } = bodyVariants(entry.bodyElement, {
      seed: 'issue-17',
      now: NOW,
      typeValues: TYPE_VALUES,
      minVariants: Math.max(3, types.length),
      maxVariants: 16,
    });
    if (untakenBranches > 0) untaken.set(entry.srv, untakenBranches);
    variants.forEach((variant, i) => {
      const targetType = types[i % types.length];
      const target = targetType === 'ACB' ? ACB : TARGET_OF_TYPE.get(targetType)!;
      out.push({ srv: entry.srv, entry, variant, target, targetType, cv, user });
    });
  }
  return { cases: out, untaken, unsent };
}

const { cases: CASES, untaken: UNTAKEN, unsent: UNSENT } = cases();

/** Put back a command sent over the WAN as GBT blocks (han-downlink.ts). */
function wanCommand(sent: readonly { gbcs: Uint8Array }[]): Uint8Array | undefined {
  if (sent.length === 0) return undefined;
  if (!isGbtFragment(sent[0].gbcs)) return sent.at(-1)!.gbcs;
  const blocks = sent.map((s) => s.gbcs);
  assert.equal(decodeGbt(blocks[0]).blockNumber, 1);
  return reassembleGbt(blocks);
}

type Outcome =
  | { kind: 'command'; useCase: string; gbcs: Uint8Array }
  | { kind: 'answer'; code: string }
  | { kind: 'refused'; code: string; reason: string; detail: string }
  | { kind: 'http'; status: number; reason: string; detail: string };

/** XSD_VARIANTS_DETAIL=1 prints each refusal's message (to study what the DSP refuses). */
const DETAIL = process.env.XSD_VARIANTS_DETAIL === '1';

describe('DSP: every XSD shape of every SRV (generated from the DUIS XSD)', () => {
  let t: TestDsp;
  let urpPki: TestPki;
  let counter = 5_000_000n;
  const messages: string[] = [];
  const tally = new Map<string, Map<string, number>>();
  before(async () => {
    // the RTDS users' KA certificates expired in 2025 (before NOW): URP reads carry the user's own KA key
    // certified again by a test PKI the DSP trusts as an Organisation CA as well
    urpPki = await createTestPki();
    t = await openTestDsp('sqlite', {
      xsdValidation: true,
      clock: new VirtualClock(NOW),
      smkiOrgCas: [rtdsOrgCa(), urpPki.issuingCaDer],
    });
    t.dsp.registerUser({
      eui: OTHER_PARTY,
      name: 'other user',
      roles: OTHER_ROLES,
      xmlSigningCertificates: [OTHER_XML_CERT],
      receiveUrl: 'http://127.0.0.1:9/receive-other',
    });
    await t.dsp.flush();
    configureLogging({
      spec: 'dsp=debug',
      sink: (r) => {
        if (r.facility === 'dsp' && r.msg === 'request rejected')
          messages.push(`${String(r.fields?.code)}: ${String(r.fields?.message)}`);
      },
    });
  });
  after(async () => {
    configureLogging({ spec: '' });
    const lines = [...tally].map(
      ([srv, m]) =>
        `#   ${srv.padEnd(7)} ${[...m]
          .sort()
          .map(([k, n]) => `${k} x${n}`)
          .join(', ')}`,
    );
    const all = [...tally.values()].flatMap((m) => [...m]);
    const sum = (p: (k: string) => boolean) => all.filter(([k]) => p(k)).reduce((a, [, n]) => a + n, 0);
    console.log(
      `# XSD variants: ${CASES.length} requests, ${tally.size} SRVs: ` +
        `${sum((k) => k.startsWith('command'))} GBCS commands, ${sum((k) => k.startsWith('answer'))} non-device answers, ` +
        `${sum((k) => k.startsWith('refused'))} DUIS refusals, ${sum((k) => k.startsWith('http'))} HTTP 400; ` +
        `not sent: ${UNSENT.join(', ') || 'none'}; choice branches left untaken: ` +
        `${[...UNTAKEN].map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}\n${lines.join('\n')}`,
    );
    await t?.close();
  });

  it('covers every SRV of the table with a few hundred variants', () => {
    assert.ok(CASES.length >= 300 && CASES.length <= 700, `${CASES.length} variants`);
    assert.ok(new Set(CASES.map((c) => c.srv)).size + UNSENT.length === srvTable().length);
  });

  it('takes every reachable xs:choice branch of every body (the coverage gap report is empty)', () => {
    assert.deepEqual([...UNTAKEN], []);
  });

  it("the DSP's Unknown Remote Party reads are the XSD's (body type ReadLogFutureDatableAndURPCredentials)", () => {
    const urp = [...duisSchema().bodyElements]
      .filter(([, d]) => d.attributes.type === 'sr:ReadLogFutureDatableAndURPCredentials')
      .map(([name]) => SERVICE_REQUESTS.find((r) => r.bodyElement === name)!.srv);
    assert.deepEqual([...urp].sort(), [...URP_READS].sort());
  });

  const xml = (c: Case, counterValue: bigint) =>
    buildDuisRequest(
      {
        header: {
          requestId: { originator: c.user.eui, target: c.target, counter: counterValue },
          commandVariant: c.cv,
          serviceReferenceVariant: c.srv,
        },
        body: c.variant.body,
      },
      { checkCommandVariant: false },
    );

  it('every variant is valid against the DUIS XSD (xmllint and the in-process validator)', () => {
    const docs = CASES.map((c) => xml(c, 1n));
    const verdicts = new DuisXsdValidator().validateMany(docs);
    const inProcess = new InProcessDuisXsdValidator();
    const bad = CASES.map((c, i) => ({ c, v: verdicts[i], p: inProcess.validate(docs[i]) }))
      .filter(({ v, p }) => !v.valid || !p.valid)
      .map(
        ({ c, v, p }) => `${c.srv}#${c.variant.index}: ${[...v.errors, ...p.errors].slice(0, 2).join('; ')}`,
      );
    assert.deepEqual(bad, []);
    // the check can fail: the first variant with a value out of its type is refused by both
    const broken = docs[0].replace(/<\/sr:ServiceReferenceVariant>/, 'x</sr:ServiceReferenceVariant>');
    assert.equal(new DuisXsdValidator().validate(broken).valid, false);
    assert.equal(inProcess.validate(broken).valid, false);
  });

  function send(c: Case): Outcome {
    const sentBefore = t.downlink.sent.length;
    const requestXml = signedRequest(
      {
        originator: c.user.eui,
        target: c.target,
        counter: ++counter,
        cv: c.cv,
        srv: c.srv,
        body: c.variant.body,
      },
      c.user.signer,
    );
    const heard = messages.length;
    const reply = t.dsp.handleRequest(endpointForCommandVariant(c.cv), requestXml);
    const reason = messages.slice(heard).join(' | ');
    const what = `${c.srv}#${c.variant.index} (${c.variant.mode}) to ${c.targetType}: ${reply.body.slice(0, 400)} ${reason}`;
    assert.notEqual(reply.httpStatus, 500, what);
    if (reply.contentType !== 'application/xml') {
      assert.equal(reply.httpStatus, 400, what);
      assert.ok(reply.error, `${what}: a typed reason`);
      return { kind: 'http', status: reply.httpStatus, reason: `${reply.error}`, detail: reply.body };
    }
    const r = verifyAndParseDuisResponse(reply.body, DSP_TRUST).response;
    const code = r.header.responseCode;
    // a non-device SR is answered by the DCC: an I-code or its SR-specific E-code (DUIS response codes)
    if (c.cv === 8) return { kind: 'answer', code };
    if (!/^I/.test(code)) {
      assert.ok(reply.error, `${what}: a refusal names its typed reason`);
      return { kind: 'refused', code, reason: `${reply.error}`, detail: reason };
    }
    let gbcs: Uint8Array | undefined;
    if (c.cv === 4) {
      assert.ok(r.body.kind === 'ResponseMessage' && r.body.payload?.type === 'PreCommand', what);
      gbcs = r.body.payload.gbcs;
    } else {
      gbcs = wanCommand(t.downlink.sent.slice(sentBefore));
      if (!gbcs) {
        // DSP future dating: the DSP holds the command until the ExecutionDateTime
        const held = t.dsp.request(reply.requestId!);
        assert.equal(held?.state, 'scheduled', `${what}: accepted (${code}) with no command`);
        gbcs = fromHex(held.commandHex!);
      }
    }
    const m = decodeMessage(gbcs);
    assert.equal(m.recipient, c.target, `${what}: a command for the target`);
    const useCase = c.entry.useCases.find((u) => u.messageCode === m.messageCode);
    assert.ok(useCase, `${what}: Message Code 0x${m.messageCode.toString(16)} is not a use case of ${c.srv}`);
    assert.doesNotThrow(() => decodeCommand(m.messageCode, m.content), what);
    return { kind: 'command', useCase: useCase.useCase, gbcs };
  }

  it("Unknown Remote Party variants with the user's own KA certificate transform: ACB originates, certificate in the header", () => {
    const built = new Set<string>();
    for (const c of CASES.filter((x) => URP_READS.includes(x.srv))) {
      const ka = c.variant.body.children.find((n) => n.name === 'KAPublicSecurityCredentials');
      const own = rtdsKeyStore().certificate(c.user.eui, 'ka');
      if (!ka || !own) continue;
      const cert = {
        der: urpPki.certifyRemotePartyKey(c.user.eui, own.role!, 'ka', p256Spki(own.publicKey)),
      };
      const body = {
        ...c.variant.body,
        children: c.variant.body.children.map((n) =>
          n === ka ? { ...n, text: Buffer.from(cert.der).toString('base64') } : n,
        ),
      };
      const o = send({ ...c, variant: { ...c.variant, body } });
      if (o.kind !== 'command') {
        // a device type the transform does not take for the SR (E11), as without credentials
        assert.equal(
          o.kind === 'refused' && o.code,
          'E11',
          `${c.srv}#${c.variant.index}: ${JSON.stringify(o)}`,
        );
        continue;
      }
      const m = decodeMessage(o.gbcs);
      assert.equal(m.originator, ACB, c.srv);
      assert.equal(m.otherInfo.supplementaryRemotePartyId, c.user.eui, c.srv);
      assert.deepEqual(m.otherInfo.certificate, cert.der, c.srv);
      built.add(c.srv);
    }
    assert.deepEqual([...built].sort(), [...URP_READS].sort());
  });

  for (const srv of [...new Set(CASES.map((c) => c.srv))])
    it(`${srv}: every variant transformed or refused with a DUIS code / typed 400`, () => {
      const m = new Map<string, number>();
      tally.set(srv, m);
      const failures: string[] = [];
      for (const c of CASES.filter((x) => x.srv === srv)) {
        let o: Outcome;
        try {
          o = send(c);
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
          continue;
        }
        if (DETAIL && (o.kind === 'refused' || o.kind === 'http'))
          console.log(`## ${srv}#${c.variant.index} ${c.targetType} ${o.reason}: ${o.detail}`);
        const key =
          o.kind === 'command'
            ? `command ${o.useCase}`
            : o.kind === 'answer'
              ? `answer ${o.code}`
              : o.kind === 'refused'
                ? `refused ${o.code} ${o.reason}`
                : `http ${o.status} ${o.reason}`;
        m.set(key, (m.get(key) ?? 0) + 1);
        // a device opted out by an accepted 8.5 is opted back in for what follows
        const rec = t.dsp.records.device(c.target);
        if (rec?.optedOut) {
          const { optedOut: _out, ...back } = rec;
          t.dsp.records.putDevice(back, t.clock.now());
        }
      }
      assert.deepEqual(failures, []);
    });
});
