/**
 * Every device SRV a supplier may order (the DSP's SRV table, through
 * `orderableSrvs()`: SRVs the others land later are included by themselves),
 * end to end on the running system under a VirtualClock (src/system,
 * in-process ports, one estate for the file): a `duis` order with the body
 * of the SRV's first DUIS template (../shared, as JSON), signed by the
 * supplier, checked by the DSP (XSD on, XML-DSig verified: the same
 * `handleRequestAsync` its HTTP adapter calls; the in-process port has no
 * socket), transformed, sent over the SM WAN model to the device emulators,
 * and answered: the supplier's command ends with what came back. For SRVs
 * the SRV table lets a PPMID carry, the same order again forced through the
 * home's enhanced PPMID (CV 2, or CV 4 -> 6).
 *
 * No SRV is skipped: each ends in a terminal state, and the test prints one
 * line per SRV and route with the outcome (the device's GBCS answer, or who
 * refused and why). It asserts that none expired unanswered, that the
 * answered ones carry the device's GBCS response, and that a refusal says
 * who refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signerCellRefusal } from '../../src/dcc/dsp/signer-cells.ts';
import type { DeviceEvent, DeviceType } from '../../src/devices/contracts.ts';
import { isSignedPreCommandVariant, parseDuisRequest } from '../../src/duis/index.ts';
import { createTestPki, decodeMessage } from '../../src/gbcs/index.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { duisBodyToJson, orderableSrvs } from '../../src/supplier/duis-order.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { derivedTemplates } from '../support/derived-templates.ts';
import { RTDS_INVENTORY } from '../support/dsp-service.ts';
import { allTemplates } from '../support/dsp-transform.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

/** An example order body and where it comes from. */
interface Example {
  body: unknown;
  /** the DUIS template (or derived request) it is the body of */
  from: string;
}

/**
 * Per SRV and device type, the first DUIS template carrying the SR's own body (not a Signed Pre-Command) whose
 * RequestID targets a device of that type (the RTDS inventory's type; DCC templates first, then the derived
 * requests of test/support/derived-templates.ts for what no DCC template shows).
 */
function examples(): Map<string, Map<string, Example>> {
  const types = new Map<string, string>(RTDS_INVENTORY.map((d) => [d.eui, d.deviceType]));
  const m = new Map<string, Map<string, Example>>();
  for (const t of [...allTemplates(), ...derivedTemplates()]) {
    const r = parseDuisRequest(t.xml);
    if (isSignedPreCommandVariant(r.header.commandVariant)) continue;
    const type = types.get(r.header.requestId.target) ?? 'ESME';
    const bySrv = m.get(t.srv) ?? new Map<string, Example>();
    m.set(t.srv, bySrv);
    if (bySrv.has(type)) continue;
    bySrv.set(type, { body: JSON.parse(JSON.stringify(duisBodyToJson(r.body))), from: t.file });
  }
  return m;
}

/**
 * The body with every ExecutionDateTime before `now` (the DCC templates of 4.1.1 and 8.5 carry 2015 dates)
 * moved an hour after it: the DSP refuses a past execution time (PROVISIONAL E30, src/dcc/dsp/execution-date.ts,
 * test/integration/dsp-execution-date-http.test.ts). Later dates and the cancellation date 3000-12-31 are kept.
 */
function executionNotBefore(body: unknown, now: number): unknown {
  if (Array.isArray(body)) return body.map((b) => executionNotBefore(b, now));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body))
    out[k] =
      k === 'ExecutionDateTime' && typeof v === 'string' && Date.parse(v) < now
        ? new Date(now + 3_600_000).toISOString()
        : executionNotBefore(v, now);
  return out;
}

/** The body with every `key` field set to `value`. */
function withField(body: unknown, key: string, value: unknown): unknown {
  if (Array.isArray(body)) return body.map((b) => withField(b, key, value));
  if (body === null || typeof body !== 'object') return body;
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, k === key ? value : withField(v, key, value)]),
  );
}

/**
 * Device SRV runs (`<SRV> <device type> <route>[ future-dated]`) left unanswered (the command expires at the
 * supplier, no device response), each with the cause the CHF's and the device's event logs show (asserted)
 * and why. The test fails when one of them starts answering, another one stops, or a cause changes.
 */
const NO_ANSWER: Readonly<Record<string, readonly [cause: string, why: string]>> = {};

/**
 * Runs the DSP refuses before building any command, with the exact DUIS code and why: a PPMID holds the Root,
 * Recovery and ACB cells only (devices/security TRUST_ANCHOR_CELLS_OF, PROVISIONAL; the ACB commands it, RTDS
 * 8.7.2 / 8.8.2 / 11.2). The supplier's 6.17 / 6.15.2 / 6.24.2 reach it from the ACB, which signs them
 * (src/dcc/dsp/transform/acb-fronting.ts: the role table lets the ACB send CS02c / CS02d / CS02e for a supplier);
 * 6.15.1 and 6.23 have no such path (the Known Remote Party that signs CS02b is its business originator, GBCS
 * 13.3.3.1, and the PPMID holds no supplier cell to replace), so the DSP refuses them with E11 naming the
 * missing cell (src/dcc/dsp/signer-cells.ts).
 */
const DSP_REFUSED: Readonly<Record<string, readonly [code: 'E11', why: string]>> = {
  '6.15.1 PPMID wan': [
    'E11',
    'CS02b supplier by supplier: the supplier signs it itself, the PPMID holds no supplier cell (to check it or to replace), and the role table gives the ACB no path',
  ],
  '6.23 PPMID wan': [
    'E11',
    "CS02b by the transitional CoS party (signed by it): the PPMID holds no transitional CoS cell (the estate's DSP also has no transitional CoS party's keys: E11 either way)",
  ],
};

/**
 * Runs (named as in NO_ANSWER) whose command the meter emulator took and answered as refused (its Command
 * outcome FAILED or UNSUPPORTED: a ZCL / DLMS failure status in the GBCS answer), with why.
 */
const DEVICE_REFUSED: Readonly<Record<string, string>> = {
  ...both('2.2 ESME', "Top Up: the DCC template's UTRN is refused for its counter (UTRN counter rule)"),
  ...both('2.2 GSME', "Top Up: the DCC template's UTRN is refused for its counter (UTRN counter rule)"),
  ...both(
    '2.5 ESME',
    "Activate Emergency Credit (ECS09): the home's ESME is in credit mode, refused not-prepayment",
  ),
  ...both(
    '6.11 ESME',
    "Set Clock: the template's validity interval (2015) does not hold the meter's time (2026)",
  ),
  ...both(
    '6.11 GSME',
    "Set Clock: the template's validity interval (2015) does not hold the CH's time (2026)",
  ),
  '6.21 ESME wan':
    "CS02b (NO handover): the template's network operator certificates chain to no root the estate's ESME holds",
  '6.21 GSME wan':
    "CS02b (NO handover): the template's network operator certificates chain to no root the estate's GSME holds",
  '6.21 GPF wan':
    "CS02b (NO handover): the template's network operator certificates chain to no root the estate's GPF holds",
  ...both(
    '8.8.2 ESME',
    'Remove Device (CS04AC): the template body names 01-02-03-04-05-06-07-08, which is not joined to the meter',
  ),
  ...both(
    '8.8.2 GSME',
    'Remove Device (CS04B): the template body names 01-02-03-04-05-06-07-08, which is not joined to the meter',
  ),
  ...Object.fromEntries(
    ['6.21 PPMID wan', '6.21 PPMID wan future-dated'].map((r) => [
      r,
      'CS02bNOByNOHandover (UNSUPPORTED): a PPMID holds no network operator cell to replace (TRUST_ANCHOR_CELLS_OF, PROVISIONAL), so it runs no mode replacing only that cell',
    ]),
  ),
  '8.5 ESME wan':
    "Service Opt Out (CS02b ACB by ACB): the template's KeyAgreementCertificate is the ACB's digitalSignature certificate (the RTDS command carries a KA one there); the DSP maps the element to the ACB KA cell as DUIS says (credentials-srs.test.ts) and the ESME rightly refuses \"acb/ka: a ds certificate for a ka cell\" (GBCS: the certificate's key usage must be the cell's)",
};

/** The same reason for a run over the WAN and through the PPMID. */
function both(run: string, why: string): Record<string, string> {
  return { [`${run} wan`]: why, [`${run} ppmid`]: why };
}

interface Run {
  srv: string;
  type: string;
  route: 'wan' | 'ppmid';
  body: unknown;
  /** the template the body comes from (another device type's when the SRV has none for this type) */
  from: string;
  /** an ExecutionDateTime an hour ahead was added (the template has none) */
  futureDated: boolean;
}

/** The credential SRVs' answers (issues 12 / 17): what a device's success looks like; a failure's text, or null. */
const CREDENTIAL_ANSWERS: Readonly<
  Record<string, ((fields: unknown) => string | null) & { useCase: string }>
> = {
  '6.17': Object.assign(
    (f: unknown) =>
      String((f as { certificationRequest?: string }).certificationRequest ?? '').startsWith('30')
        ? null
        : 'CS02c: no certification request',
    { useCase: 'CS02c' },
  ),
  '6.15.2': Object.assign((f: unknown) => (f === 0 ? null : `CS02d answered ${String(f)}`), {
    useCase: 'CS02d',
  }),
  '6.24.2': Object.assign(
    (f: unknown) =>
      String((f as { deviceCertificate?: string }).deviceCertificate ?? '').startsWith('30')
        ? null
        : 'CS02e: no device certificate',
    { useCase: 'CS02e' },
  ),
  '6.24.1': Object.assign(
    (f: unknown) => ((f as Array<{ status: number }>).length > 0 ? null : 'CS02f: no role answered'),
    { useCase: 'CS02f' },
  ),
};

const runName = (r: Run) => `${r.srv} ${r.type} ${r.route}${r.futureDated ? ' future-dated' : ''}`;

describe('e2e: every orderable device SRV, DUIS -> DSP -> WAN -> device -> DUIS (virtual time)', () => {
  const suite = virtualSystemSuite('every-srv');
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it('each ends with the device answer (or a named refusal), per device type it takes, over the WAN and through the PPMID', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const ex = examples();
    const plan = home.plan as unknown as Record<string, string | undefined>;
    // the home's device of each DUIS device type
    const targets: Record<string, string | undefined> = {
      ESME: plan.esme,
      GSME: plan.gsme,
      CHF: plan.chf,
      GPF: plan.gpf,
      PPMID: plan.ppmid,
      HCALCS: plan.hcalcs,
    };
    // 8.12.x restore the Device Log backup the DSP holds of an old CH: the home's own, which the DSP backs up from
    // the 8.9 Read Device Log with ReadSecurityDetails (CCS07) sent before them (the first 8.9 template, CCS06,
    // reads no link keys)
    const dashed = (e: string) => e.match(/../g)!.join('-');
    const own = (srv: string, type: string, body: unknown) =>
      ex.set(srv, new Map([...(ex.get(srv) ?? []), [type, { body, from: 'this test' }]]));
    own('8.9', 'CHF', { ReadSecurityDetails: null });
    own('8.12.1', 'CHF', { OldCHFID: dashed(plan.chf!) });
    own('8.12.2', 'GPF', { OldGPFID: dashed(plan.gpf!) });
    // 6.15.2 installs a Device Certificate for a key the ESME holds (the template's certifies the RTDS ESME's
    // key, which this ESME never generated and refuses, 3): one a test Device CA issues for its DS key in use
    // (CS02d replaces the certificate only; the ESME does not check the issuer, device-credentials.ts)
    const cs02d = ex.get('6.15.2')!.get('ESME')!;
    const esmeDs = home.esme!.security.ownCredentials.dsCertificate;
    const issued = (await createTestPki()).certifyDeviceKey(plan.esme!, 'ds', esmeDs.publicKey);
    own(
      '6.15.2',
      'ESME',
      withField(cs02d.body, 'DeviceCertificate', Buffer.from(issued.der).toString('base64')),
    );
    // the same for the GSME and the GPF: a Device Certificate for the DS key each holds
    for (const [type, device] of [
      ['GSME', home.gsme],
      ['GPF', home.gpf],
      ['PPMID', home.ppmid],
    ] as const) {
      const d = device!.security.ownCredentials;
      const c = (await createTestPki()).certifyDeviceKey(d.eui, 'ds', d.dsCertificate.publicKey);
      own('6.15.2', type, withField(cs02d.body, 'DeviceCertificate', Buffer.from(c.der).toString('base64')));
    }
    // 8.7.2 joins the PPMID with a device the DSP inventory holds: the home's ESME (the template names an RTDS
    // device no inventory here holds: the DSP answers that E19)
    own('8.7.2', 'PPMID', { OtherDeviceID: dashed(plan.esme!) });
    const device = orderableSrvs().filter((o) => o.class !== 'non-device');
    const missing = device.filter((o) => !ex.has(o.srv)).map((o) => o.srv);
    const absent: string[] = [];
    const lines: string[] = [];
    const problems: string[] = [];
    const unanswered: string[] = [];
    const runs: Run[] = [];
    for (const o of device) {
      const bySrv = ex.get(o.srv);
      if (!bySrv) continue;
      const first = [...bySrv.values()][0];
      for (const type of o.targets) {
        if (!targets[type]) {
          absent.push(`${o.srv} ${type}`);
          continue;
        }
        const e = bySrv.get(type) ?? { body: first.body, from: `${first.from} (another type's)` };
        const base = { srv: o.srv, type, body: e.body, from: e.from, futureDated: false };
        runs.push({ ...base, route: 'wan' });
        if (o.localDelivery) runs.push({ ...base, route: 'ppmid' });
        // GBCS future dating by the device: the same order once more, an hour ahead, when the template has none
        const body = e.body as Record<string, unknown> | null;
        if (o.futureDating !== 'none' && body && typeof body === 'object' && !('ExecutionDateTime' in body))
          runs.push({ ...base, route: 'wan', futureDated: true });
      }
    }
    // 8.5 opts its target out of DCC services (E5 for what follows): last
    runs.sort((a, b) => Number(a.srv === '8.5') - Number(b.srv === '8.5'));
    // the meters' own account of each command (their event log): a content they refused is answered too
    const meters: Record<string, { events: readonly DeviceEvent[] } | undefined> = {
      ESME: home.esme,
      GSME: home.gsme,
      GPF: home.gpf,
      PPMID: home.ppmid,
    };
    const chf = home.home.chf;
    const deviceRefused: string[] = [];
    const dspRefused: string[] = [];
    const credentialAnswers: string[] = [];
    for (const r of runs) {
      let c: CommandRecord;
      const meter = meters[r.type];
      const mark = meter?.events.at(-1);
      const chfMark = chf.events.at(-1)?.seq ?? 0;
      const body = r.futureDated
        ? { ExecutionDateTime: new Date(vc.now() + 3_600_000).toISOString(), ...(r.body as object) }
        : executionNotBefore(r.body, vc.now());
      try {
        c = await pumpVirtualPromise(
          vc,
          supplier.submit({
            premisesId: home.premisesId,
            order: { kind: 'duis', srv: r.srv, body: body as never },
            target: targets[r.type]!,
            route: r.route,
          }),
        );
      } catch (err) {
        lines.push(`${runName(r)}: refused by the supplier: ${(err as Error).message}`);
        continue;
      }
      const f = await untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
      const line = `${runName(r)} CV ${f.commandVariants?.join('>')} -> ${f.state}${f.response ? ` ${f.response.code}${f.response.gbcs ? ` GBCS ${f.response.gbcs.length / 2} B` : ''}` : ''}${f.reason ? ` (${f.reason})` : ''} [${r.from}]`;
      const fresh = meter ? meter.events.slice(mark ? meter.events.indexOf(mark) + 1 : 0) : [];
      const refusal = fresh.find(
        (e) =>
          e.kind === 'command' &&
          e.decision === 'accepted' &&
          (e.reason === 'FAILED' || e.reason === 'UNSUPPORTED'),
      );
      if (refusal) deviceRefused.push(runName(r));
      // refused by the DSP (a DUIS E code, no command built) because the target's type holds no cell for the
      // command's originator (the supplier here)
      const dspCode = /^DSP answered (E\d+)/.exec(f.reason ?? '')?.[1];
      if (f.state === 'failed' && dspCode && signerCellRefusal(r.srv, r.type as DeviceType, ['supplier']))
        dspRefused.push(`${runName(r)}: ${dspCode}`);
      lines.push(
        refusal
          ? `${line}; the ${r.type} answered ${refusal.reason} ${JSON.stringify(refusal.detail)}`
          : line,
      );
      if (f.state === 'expired') {
        // why no answer came: the CHF discarded the command, or the device rejected it (its event logs)
        const target = targets[r.type]!;
        const chfSaw = chf.events.filter((e) => e.seq > chfMark && e.target === target);
        const discarded = chfSaw.find((e) => e.action === 'discard');
        const rejected = fresh.find((e) => e.kind === 'command' && e.decision === 'rejected');
        const chfRejected = chfSaw.find((e) => e.kind === 'command' && e.decision === 'discarded');
        unanswered.push(
          `${runName(r)}: ${
            discarded
              ? `CHF discarded ${discarded.reason}`
              : rejected
                ? `${r.type} rejected ${rejected.reason}`
                : chfRejected
                  ? `CHF rejected ${chfRejected.reason}`
                  : 'no trace'
          }`,
        );
      }
      // the restore took effect: the CHF answers CCS03 with success (the entries it backed up for 8.9)
      if (r.srv === '8.12.1' && f.response?.gbcs) {
        const m = decodeMessage(fromHex(f.response.gbcs));
        const got = decodeResponse('CCS03', m.content).fields as {
          zigbeeNetworkControl: { restoreDeviceLog: { result: string } };
        };
        if (got.zigbeeNetworkControl.restoreDeviceLog.result !== 'success')
          problems.push(`${line}: CCS03 ${got.zigbeeNetworkControl.restoreDeviceLog.result}`);
      }
      // the credential SRVs each device type now runs (issues 12 / 17): the device's own answer, decoded
      const check = CREDENTIAL_ANSWERS[r.srv];
      if (check && f.state === 'responded' && f.response?.gbcs && r.type !== 'CHF') {
        const m = decodeMessage(fromHex(f.response.gbcs));
        const why = check(decodeResponse(check.useCase, m.content).fields);
        if (why) problems.push(`${line}: ${why}`);
        credentialAnswers.push(runName(r));
      }
      if (f.state === 'responded' && !f.response?.gbcs)
        problems.push(`${line}: responded without the device's GBCS`);
      if (f.state === 'failed' && !f.reason) problems.push(`${line}: failed without a reason`);
    }
    process.stdout.write(
      `# every SRV e2e (${runs.length} runs; no template: ${missing.join(', ') || 'none'}; no such device in the home: ${absent.join(', ') || 'none'})\n# ${lines.join('\n# ')}\n`,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      deviceRefused.sort(),
      Object.keys(DEVICE_REFUSED).sort(),
      'the runs whose content the meter refused (DEVICE_REFUSED)',
    );
    assert.deepEqual(
      unanswered.sort(),
      Object.entries(NO_ANSWER)
        .map(([run, [cause]]) => `${run}: ${cause}`)
        .sort(),
      'the SRVs the devices leave unanswered (NO_ANSWER)',
    );
    assert.deepEqual(
      dspRefused.sort(),
      Object.entries(DSP_REFUSED)
        .map(([run, [code]]) => `${run}: ${code}`)
        .sort(),
      "the runs the DSP refuses for the target's missing trust-anchor cell (DSP_REFUSED)",
    );
    assert.ok(runs.length > 60, `${runs.length} runs`);
    // the GSME, the GPF and the PPMID answer the credential SRVs themselves (over the WAN; the GSME through the
    // CHF mailbox on its poll interval; the PPMID from the ACB for the supplier), each answer checked above
    for (const run of [
      '6.17 GSME wan',
      '6.17 GPF wan',
      '6.15.2 GSME wan',
      '6.15.2 GPF wan',
      '6.24.2 GSME wan',
      '6.24.2 GPF wan',
      '6.24.1 GSME wan',
      '6.24.1 GPF wan',
      '6.24.1 PPMID wan',
      '6.17 PPMID wan',
      '6.15.2 PPMID wan',
      '6.24.2 PPMID wan',
    ])
      assert.ok(credentialAnswers.includes(run), `${run}: the device's credential answer`);
    // the estate's PPMID holds the Root, Recovery and ACB cells only: the ACB's CS04AC (8.8.2) reaches it and is
    // answered, and so do the supplier's CS02c / CS02d / CS02e, which the ACB originates and signs for it
    assert.equal(
      home.ppmid?.security.trustAnchors.cell('supplier'),
      undefined,
      "the estate's PPMID: no supplier cell",
    );
    assert.ok(home.ppmid?.security.trustAnchors.cell('acb'), "the estate's PPMID: the ACB cell");
  });
});
