/**
 * The enhanced PPMID in a real home (SECMP0038 PP-1..PP-5, CH-1, CH-4): the
 * PPMID application on its HAN node, the CHF, the ESME and GSME emulators, the
 * SM WAN, all through the test automation API's home. A supplier-signed
 * envelope goes through the PPMID's PP-2 checks, over the HAN tunnel (secured
 * APS, ZCL Tunneling) to the CHF, which routes it to the ESME; the ESME's
 * response goes to the WAN (CH-4), never back to the PPMID. A UTRN typed on
 * the PPMID reaches the GSME as PCS01 through the CHF mailbox, and the GSME's
 * answer comes back to the PPMID's display.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps, type DeviceAppFactory } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { decodeStatusReport, type StatusReport, verifyStatusReport } from '../../src/delivery/index.ts';
import { injectPpmidInbox } from '../../src/devices/ppmid/atps.ts';
import { type ProvisionedPpmid, provisionPpmid } from '../../src/devices/ppmid/provision.ts';
import { generateUtrn, SecurityContext } from '../../src/gbcs/index.ts';
import { rtdsMessages } from '../support/fixtures.ts';

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
const ECS17B = rtdsMessages().find((m) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX')!;

async function homeWithPpmid() {
  const provisioned: ProvisionedPpmid[] = [];
  const apps: DeviceAppFactory = (ctx) => {
    if (ctx.deviceType !== 'PPMID') return defaultDeviceApps(ctx);
    const p = provisionPpmid({ profile: ctx.profile, clock: ctx.clock });
    provisioned.push(p);
    return p.ppmid;
  };
  const atps = new Atps({ deviceApps: apps });
  const info = await atps.createHome({ profile: 'rtds' });
  const p = provisioned.at(-1)!;
  const reports: StatusReport[] = [];
  p.ppmid.onStatusReport((b) => reports.push(decodeStatusReport(b)));
  return { atps, id: info.id, euis: info.euis, p, reports, profile: await atps.profile('rtds') };
}

describe('the enhanced PPMID in a home (rtds profile)', () => {
  it('PP-2 -> HAN -> CHF (CH-1) -> ESME accepts; the response goes to the WAN (CH-4), not the PPMID', async () => {
    const { atps, id, euis, p, reports } = await homeWithPpmid();
    const now = atps.homeInfo(id).now;
    const out = injectPpmidInbox(
      p.ppmid,
      { gbcs: ECS17B.hex },
      { supplierId: p.delivery.supplierId, deliveryKey: p.delivery.key.privateKey },
      now,
    );
    assert.equal(out.ppmidDecision, 'accepted-queued', out.ppmidDetail);
    const wanBefore = atps.wanUplink(id).length;
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    assert.deepEqual(
      reports.map((r) => r.outcome),
      ['accepted-queued', 'forwarded'],
    );
    assert.ok(reports.every((r) => verifyStatusReport(r, p.reporting.publicKey)));
    const relayed = atps
      .chEvents(id)
      .filter((e) => e.from === euis.ppmid && e.kind === 'route')
      .at(-1);
    assert.ok(relayed, 'the CHF saw the relayed command');
    assert.equal(relayed.decision, 'delivered', show(relayed));
    const esme = atps.deviceEvents(id, euis.esme).application;
    const accepted = esme.find((e) => e.kind === 'command' && e.useCase === 'ECS17b');
    assert.equal(accepted?.decision, 'accepted', show(accepted));
    assert.ok(atps.wanUplink(id).length > wanBefore, 'the ESME response reached the WAN');
    assert.ok(
      !p.ppmid.events.some((e) => e.reason === 'UNEXPECTED_MESSAGE'),
      'nothing came back to the PPMID (CH-4)',
    );
  });

  it('what PP-2 refuses never reaches the HAN (target-is-chf), so the CH raises no relay alert', async () => {
    const { atps, id, p } = await homeWithPpmid();
    const ccs = rtdsMessages().find(
      (m) => m.kind === 'COMMAND' && m.useCase === 'CCS06' && m.bytes[0] === 0xdd,
    )!;
    const alertsBefore = atps.alerts(id).length;
    const out = injectPpmidInbox(
      p.ppmid,
      { gbcs: ccs.hex, requestId: '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1' },
      { supplierId: p.delivery.supplierId, deliveryKey: p.delivery.key.privateKey },
      atps.homeInfo(id).now,
    );
    assert.deepEqual([out.ppmidDecision, out.ppmidReason], ['rejected', 'target-is-chf']);
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    assert.equal(atps.alerts(id).length, alertsBefore);
  });

  it('a UTRN typed on the PPMID: PCS01 -> CHF mailbox -> GSME applies it -> its answer updates the display', async () => {
    const { atps, id, euis, p, profile } = await homeWithPpmid();
    const ctx = new SecurityContext({ keyStore: profile.world });
    const utrn = generateUtrn(ctx, {
      supplier: profile.supplier,
      device: euis.gsme,
      counter: 1n << 32n,
      value: 20,
      valueClass: 'pounds',
    });
    const typed = p.ppmid.typeUtrn(utrn);
    assert.equal(typed.accepted, true, show(typed));
    atps.backchannel(id, { action: 'advance', ms: 10_000 });
    assert.equal(p.ppmid.display().lastCustomerAction?.state, 'sent');
    atps.backchannel(id, { action: 'gsme-poll' });
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    const gsme = atps.deviceEvents(id, euis.gsme).application;
    const applied = gsme.find((e) => e.useCase === 'PCS01' && e.kind === 'command');
    assert.equal(applied?.decision, 'accepted', show(gsme.slice(-4)));
    const d = p.ppmid.display();
    assert.equal(d.lastCustomerAction?.state, 'accepted', show(p.ppmid.events.slice(-3)));
    assert.equal(d.lastCustomerAction?.valueMillipence, 20 * 100_000);
    assert.equal(d.credit.source, 'gsme-top-up-response');
    assert.ok((d.credit.creditRemainingMillipence ?? 0) >= 20 * 100_000);
  });
});

describe('the PPMID reads the meter back after a relayed top-up (issue 15)', () => {
  const CS01A = rtdsMessages().find((m) => m.file === 'CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX')!;

  it('a top-up relayed in a home: the PPMID display shows the ESME credit read over the HAN', async () => {
    const { atps, id, euis, p, reports } = await homeWithPpmid();
    const esme = atps.home(id).device(euis.esme) as unknown as { stateView: { meterBalance: number } };
    const before = esme.stateView.meterBalance;
    const out = injectPpmidInbox(
      p.ppmid,
      { gbcs: CS01A.hex },
      { supplierId: p.delivery.supplierId, deliveryKey: p.delivery.key.privateKey },
      atps.homeInfo(id).now,
    );
    assert.equal(out.ppmidDecision, 'accepted-queued', out.ppmidDetail);
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    const after = esme.stateView.meterBalance;
    assert.notEqual(after, before, show(atps.deviceEvents(id, euis.esme).application.slice(-3)));
    const d = p.ppmid.display();
    assert.equal(d.credit.source, 'han-read', show(p.ppmid.events.slice(-3)));
    assert.equal(d.credit.creditRemainingMillipence, after);
    assert.equal(p.ppmid.metrics.counter('ppmid.credit-read.ok').value, 1);
    // the reading reaches the supplier: a second signed `forwarded` report for the same envelope
    const mine = reports.filter((r) => r.envelopeId === out.envelopeId);
    assert.deepEqual(
      mine.map((r) => [r.outcome, r.creditRead?.creditRemaining ?? null]),
      [
        ['accepted-queued', null],
        ['forwarded', null],
        ['forwarded', after],
      ],
    );
    const read = mine[2];
    assert.equal(read.creditRead?.meter, euis.esme);
    assert.equal(read.creditRead?.readAt, d.credit.updatedAt);
    assert.ok(read.sequence > mine[1].sequence);
    assert.deepEqual(read.requestId, mine[1].requestId);
    assert.equal(verifyStatusReport(read, p.reporting.publicKey), true);
  });

  it('a wrong device-to-device link key: the read fails on the HAN, the display keeps its figure', async () => {
    const { atps, id, euis, p } = await homeWithPpmid();
    const node = atps.home(id).tunnelNode(euis.ppmid);
    node.setPeerLinkKey(euis.esme, new Uint8Array(16).fill(7));
    const out = injectPpmidInbox(
      p.ppmid,
      { gbcs: CS01A.hex },
      { supplierId: p.delivery.supplierId, deliveryKey: p.delivery.key.privateKey },
      atps.homeInfo(id).now,
    );
    assert.equal(out.ppmidDecision, 'accepted-queued', out.ppmidDetail);
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    assert.notEqual(p.ppmid.display().credit.source, 'han-read');
    assert.equal(p.ppmid.metrics.counter('ppmid.credit-read.ok').value, 0);
    assert.ok(
      p.ppmid.events.some((e) => e.reason === 'credit-read-failed'),
      show(p.ppmid.events.slice(-3)),
    );
  });
});

describe("the PPMID's buttons for the ESME: PECS01-03, ZSE commands on the HAN (GBCS V3.1 HAN Only)", () => {
  it('a typed UTRN (PECS01) tops up the ESME; enable supply (PECS03) and emergency credit (PECS02) are answered', async () => {
    const { atps, id, euis, p, profile } = await homeWithPpmid();
    const esme = atps.home(id).device(euis.esme) as unknown as {
      stateView: {
        meterBalance: number;
        supply: string;
        eventLog: Array<{ code: number; messageCode?: number }>;
      };
    };
    const before = esme.stateView.meterBalance;
    const utrn = generateUtrn(new SecurityContext({ keyStore: profile.world }), {
      supplier: profile.supplier,
      device: euis.esme,
      counter: 1n << 32n,
      value: 20,
      valueClass: 'pounds',
    });
    const typed = p.ppmid.typeUtrn(utrn, { esme: euis.esme });
    assert.equal(typed.accepted, true, show(typed));
    atps.backchannel(id, { action: 'advance', ms: 30_000 });
    const after = esme.stateView.meterBalance;
    assert.equal(after, before + 20 * 100_000, show(atps.deviceEvents(id, euis.esme).application.slice(-3)));
    assert.ok(esme.stateView.eventLog.some((e) => e.messageCode === 0x0116 && e.code === 0x810e));
    let d = p.ppmid.display();
    assert.equal(d.lastCustomerAction?.state, 'accepted', show(p.ppmid.events.slice(-3)));
    assert.equal(d.lastCustomerAction?.valueMillipence, 20 * 100_000);
    assert.equal(d.credit.source, 'esme-top-up-response');
    assert.equal(d.credit.creditRemainingMillipence, after);
    // the same UTRN again: the ESME says duplicate, the balance stays
    p.ppmid.typeUtrn(utrn, { esme: euis.esme });
    atps.backchannel(id, { action: 'advance', ms: 30_000 });
    assert.equal(p.ppmid.display().lastCustomerAction?.result, 'duplicate');
    assert.equal(esme.stateView.meterBalance, after);

    // PECS03: the supply is on already: Supply ON succeeds, it stays on
    assert.equal(p.ppmid.enableSupply({ esme: euis.esme }).accepted, true);
    atps.backchannel(id, { action: 'advance', ms: 30_000 });
    d = p.ppmid.display();
    assert.deepEqual(
      [d.lastCustomerAction?.kind, d.lastCustomerAction?.state],
      ['enable-supply', 'accepted'],
    );
    assert.equal(esme.stateView.supply, 'enabled');

    // PECS02: a credit-mode ESME has no emergency credit to give: FAILURE
    assert.equal(p.ppmid.activateEmergencyCredit({ esme: euis.esme }).accepted, true);
    atps.backchannel(id, { action: 'advance', ms: 30_000 });
    d = p.ppmid.display();
    assert.deepEqual(
      [d.lastCustomerAction?.kind, d.lastCustomerAction?.state, d.lastCustomerAction?.result],
      ['emergency-credit', 'refused', 'failure'],
    );
  });
});
