/**
 * SECMP0038 CH-7 (R4): a per-PPMID token bucket on relayed commands and a cap
 * on the PPMID's share of HAN airtime, so that a compromised PPMID cannot
 * take the HAN down: a flood is capped while WAN traffic still flows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byName, newAtps } from '../support/atps-harness.ts';

const esmeCommand = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');
const large = byName(
  '6.15.1_CS02gLoadControllerBySupplier/CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND',
);

describe('CH-7 token bucket per PPMID', async () => {
  const atps = newAtps();
  const burst = 5;
  const perMinute = 10;
  const { id } = await atps.createHome({
    profile: 'rtds',
    chf: { ppmidRelayBurst: burst, ppmidRelayPerMinute: perMinute },
  });
  const t0 = atps.homeInfo(id).now;
  const flood = atps.inject(
    id,
    'ppmid',
    Array.from({ length: 60 }, () => esmeCommand.bytes),
  );
  const elapsed = atps.homeInfo(id).now - t0;

  it('relays at most the burst plus the refill; the rest is rate-limited and logged', () => {
    const relayed = flood.filter((r) => r.chDecision === 'delivered').length;
    const limited = flood.filter((r) => r.chReason === 'rate-limited').length;
    assert.ok(relayed >= burst);
    assert.ok(
      relayed <= burst + Math.ceil((elapsed / 60_000) * perMinute),
      `${relayed} relayed in ${elapsed} ms`,
    );
    assert.equal(relayed + limited, flood.length);
    const ev = atps.chEvents(id).filter((e) => e.reason === 'rate-limited');
    assert.equal(ev.length, limited);
    assert.ok(ev.every((e) => e.detail?.limit === 'token-bucket'));
  });

  it('the flood raises few alerts (throttled per cause)', () => {
    const alerts = atps.alerts(id).filter((a) => a.name === 'ppmid-relay-rejected');
    assert.ok(alerts.length <= 1 + Math.ceil(elapsed / 60_000), `${alerts.length} alerts`);
  });

  it('WAN traffic still flows during the flood', () => {
    const [w] = atps.inject(id, 'wan', esmeCommand.bytes);
    assert.equal(w.chDecision, 'delivered');
    assert.equal(w.responseRoute, 'wan');
  });

  it('the bucket refills with time', () => {
    atps.backchannel(id, { action: 'advance', ms: 60_000 });
    const [r] = atps.inject(id, 'ppmid', esmeCommand.bytes);
    assert.equal(r.chDecision, 'delivered');
  });
});

describe('CH-7 airtime share cap', async () => {
  const atps = newAtps();
  it('a PPMID over its airtime share is refused although tokens remain; WAN relays continue', async () => {
    const { id } = await atps.createHome({
      profile: 'rtds',
      chf: {
        ppmidRelayBurst: 1000,
        ppmidRelayPerMinute: 1000,
        ppmidAirtimeShareCap: 0.005,
        ppmidAirtimeWindowMs: 60_000,
      },
    });
    const rs = atps.inject(
      id,
      'ppmid',
      Array.from({ length: 6 }, () => large.bytes),
    );
    assert.equal(rs[0].chDecision, 'delivered');
    const limited = atps.chEvents(id).filter((e) => e.reason === 'rate-limited');
    assert.ok(limited.length >= 1);
    assert.ok(limited.every((e) => e.detail?.limit === 'airtime-share'));
    const share = atps.home(id).chf.ppmidAirtimeShare('00DB1234567890A4');
    assert.ok(share > 0.005, `share ${share}`);
    const [w] = atps.inject(id, 'wan', large.bytes);
    assert.equal(w.chDecision, 'delivered');
  });
});
