/**
 * SU-3 / SECMP0038 C3 across processes: the supplier registers a PPMID's
 * relay flag with a DSP of another process before the 8.11 Add, over the
 * DSP's signed JSON route (src/dcc/dsp/relay-registration.ts), with its
 * XML-signing key (the key behind the certificate the DSP knows it by).
 */
import type { KeyObject } from 'node:crypto';
import { relayRegistrationPath, signRelayRegistration } from '../dcc/dsp/relay-registration.ts';
import { type Eui, normaliseEui } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';
import { SupplierError } from './errors.ts';
import type { PpmidRelayRegistrar } from './service.ts';

export class HttpRelayRegistrar implements PpmidRelayRegistrar {
  constructor(
    private readonly o: {
      /** the DSP's base URL, e.g. http://127.0.0.1:8079 (or a function: known later) */
      dspUrl: string | (() => string);
      supplierEui: Eui;
      /** the supplier's XML-signing private key */
      privateKey: KeyObject;
      clock: Clock;
      fetch?: typeof fetch;
    },
  ) {}

  async setRelayFlag(ppmid: Eui, chf: Eui, enabled: boolean): Promise<void> {
    const base = typeof this.o.dspUrl === 'function' ? this.o.dspUrl() : this.o.dspUrl;
    const reg = {
      user: normaliseEui(this.o.supplierEui),
      ppmid: normaliseEui(ppmid),
      chf: normaliseEui(chf),
      enabled,
      // whole milliseconds: the DSP checks an integer (a VirtualClock may be fractional)
      signedAt: Math.round(this.o.clock.now()),
    };
    const body = {
      chf: reg.chf,
      enabled,
      signedAt: reg.signedAt,
      signature: signRelayRegistration(this.o.privateKey, reg),
    };
    const url = new URL(relayRegistrationPath(reg.user, reg.ppmid), base).href;
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new SupplierError('SUPPLIER_DSP_UNREACHABLE', `relay flag registration at ${url}: ${String(e)}`);
    }
    if (!res.ok)
      throw new SupplierError(
        'SUPPLIER_DSP_PROTOCOL',
        `the DSP refused the relay flag of ${reg.ppmid} (HTTP ${res.status}): ${(await res.text()).slice(0, 300)}`,
      );
  }
}
