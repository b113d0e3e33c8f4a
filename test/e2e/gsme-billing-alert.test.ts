/**
 * The GSME's billing calendar end to end (issue 12), on the one-home
 * virtual-time system: the supplier sets a daily gas billing calendar with
 * DUIS 6.8 (the DSP builds GCS25a, critical: signed by the supplier), over
 * the SM WAN to the CHF's GSME mailbox; virtual time passes the end of the
 * billing period; the GSME raises GCS53 (0x8F0A, Message Code 0x008B),
 * which the CHF and the DSP forward and the supplier gets as a
 * DeviceAlertMessage. The decrypted content of GCS53 and the GCS15c read
 * back are checked in src/devices/gsme/billing-alert.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningSystem } from '../../src/system/system.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

const DAY = 86_400_000;

describe('e2e: gas billing calendar (6.8 / GCS25a) -> end of billing period -> GCS53 to the supplier', () => {
  const suite = virtualSystemSuite('gsme-billing-alert');
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it('the supplier sets the calendar over the WAN; at the period end the GCS53 (8F0A) reaches it', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0]!;
    const supplier = sys.supplier!;
    const seen: Array<{ code: string; device?: string; at: number }> = [];
    supplier.subscribe((e) => {
      if (e.type === 'alert' && e.alert === 'device')
        seen.push({ code: String(e.code).toUpperCase(), device: e.device, at: vc.now() });
    });
    assert.equal(home.gsme.billing.nextBillingDate, null, 'a GSME as made raises no billing alert');

    // daily periods from the last midnight: the next end is the coming midnight
    const midnight = Math.floor(vc.now() / DAY) * DAY + DAY;
    const start = new Date(midnight - DAY).toISOString().replace('.000Z', 'Z');
    const c = await pumpVirtualPromise(
      vc,
      supplier.submit({
        premisesId: home.premisesId,
        order: {
          kind: 'duis',
          srv: '6.8',
          body: { GasBillingCalendar: { BillingPeriodStart: start, Periodicity: 'Daily' } } as never,
        },
        target: home.plan.gsme,
        route: 'wan',
      }),
    );
    const set = await untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
    assert.equal(set.state, 'responded', JSON.stringify({ state: set.state, reason: set.reason }));
    assert.equal(home.gsme.billing.nextBillingDate, midnight);
    assert.equal(seen.filter((a) => a.code === '8F0A').length, 0, 'no billing alert before the period end');

    await pumpVirtual(vc, () => seen.some((a) => a.code === '8F0A') || vc.now() > midnight + 3_600_000);
    const alerts = seen.filter((a) => a.code === '8F0A');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.device, home.plan.gsme);
    assert.ok(alerts[0]!.at >= midnight, 'raised at the period end, not before');
    const sent = home.gsme.events.filter(
      (e) => e.kind === 'alert-sent' && e.messageCode === 0x008b && e.detail?.alertCode === '8F0A',
    );
    assert.equal(sent.length, 1);
    assert.equal(home.gsme.billing.nextBillingDate, midnight + DAY, 'the next day');
  });
});
