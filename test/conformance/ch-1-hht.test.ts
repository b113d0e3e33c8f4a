/**
 * SECMP0038 CH-1 / CH-4, HHT source (regression of the existing route): an
 * HHT joins only within 60 minutes of the CH powering up (HAN.md), relays
 * Remote Party Messages in Transfer Data, and gets the responses to them;
 * after the window a join is refused; a CH restart opens a new window.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtpsError } from '../../src/atps/api.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { toHex } from '../../src/runtime/bytes.ts';
import { byName, newAtps, RESPONSE_FOR } from '../support/atps-harness.ts';

const cmd = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');

describe('CH-1 HHT route', async () => {
  const atps = newAtps();

  it('joins within the start-up window; relays; the response goes back to the HHT, not the WAN', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    atps.backchannel(id, { action: 'advance', ms: 59 * 60_000 });
    const j = atps.backchannel(id, { action: 'hht-join' });
    assert.deepEqual(j.detail, { hht: RTDS_EUIS.hht });
    assert.equal(atps.home(id).chf.deviceLog.get(RTDS_EUIS.hht)?.deviceType, 'HHT');
    const atHht: Uint8Array[] = [];
    atps
      .home(id)
      .tunnelNode(RTDS_EUIS.hht)
      .onMessage((b) => atHht.push(b));
    const before = atps.wanUplink(id).length;
    const [r] = atps.inject(id, 'hht', cmd.bytes);
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.responseRoute, 'hht');
    assert.equal(atHht.length, 1);
    assert.equal(toHex(atHht[0]), toHex(RESPONSE_FOR.get(cmd.hex.toUpperCase())!));
    assert.equal(
      atps
        .wanUplink(id)
        .slice(before)
        .filter((u) => u.cra === 'response').length,
      0,
    );
  });

  it('after 60 minutes a join is refused (event logged); a CH restart opens a new window', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    atps.backchannel(id, { action: 'advance', ms: 61 * 60_000 });
    assert.throws(
      () => atps.backchannel(id, { action: 'hht-join' }),
      (e: unknown) => e instanceof AtpsError && e.code === 'ATPS_HHT_REFUSED',
    );
    assert.ok(atps.chEvents(id).some((e) => e.kind === 'join' && e.reason === 'outside-hht-join-window'));
    assert.throws(() => atps.inject(id, 'hht', cmd.bytes), AtpsError);
    atps.backchannel(id, { action: 'ch-reboot' });
    const [r] = atps.inject(id, 'hht', cmd.bytes);
    assert.equal(r.chDecision, 'delivered');
  });

  it('a joined HHT that comes back after the window is refused too', async () => {
    const { id } = await atps.createHome({ profile: 'rtds', hht: true });
    atps.backchannel(id, { action: 'advance', ms: 2 * 3_600_000 });
    atps.backchannel(id, { action: 'device-offline', eui: RTDS_EUIS.hht });
    atps.backchannel(id, { action: 'device-online', eui: RTDS_EUIS.hht });
    assert.ok(atps.chEvents(id).some((e) => e.kind === 'join' && e.reason === 'outside-hht-join-window'));
  });
});
