/**
 * Builds a supplier service for integration tests: the fixture supplier
 * (90B3D51F30010000) with its XML-signing key, its GBCS keys from the RTDS
 * keystore (DS for Pre-Commands, prepayment KA for UTRNs), a store, an
 * optional internet link, its HTTP side on an ephemeral loopback port, and
 * the DSP test double's URL.
 */
import type { InternetLink } from '../../src/adapters/mqtt/index.ts';
import type { TestPki } from '../../src/adapters/pki/index.ts';
import type { Store } from '../../src/adapters/store/index.ts';
import type { SigningKeyPair } from '../../src/delivery/index.ts';
import { SecurityContext } from '../../src/gbcs/index.ts';
import type { Clock } from '../../src/runtime/clock.ts';
import {
  DuisClient,
  HttpDuisTransport,
  type SupplierConfigInput,
  type SupplierHttp,
  SupplierService,
  startSupplierHttp,
} from '../../src/supplier/index.ts';
import type { DspTestDouble } from './dsp-test-double.ts';
import { fixtureDspTrust, fixtureSupplierSigner, SUPPLIER_EUI } from './dsp-test-double.ts';
import { rtdsKeyStore } from './dsp-transform.ts';

export const ESME = '00DB1234567890A0';
export const GSME = '00DB1234567890A1';
export const CHF = '00DB1234567890A2';
export const PPMID = '00DB1234567890A4';

export interface SupplierUnderTest {
  service: SupplierService;
  http: SupplierHttp;
  /** Stops the service: graceful, or as a crash (nothing flushed, timers dropped). */
  stop(opts?: { graceful?: boolean }): Promise<void>;
}

export async function startSupplierUnderTest(o: {
  store: Store;
  clock: Clock;
  dsp: DspTestDouble;
  internet?: InternetLink;
  pki?: TestPki;
  deliveryKey?: SigningKeyPair;
  config?: SupplierConfigInput;
}): Promise<SupplierUnderTest> {
  const duis = new DuisClient({
    supplierEui: SUPPLIER_EUI,
    signer: fixtureSupplierSigner(),
    dspTrust: fixtureDspTrust(),
    transport: new HttpDuisTransport(o.dsp.url, { timeoutMs: 30_000 }),
    clock: o.clock,
  });
  const service = await SupplierService.start({
    supplierEui: SUPPLIER_EUI,
    clock: o.clock,
    store: o.store,
    duis,
    security: new SecurityContext({ keyStore: rtdsKeyStore() }),
    ...(o.internet ? { internet: o.internet } : {}),
    ...(o.pki ? { pki: o.pki } : {}),
    ...(o.deliveryKey ? { deliveryKey: o.deliveryKey } : {}),
    config: o.config ?? {},
  });
  const http = await startSupplierHttp(service, { port: 0 });
  o.dsp.receiveUrl = http.receiveUrl;
  return {
    service,
    http,
    async stop(opts = {}) {
      await service.close(opts);
      await http.close();
    },
  };
}

export const ESME2 = '00DB1234567890A6';

/** The RTDS estate as one premises: ESME A0, GSME A1, CHF A2, second ESME A6. */
export async function addRtdsPremises(s: SupplierService, id = 'P1'): Promise<void> {
  await s.putPremises({
    id,
    chf: CHF,
    devices: [
      { eui: ESME, type: 'ESME' },
      { eui: GSME, type: 'GSME' },
      { eui: ESME2, type: 'ESME' },
    ],
  });
}
