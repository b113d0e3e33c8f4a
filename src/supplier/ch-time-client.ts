/**
 * The supplier's Set CH Time port (no-wan.ts `ChTimePort`) for a DSP in
 * another process (issue 15): the DSP's signed route
 * (src/dcc/dsp/ch-time-desk.ts), with the supplier's XML-signing key and,
 * on the DCC User Interface, its TLS client certificate (`fetch`).
 */
import type { KeyObject } from 'node:crypto';
import { chTimePath, signChTimeRequest } from '../dcc/dsp/ch-time-desk.ts';
import { type Eui, fromHex, normaliseEui } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';
import { SupplierError } from './errors.ts';
import type { ChTimePort } from './no-wan.ts';

export class HttpChTimePort implements ChTimePort {
  constructor(
    private readonly o: {
      /** the DSP's base URL (or a function: known later) */
      dspUrl: string | (() => string);
      supplierEui: Eui;
      /** the supplier's XML-signing private key */
      privateKey: KeyObject;
      clock: Clock;
      fetch?: typeof fetch;
    },
  ) {}

  async issueSetChTime(r: { chf: Eui; userCounter: bigint }): Promise<Uint8Array> {
    const base = typeof this.o.dspUrl === 'function' ? this.o.dspUrl() : this.o.dspUrl;
    const req = {
      user: normaliseEui(this.o.supplierEui),
      chf: normaliseEui(r.chf),
      userCounter: r.userCounter,
      signedAt: Math.round(this.o.clock.now()),
    };
    const url = new URL(chTimePath(req.user, req.chf), base).href;
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          userCounter: req.userCounter.toString(),
          signedAt: req.signedAt,
          signature: signChTimeRequest(this.o.privateKey, req),
        }),
      });
    } catch (e) {
      throw new SupplierError('SUPPLIER_DSP_UNREACHABLE', `Set CH Time at ${url}: ${String(e)}`);
    }
    const text = await res.text();
    if (!res.ok)
      throw new SupplierError(
        'SUPPLIER_DSP_PROTOCOL',
        `the DSP refused Set CH Time for ${req.chf} (HTTP ${res.status}): ${text.slice(0, 300)}`,
      );
    const body = JSON.parse(text) as { gbcs?: unknown };
    if (typeof body.gbcs !== 'string' || !/^([0-9A-Fa-f]{2})+$/.test(body.gbcs))
      throw new SupplierError('SUPPLIER_DSP_PROTOCOL', 'the DSP answered Set CH Time without GBCS hex');
    return fromHex(body.gbcs);
  }
}
