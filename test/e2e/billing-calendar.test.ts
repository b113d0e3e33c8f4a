/**
 * The ESME's billing calendar end to end (issue 12), on the one-home
 * virtual-time system: the supplier sets a daily billing calendar with DUIS
 * 6.8 (the DSP builds ECS30a, critical: CV 4 Pre-Command signed by the
 * supplier), over the SM WAN; virtual time passes the billing date; the ESME
 * takes its billing data snapshot and raises ECS68 (0x8F0A, Message Code
 * 0x0061), which the DSP forwards and the supplier gets as a
 * DeviceAlertMessage; a 4.4.3 read of the billing data log (ECS20c) is then
 * answered. The decrypted content of ECS68 and of the ECS20c read is checked
 * in src/devices/esme/billing.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDlmsData } from '../../src/gbcs/payload/dlms.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

const EPOCH_2000 = Date.UTC(2000, 0, 1);

describe('e2e: billing calendar (6.8 / ECS30a) -> billing date -> ECS68 to the supplier', () => {
  const suite = virtualSystemSuite('billing-calendar');
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it('the supplier sets the calendar over the WAN; at the billing date the ECS68 (8F0A) reaches it; 4.4.3 reads the log', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const seen: Array<{ code: string; device?: string; at: number }> = [];
    supplier.subscribe((e) => {
      if (e.type === 'alert' && e.alert === 'device')
        seen.push({ code: String(e.code).toUpperCase(), device: e.device, at: vc.now() });
    });
    const order = async (srv: string, body: unknown) => {
      const c = await pumpVirtualPromise(
        vc,
        supplier.submit({
          premisesId: home.premisesId,
          order: { kind: 'duis', srv, body: body as never },
          target: home.plan.esme,
          route: 'wan',
        }),
      );
      return untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
    };

    // a daily billing time 20 minutes from now (whole minutes, UTC)
    const billing = new Date(vc.now() + 20 * 60_000);
    billing.setUTCSeconds(0, 0);
    const hhmm = billing.toISOString().slice(11, 16);
    const set = await order('6.8', {
      ElectricityBillingCalendar: { BillingTime: `${hhmm}:00`, Daily: null },
    });
    assert.equal(set.state, 'responded', JSON.stringify({ state: set.state, reason: set.reason }));
    assert.equal(home.esme.billing.nextBillingDate, billing.getTime());
    assert.equal(seen.filter((a) => a.code === '8F0A').length, 0, 'no billing alert before the billing date');

    await pumpVirtual(
      vc,
      () => seen.some((a) => a.code === '8F0A') || vc.now() > billing.getTime() + 600_000,
    );
    const alerts = seen.filter((a) => a.code === '8F0A');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.device, home.plan.esme);
    assert.ok(alerts[0]!.at >= billing.getTime(), 'raised at the billing date, not before');
    const alertSent = home.esme.events.filter(
      (e) => e.kind === 'alert-sent' && e.messageCode === 0x0061 && e.detail?.alertCode === '8F0A',
    );
    assert.equal(alertSent.length, 1);
    assert.equal(home.esme.billing.nextBillingDate, billing.getTime() + 86_400_000, 'the next day');

    // the snapshot is in the billing data log the 4.4.3 read (ECS20c) answers from
    const log = decodeDlmsData(fromHex(home.esme.stateView.protectedData['7/0-0:98.1.0.255/2']!)).value;
    assert.ok(log.type === 'compact-array');
    const newest = log.elements.at(-1)!;
    assert.ok(newest.type === 'structure' && 'value' in newest.items[0]!);
    assert.equal(newest.items[0].value, (billing.getTime() - EPOCH_2000) / 1000);
    const day = billing.toISOString().slice(0, 10);
    const read = await order('4.4.3', {
      ReadLogPeriod: { StartDateTime: `${day}T00:00:00.00Z`, EndDateTime: `${day}T23:59:59.00Z` },
    });
    assert.equal(read.state, 'responded', JSON.stringify({ state: read.state, reason: read.reason }));
    assert.ok(read.response?.gbcs, 'the ESME answered the read');
  });
});
