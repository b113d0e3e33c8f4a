/**
 * Issue 6 / ARCHITECTURE "Scaling out" as a user runs it: the parties as four
 * real processes of `bin/ppmid-relay.js`, sharing one data directory (keys,
 * MQTT PKI, SQLite store):
 *
 *   dsp serve --split       DUIS over HTTP; WAN link endpoint; relay-flag route (C3)
 *   chm serve --split       Alerts Dashboard; its own WAN link endpoint
 *   supplier serve --split  supplier service, embedded MQTT/TLS broker
 *   estate                  homes, the SM WAN and its WAN link server
 *
 * The PPMIDs are provisioned through SU-3 across the processes (the supplier
 * registering each relay flag with the DSP over HTTP), a top-up through a
 * PPMID is answered, and SIGINT stops every process with exit status 0.
 * Ports are ephemeral (chosen free before the start: each process must know
 * the others' URLs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bearer, dataDirToken } from '../support/auth.ts';
import { freePort, type Proc, spawnParty } from '../support/split.ts';
import { waitFor, withTimeout } from '../support/wait.ts';

const up = (p: Proc) =>
  waitFor(() => /Ctrl-C stops everything/.test(p.out()) || p.child.exitCode !== null, 90_000, {
    what: () => `${p.name} to listen\n${p.out()}\n${p.err()}`,
  }).then(() => assert.equal(p.child.exitCode, null, `${p.name} exited:\n${p.out()}\n${p.err()}`));

describe('e2e: dsp serve, chm serve, supplier serve and estate as four processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-split-proc-'));
  const procs: Proc[] = [];
  after(() => {
    for (const p of procs)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions the PPMIDs across the processes, tops up through one, and stops on SIGINT with exit 0', async () => {
    const [dspPort, chmPort, supplierPort, mqttPort, dspWanPort, chmWanPort, estateWanPort] =
      await Promise.all(Array.from({ length: 7 }, freePort));
    const url = (p: number) => `http://127.0.0.1:${p}`;
    const plan = ['--data-dir', dir, '--homes', '2', '--wan-mix', 'reliable=2', '--seed', 'split-proc'];

    // The DSP first: it creates the keys of the data directory and migrates the store.
    const dsp = spawnParty('dsp', [
      'dsp',
      'serve',
      '--split',
      ...plan,
      '--port',
      String(dspPort),
      '--wan-port',
      String(dspWanPort),
      '--wan-url',
      url(estateWanPort),
      '--supplier-url',
      url(supplierPort),
      '--no-xsd',
    ]);
    procs.push(dsp);
    await up(dsp);
    const chm = spawnParty('chm', [
      'chm',
      'serve',
      '--split',
      ...plan,
      '--port',
      String(chmPort),
      '--wan-port',
      String(chmWanPort),
      '--wan-url',
      url(estateWanPort),
    ]);
    const supplier = spawnParty('supplier', [
      'supplier',
      'serve',
      '--split',
      ...plan,
      '--port',
      String(supplierPort),
      '--mqtt-port',
      String(mqttPort),
      '--dsp-url',
      // the DCC User Interface is https with the user's client certificate (issue 13)
      `https://127.0.0.1:${dspPort}`,
    ]);
    procs.push(chm, supplier);
    await Promise.all([up(chm), up(supplier)]);
    // The estate last: it reads the supplier's MQTT PKI and connects to its broker.
    const estate = spawnParty(
      'estate',
      [
        'estate',
        ...plan,
        '--workload',
        'none',
        '--start-port',
        '0',
        '--wan-port',
        String(estateWanPort),
        '--supplier-url',
        url(supplierPort),
        '--dsp-wan-url',
        url(dspWanPort),
        '--chm-wan-url',
        url(chmWanPort),
      ],
      { MQTT_URL: `mqtts://127.0.0.1:${mqttPort}`, MQTT_PROTOCOL_VERSION: '4' },
    );
    procs.push(estate);
    await waitFor(
      () => /estate ready|not provisioned/.test(estate.out()) || estate.child.exitCode !== null,
      90_000,
      {
        what: () => `the estate to be provisioned\n${estate.out()}\n${estate.err()}`,
      },
    );
    assert.match(estate.out(), /estate ready: 2 PPMIDs provisioned/);

    // One top-up through the PPMID of home-0000 (CV 2 -> envelope -> PPMID -> CH -> ESME -> WAN -> DSP -> supplier).
    // Every process of the data directory accepts its operators (issue 13).
    const auth = bearer(dataDirToken(dir));
    const placed = await fetch(`${url(supplierPort)}/api/v1/premises/home-0000/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ order: { kind: 'top-up', value: 700, valueClass: 'pennies' }, route: 'ppmid' }),
    });
    assert.equal(placed.status, 202);
    const { id } = (await placed.json()) as { id: number };
    // Follow the supplier's Server-Sent Events; re-read the command on each one (no polling timer).
    const events = new AbortController();
    const stream = await fetch(`${url(supplierPort)}/api/v1/events`, {
      signal: events.signal,
      headers: auth,
    });
    const command = async () =>
      (
        (await (await fetch(`${url(supplierPort)}/api/v1/commands/${id}`, { headers: auth })).json()) as {
          command: { state?: string; reason?: string; ppmid?: { status?: string } };
        }
      ).command;
    const answered = (async () => {
      const reader = stream.body!.getReader();
      for (;;) {
        const c = await command();
        if (c.state === 'responded' || c.state === 'failed') return c;
        const { done } = await reader.read();
        if (done) return c;
      }
    })();
    const last = await withTimeout(answered, 60_000, `command ${id} to be answered`).finally(() =>
      events.abort(),
    );
    assert.equal(last.state, 'responded', last.reason);
    assert.equal(last.ppmid?.status, 'forwarded');

    // The CHM process heard the CHs' PPMID Connected alerts over its own WAN link endpoint (CH-5).
    const alerts = (await (
      await fetch(`${url(chmPort)}/api/alerts?type=ppmid-connected`, { headers: auth })
    ).json()) as {
      alerts: unknown[];
    };
    assert.ok(alerts.alerts.length >= 2, 'PPMID Connected alerts at the CHM');

    // Stop: the estate first (its PPMIDs publish their offline presence), then the others.
    for (const p of [estate, supplier, chm, dsp]) {
      p.child.kill('SIGINT');
      const { code, signal } = await withTimeout(p.exit, 60_000, () => `${p.name} to stop\n${p.err()}`);
      assert.equal(signal, null, p.name);
      assert.equal(code, 0, `${p.name}: ${p.err()}`);
    }
  });
});
