/**
 * An HCALCS in a home (issue 12, docs/devices.md "HCALCS in a home"): an
 * ATPS `rtds` home created with `hcalcs: true` has the HCALCS joined to the
 * CH and sharing an application link key with the ESME. Supplier ECS47
 * commands (DUIS 7.5 / 7.6 / 7.8) for switch 2, whose device id in the RTDS
 * ESME is this HCALCS, injected over the WAN, signed and MAC'd: the ESME
 * answers, changes its switch state, and drives the HCALCS's switch with a
 * ZCL On/Off over the HAN (APS-secured, answered with a Default Response).
 * ECS61a (7.7) reads the state back. A home without the HCALCS: the ESME
 * counts the switch it cannot reach; another device cannot switch it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import type { Esme } from '../../src/devices/esme/esme.ts';
import { Hcalcs } from '../../src/devices/hcalcs/hcalcs.ts';
import { rebuildCommand } from '../../src/devices/meter-common/test-support.ts';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { decodeCommand, decodeResponse, encodeCommand, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { encodeOnOffCommand, ON_OFF_CLUSTER_ID } from '../../src/zigbee/zcl-onoff.ts';
import { byName } from '../support/atps-harness.ts';

type Fields = Record<string, Record<string, unknown>>;

/** A device's own counters. */
const counters = (d: unknown) => (d as Esme).metrics.snapshot().counters;

async function home(hcalcs: boolean) {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const { id } = await atps.createHome({ profile: 'rtds', hcalcs });
  const remote = new SecurityContext({ keyStore: p.world, acb: p.acb });
  let counter = 0x7300_0000n;
  /** The RTDS command `fragment` as use case `useCase` (default its own) with `change`d fields, fresh counter, injected over the WAN. */
  const send = (fragment: string, change: (f: Fields) => void, useCase?: string) => {
    const base = decodeMessage(byName(fragment).bytes);
    const row = useCase
      ? useCaseById(useCase)!
      : useCaseById(decodeCommand(base.messageCode, base.content).useCase)!;
    const fields = structuredClone(decodeCommand(base.messageCode, base.content).fields) as Fields;
    change(fields);
    counter += 1n;
    const content = encodeCommand(row, fields, { originatorCounter: counter });
    const otherInfo = useCase ? { ...base.otherInfo, messageCode: row.code } : undefined;
    const bytes = rebuildCommand(remote, base, { counter, content, ...(otherInfo ? { otherInfo } : {}) });
    const [r] = atps.inject(id, 'wan', bytes, { source: fragment });
    assert.equal(r?.deviceDecision, 'accepted', `${fragment}: ${r?.deviceReason}`);
    assert.ok(r.response, `${fragment}: answered`);
    return { row, fields, response: decodeMessage(fromHex(r.response)) };
  };
  const ecs47 = (script: number) =>
    send('ECS47Activate_7.5_SUCCESS', (f) => {
      f.alcsStateScripts!.execute = script;
    });
  /** ECS61a (7.7, RTDS): switch 2's identity and output state (ECS61e reads no output state: GBCS later use-case table) */
  const readSwitch2 = () => {
    const { row, fields, response } = send('ECS61a_7.7_ALL_OPTIONALS_SUCCESS', () => {});
    const got = decodeResponse(row, response.content, fields).fields as Fields;
    return {
      id: (got.alcsDeviceId2!.value as { value: unknown }).value,
      on: (got.alcs2!.outputState as { value: unknown }).value,
    };
  };
  /** ECS46c (6.14.2, in the envelope of the RTDS ECS46d, its immediate activation times): the next ALCS calendar, activated */
  const calendar = (entries: unknown[]) =>
    send(
      'ECS46d_6.14.3_IMMEDIATE_ALCS_SUCCESS',
      (f) => {
        f.auxiliaryControllerSpecialDays = { entries: [] };
        f.auxiliaryControllerSchedule = { entries };
      },
      'ECS46c',
    );
  return { atps, id, p, ecs47, readSwitch2, calendar };
}

describe('HCALCS in a home: the ESME drives its switch over the HAN', () => {
  it('7.5 / 7.6 / 7.8 (ECS47) for switch 2: the ESME switches the HCALCS on, off, back to calendar control (on)', async () => {
    const { atps, id, p, ecs47, readSwitch2 } = await home(true);
    const h = atps.home(id);
    const hcalcs = h.device(p.euis.hcalcs);
    assert.ok(hcalcs instanceof Hcalcs);
    assert.equal(hcalcs.switchState(), 'off', 'off at power-up');
    assert.equal(readSwitch2().id, p.euis.hcalcs, 'the ESME lists switch 2 as this HCALCS');

    ecs47(0x0211);
    assert.equal(hcalcs.switchState(), 'on');
    assert.equal(readSwitch2().on, true);
    ecs47(0x0212);
    assert.equal(hcalcs.switchState(), 'off');
    assert.equal(readSwitch2().on, false);
    ecs47(0x0220);
    assert.equal(hcalcs.switchState(), 'on', 'calendar control: the RTDS ESME has switch 2 on');

    const changes = hcalcs.events.filter((e) => e.kind === 'state-change');
    assert.deepEqual(
      changes.map((e) => (e.detail as { switch: string; source: string }).switch),
      ['on', 'off', 'on'],
    );
    assert.ok(changes.every((e) => (e.detail as { source: string }).source === `esme:${p.euis.esme}`));
    const esme = counters(h.device(p.euis.esme));
    assert.equal(esme['esme.hcalcs.switched'], 3, JSON.stringify(esme));
    const own = hcalcs.metrics.snapshot().counters;
    assert.equal(own['hcalcs.han.onoff.on'], 2);
    assert.equal(own['hcalcs.han.onoff.off'], 1);
  });

  it('the ALCS calendar (ECS46c) switches the HCALCS at its times on the home clock, with no command; the ESME logs 0x8131', async () => {
    const { atps, id, p, readSwitch2, calendar } = await home(true);
    const h = atps.home(id);
    const hcalcs = h.device(p.euis.hcalcs) as Hcalcs;
    const esme = h.device(p.euis.esme) as Esme;
    const entry = (index: number, scriptSelector: number, switchTime: string) => ({
      index,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector,
      switchTime,
      validityWindow: 65535,
      execWeekdays: '1111111',
      execSpecdays: '0000',
      beginDate: '****-**-**',
      endDate: '****-**-**',
    });
    calendar([entry(1, 0x0201, '06:00:00'), entry(2, 0x0202, '09:00:00')]);
    const at = (hhmm: string) => {
      const now = esme.deviceNow();
      const [hh, mm] = hhmm.split(':').map(Number);
      const d = new Date(now);
      let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hh, mm);
      if (t <= now) t += 86_400_000;
      return t - now;
    };
    atps.backchannel(id, { action: 'advance', ms: at('06:01') });
    assert.equal(hcalcs.switchState(), 'on');
    assert.equal(readSwitch2().on, true);
    atps.backchannel(id, { action: 'advance', ms: at('09:01') });
    assert.equal(hcalcs.switchState(), 'off');
    assert.equal(readSwitch2().on, false);
    const success = esme.stateView.eventLog.filter((e) => e.code === 0x8131);
    assert.equal(success.length, 2, 'each switching answered by the HCALCS: 0x8131');
    assert.equal(counters(esme)['esme.alcs.calendar.switched'], 2);
    // the ALCS event log (GBCS ECS35f entries): the command sent (outcome not known), then the HC ALCS's answer
    const log = esme.stateView.attributes['alcsEventLog.buffer'] as {
      switchNumberAndAction: number;
      outcome: number;
      hanCommandId: number;
    }[];
    const last = log.slice(-4);
    assert.deepEqual(
      last.map((e) => [e.switchNumberAndAction, e.outcome]),
      [
        [0x0201, 0],
        [0x0200, 1],
        [0x0202, 0],
        [0x0200, 1],
      ],
    );
    assert.equal(last[0]!.hanCommandId, last[1]!.hanCommandId);
    assert.ok(last[2]!.hanCommandId > last[0]!.hanCommandId);
  });

  it('a switch without an HCALCS (3) leaves it alone; a home without the HCALCS counts the switch it cannot reach', async () => {
    const withIt = await home(true);
    const hcalcs = withIt.atps.home(withIt.id).device(withIt.p.euis.hcalcs) as Hcalcs;
    withIt.ecs47(0x0311);
    assert.equal(hcalcs.events.filter((e) => e.kind === 'state-change').length, 0);

    const without = await home(false);
    without.ecs47(0x0212);
    const m = counters(without.atps.home(without.id).device(without.p.euis.esme));
    assert.equal(m['esme.hcalcs.no-link-key'], 1, JSON.stringify(m));
    assert.equal(without.readSwitch2().on, false, 'the ESME still records the state');
  });

  it('the PPMID, which holds no link key with the HCALCS, cannot switch it', async () => {
    const { atps, id, p } = await home(true);
    const h = atps.home(id);
    const hcalcs = h.device(p.euis.hcalcs) as Hcalcs;
    h.tunnelNode(p.euis.ppmid).sendCluster(
      p.euis.hcalcs,
      ON_OFF_CLUSTER_ID,
      encodeOnOffCommand({ transactionSequenceNumber: 1, on: true }),
    );
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    assert.equal(hcalcs.switchState(), 'off');
  });
});

describe('HECS01: the HCALCS asks its ESME for control (ZSE Get Scheduled Events, GBCS V3.1 HAN Only)', () => {
  it('the ESME logs 0x0119, answers NOT_FOUND (no DRLC events) and drives the HCALCS to the state of switch 2', async () => {
    const { atps, id, p, readSwitch2 } = await home(true);
    const h = atps.home(id);
    const hcalcs = h.device(p.euis.hcalcs) as Hcalcs;
    const esme = h.device(p.euis.esme) as Esme;
    assert.equal(readSwitch2().on, true, 'the RTDS ESME has switch 2 on');
    assert.equal(hcalcs.switchState(), 'off', 'the HCALCS powers up off');
    const answers: Array<{ ok: boolean; status?: number; reason?: string }> = [];
    assert.equal(
      hcalcs.requestControl(p.euis.esme, (r) => answers.push(r)),
      true,
    );
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    assert.deepEqual(answers, [{ ok: true, status: 0x8b }]);
    assert.equal(hcalcs.switchState(), 'on', "driven to the ESME's state of switch 2");
    assert.ok(esme.stateView.eventLog.some((e) => e.messageCode === 0x0119));
    assert.ok(esme.events.some((e) => e.useCase === 'HECS01' && e.decision === 'accepted'));
  });
});
