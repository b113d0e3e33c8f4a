/**
 * Issue 15, Set CH Time across processes: `ppmid-relay supplier set-ch-time`
 * (a real CLI process) orders it from the supplier of a split deployment;
 * the supplier asks the DSP of another system over its signed route on the
 * DCC User Interface (TLS with the supplier's certificate, ch-time-desk.ts),
 * and hands the DCC-signed command to the PPMID, which reports it forwarded;
 * the CH of that premises, installed without WAN (`noWanInstallation`, WAN
 * class none), applies it: time status Reliable, and its ESME follows.
 * (A CH with a WAN never sees it: CH-2 discards a PPMID relay to the CHF
 * while the CH has its WAN, `target-is-chf`, with a 0x8E02 alert; that is
 * why an estate of WAN homes showed no CH time event.)
 * The DSP's user has the no-WAN commissioning policy (C8); the DSP-4 log
 * lists the issue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryLocalDeliveries } from '../../src/dcc/dsp/local-delivery-log.ts';
import { awaitCommand } from '../e2e/harness.ts';
import { operatorToken } from '../support/auth.ts';
import { type InProcessSplit, spawnParty, startInProcessSplit } from '../support/split.ts';
import { waitFor, withTimeout } from '../support/wait.ts';

describe('e2e: Set CH Time (PROVISIONAL) from the CLI through a split supplier and DSP', () => {
  let split: InProcessSplit;
  before(async () => {
    split = await startInProcessSplit({
      seed: 'ch-time',
      common: { wanMix: 'reliable=1,none=1', noWanInstallation: true },
    });
    assert.deepEqual(await withTimeout(split.estate.provisioned, 120_000, 'SU-3 across processes'), []);
  });
  after(() => split?.stop());

  it('the CLI orders it, the DSP of the other process issues it, the PPMID forwards it', async () => {
    const { supplier, dspChm, estate } = split;
    const home = estate.estate!.homes.find((h) => h.plan.wanClass === 'none')!;
    const chf = home.home.chf;
    assert.equal(home.link.isUp(), false, 'installed without WAN');
    assert.equal(chf.time.status(), 'unreliable');
    assert.equal(home.esme.getTimeStatus(), 'unreliable');
    {
      const cli = spawnParty('cli', [
        'supplier',
        'set-ch-time',
        '--premises',
        home.premisesId,
        '--supplier-url',
        supplier.urls.supplier!,
        '--token',
        operatorToken(supplier),
      ]);
      const exit = await withTimeout(cli.exit, 60_000, 'the CLI');
      assert.equal(exit.code, 0, cli.err());
      const placed = JSON.parse(cli.out().trim().split('\n')[0]!) as { id: string; order: { kind: string } };
      assert.equal(placed.order.kind, 'ch-time');
      const c = await awaitCommand(
        supplier,
        placed.id,
        (x) => x.ppmid?.status === 'forwarded' || x.terminalAt !== undefined,
      );
      assert.equal(c.route, 'ppmid');
      assert.equal(c.ppmid?.status, 'forwarded', `${c.state} ${c.reason}`);
      // the CH applies it (PROVISIONAL 0x0F03, ACB-signed): Reliable, and the meters follow
      await waitFor(
        () => chf.events.some((e) => e.kind === 'time' && e.reason === 'time-command-applied'),
        90_000,
        { what: 'the CH applies Set CH Time' },
      );
      assert.equal(
        chf.events.filter((e) => e.kind === 'time' && e.reason === 'time-command-refused').length,
        0,
      );
      assert.equal(chf.time.status(), 'reliable');
      assert.ok(Math.abs(chf.time.now() - Date.now()) < 60_000, 'the CH has the DCC time');
      assert.equal(home.esme.getTimeStatus(), 'reliable');
      assert.equal(home.link.isUp(), false, 'still no WAN');
      // DSP-4: the issue is logged for the CSP
      await dspChm.dsp!.flush();
      const logged = await queryLocalDeliveries(dspChm.dsp!.db, { from: 0, to: Date.now() + 60_000 });
      assert.equal(logged.filter((r) => r.srv === 'SECMP0038-CHT' && r.target === home.plan.chf).length, 1);
    }
  });
});
