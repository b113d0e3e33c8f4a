import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DUIS_DIR, RTDS_KEYSTORE } from '../../test/support/fixtures.ts';
import { openTestStore } from '../adapters/store/testing.ts';
import { XmlSigningCertificateStore, xmlSigner } from '../duis/index.ts';
import { loadKeyStoreDir, SecurityContext } from '../gbcs/index.ts';
import { VirtualClock } from '../runtime/clock.ts';
import { wholeMillisecondClock } from './clock.ts';
import { DuisClient } from './duis-client.ts';
import { SupplierService } from './service.ts';

const KEYS = join(DUIS_DIR, 'xml-sign-keys');
const SUPPLIER = '90B3D51F30010000';

describe('supplier clock: whole milliseconds', () => {
  it('wholeMillisecondClock floors a fractional virtual time; timers are the clock own', () => {
    const vc = new VirtualClock(1000);
    const c = wholeMillisecondClock(vc);
    const fired: number[] = [];
    c.setTimer(2.75, () => fired.push(vc.now()));
    vc.advance(2.75);
    assert.equal(vc.now(), 1002.75);
    assert.equal(c.now(), 1002);
    assert.deepEqual(fired, [1002.75]);
  });

  it('the service stamps records and hops in whole milliseconds under a fractional VirtualClock', async () => {
    const vc = new VirtualClock(Date.UTC(2026, 4, 1) + 0.625);
    const store = await openTestStore('sqlite');
    const service = await SupplierService.start({
      supplierEui: SUPPLIER,
      clock: vc,
      store,
      duis: new DuisClient({
        supplierEui: SUPPLIER,
        signer: xmlSigner(
          new Uint8Array(readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.key'))),
          readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
        ),
        dspTrust: new XmlSigningCertificateStore([
          readFileSync(join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'), 'utf8'),
        ]),
        transport: {
          post: async () => {
            throw new Error('no DSP in this test');
          },
        },
        clock: vc,
      }),
      security: new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE) }),
    });
    try {
      await service.putPremises({
        id: 'P1',
        chf: '00DB1234567890A2',
        devices: [{ eui: '00DB1234567890A0', type: 'ESME' }],
      });
      const c = await service.submit({
        premisesId: 'P1',
        order: { kind: 'top-up', value: 100, valueClass: 'pennies' },
        route: 'wan',
      });
      vc.advance(0.5);
      const r = await service.command(c.id);
      assert.ok(r);
      assert.ok(Number.isInteger(r.command.updatedAt), `updatedAt ${r.command.updatedAt}`);
      assert.ok(r.timeline.length > 0);
      for (const h of r.timeline) assert.ok(Number.isInteger(h.at), `hop ${h.kind} at ${h.at}`);
    } finally {
      await service.close({ graceful: false });
      await store.close();
    }
  });
});
