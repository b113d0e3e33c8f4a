import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CHF_GBCS_ALERT, gbcsAlertContent, provisionalAlertContent } from '../../devices/chf/alerts.ts';
import { type HomeProfile, keyStoreFor, loadProfile } from '../../devices/home/profiles.ts';
import type { ProvisionalAlert } from '../../gbcs/codes/provisional.ts';
import { cosemDateTimeFromDate, encodeDlmsApdu, gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import { SecurityContext } from '../../gbcs/security.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { routeUplink } from './routing.ts';
import { SmWan } from './sm-wan.ts';

let p: HomeProfile;
let chf: SecurityContext;
let esme: SecurityContext;
let counter = 100n;
const when = cosemDateTimeFromDate(new Date(Date.UTC(2026, 0, 1)));

before(async () => {
  p = await loadProfile('generated');
  chf = new SecurityContext({ keyStore: keyStoreFor(p.world, [p.euis.chf]), acb: p.acb });
  esme = new SecurityContext({ keyStore: keyStoreFor(p.world, [p.euis.esme]), acb: p.acb });
});

function chfProvisional(a: ProvisionalAlert): Uint8Array {
  const c = provisionalAlertContent(a, gbcsInvokeId(++counter), when);
  return chf.seal(
    {
      cra: 'alert',
      originatorCounter: counter,
      originator: p.euis.chf,
      recipient: p.acb,
      otherInfo: { messageCode: c.messageCode },
      content: c.content,
    },
    { sign: c.critical, mac: true },
  );
}

function chfGbcsAlert(code: number): Uint8Array {
  const c = gbcsAlertContent(
    code,
    [{ type: 'octet-string', value: fromHex(p.euis.esme) }],
    gbcsInvokeId(++counter),
    when,
    'x',
  );
  return chf.seal(
    {
      cra: 'alert',
      originatorCounter: counter,
      originator: p.euis.chf,
      recipient: p.acb,
      otherInfo: { messageCode: c.messageCode },
      content: c.content,
    },
    { sign: c.critical, mac: true },
  );
}

const response = (ctx: SecurityContext, originator: string, recipient: string) =>
  ctx.seal({
    cra: 'response',
    originatorCounter: ++counter,
    originator,
    recipient,
    otherInfo: { messageCode: 0x0f01 },
    content: encodeDlmsApdu({
      apdu: 'access-response',
      invoke: gbcsInvokeId(counter),
      dateTime: new Uint8Array(0),
      data: [{ type: 'null' }],
      results: [{ kind: 'action', result: 0 }],
    }),
  });

describe('uplink routing at the CSP (CSP-1, CSP-2; docs/wan.md)', () => {
  it('routes each kind of CH uplink by CRA, originator, recipient and Alert Code', () => {
    const ctx = { chf: p.euis.chf, gpf: p.euis.gpf, wanProvider: p.wanProvider };
    const cases: Array<[string, Uint8Array, string, string]> = [
      [
        'PPMID Connected',
        chfProvisional({ alert: 'ppmid-connected', ppmid: p.euis.ppmid, how: 'joined' }),
        'chm',
        'provisional-ch-alert',
      ],
      [
        'PPMID Relay Rejected (critical, signed)',
        chfProvisional({
          alert: 'ppmid-relay-rejected',
          ppmid: p.euis.ppmid,
          reason: 'target-is-chf',
          target: p.euis.chf,
          messageCode: 0x0001,
          craFlag: 1,
          size: 120,
          suppressed: 0,
        }),
        'chm',
        'provisional-ch-alert',
      ],
      [
        'buffer full',
        chfProvisional({
          alert: 'buffer-full',
          buffer: 'wan-uplink',
          capacity: 256,
          highWater: 256,
          dropped: 1,
          overflowed: true,
        }),
        'chm',
        'provisional-ch-alert',
      ],
      [
        'standalone entered',
        chfProvisional({ alert: 'standalone-entered', by: p.wanProvider, cause: 'block-buffer-feed' }),
        'chm',
        'provisional-ch-alert',
      ],
      ['CHF GBCS alert 8F84', chfGbcsAlert(CHF_GBCS_ALERT.FAILURE_TO_DELIVER_TO_ESME), 'both', 'ch-alert'],
      ['CHF GBCS alert 819D', chfGbcsAlert(CHF_GBCS_ALERT.GSME_COMMAND_NOT_RETRIEVED), 'both', 'ch-alert'],
      ['CHF Response to the CHM', response(chf, p.euis.chf, p.wanProvider), 'chm', 'to-wan-provider'],
      ['CHF Response to the ACB', response(chf, p.euis.chf, p.acb), 'dsp', 'chf-response'],
      ['ESME Response to its supplier', response(esme, p.euis.esme, p.supplier), 'dsp', 'device-message'],
      ['malformed bytes', Uint8Array.from([1, 2, 3]), 'drop', 'malformed'],
    ];
    for (const [name, bytes, to, why] of cases) {
      const r = routeUplink(bytes, ctx);
      assert.equal(r.to, to, name);
      assert.equal(r.why, why, name);
    }
    const both = routeUplink(chfGbcsAlert(0x8f84), ctx);
    assert.deepEqual(both, { to: 'both', why: 'ch-alert', alertCode: 0x8f84 });
    const prov = routeUplink(
      chfProvisional({ alert: 'ppmid-connected', ppmid: p.euis.ppmid, how: 'joined' }),
      {
        ...ctx,
        provisionalAlertsToDsp: true,
      },
    );
    assert.equal(prov.to, 'both');
  });

  it('a Command travelling up is dropped', () => {
    const acb = new SecurityContext({ keyStore: keyStoreFor(p.world, [p.acb]), acb: p.acb });
    const bytes = acb.seal({
      cra: 'command',
      originatorCounter: ++counter,
      originator: p.acb,
      recipient: p.euis.esme,
      otherInfo: { messageCode: 0x0001 },
      content: Uint8Array.from([0]),
    });
    assert.deepEqual(routeUplink(bytes, { chf: p.euis.chf, wanProvider: p.wanProvider }), {
      to: 'drop',
      why: 'command-uplink',
    });
  });

  it('SmWan hands routed uplink to the DSP and CHM sinks with the arrival time', () => {
    const clock = new VirtualClock();
    const dsp: string[] = [];
    const chm: string[] = [];
    const wan = new SmWan({
      clock,
      config: { latency: { kind: 'fixed', ms: 700 }, wanProvider: p.wanProvider },
      dsp: {
        onDeviceMessage: (m) => {
          dsp.push(`${m.chf}@${m.at - clock.now()}:${m.gbcs.length}`);
        },
      },
      chm: { onChMessage: (m) => chm.push(`${m.chf}:${m.gbcs.length}`) },
    });
    const link = wan.addCh({ chf: p.euis.chf, gpf: p.euis.gpf });
    const alert = chfProvisional({ alert: 'ppmid-connected', ppmid: p.euis.ppmid, how: 'tunnel-opened' });
    const gbcs = chfGbcsAlert(0x8f84);
    const resp = response(esme, p.euis.esme, p.supplier);
    assert.ok(link.send(alert));
    assert.ok(link.send(gbcs));
    assert.ok(link.send(resp));
    assert.ok(link.send(Uint8Array.from([9])));
    clock.advance(700);
    assert.deepEqual(dsp, [`${p.euis.chf}@0:${gbcs.length}`, `${p.euis.chf}@0:${resp.length}`]);
    assert.deepEqual(chm, [`${p.euis.chf}:${alert.length}`, `${p.euis.chf}:${gbcs.length}`]);
    const c = wan.metrics.snapshot().counters;
    assert.equal(c['wan.up.route.chm.provisional-ch-alert'], 1);
    assert.equal(c['wan.up.route.both.ch-alert'], 1);
    assert.equal(c['wan.up.route.dsp.device-message'], 1);
    assert.equal(c['wan.up.route.drop.malformed'], 1);
  });
});
