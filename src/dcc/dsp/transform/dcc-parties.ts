/**
 * The DCC's own parties as GBCS originators (SRVs where the DCC replaces
 * credentials it holds: 6.21 the ACB as the network operator of a DCC
 * controlled device, 6.23 the transitional CoS party, 8.5 the ACB): the
 * party's EUI and the Originator Counter it sends with.
 *
 * - The ACB is the context's ACB; the transitional CoS party is the remote
 *   party of the key store whose certificate OU is transitional CoS (5) and
 *   whose DS private key the DSP holds (RTDS: 90B3D51F30000004, signing
 *   CS02bSupplierByTransCoS).
 * - Counter: every DCC party takes the next value of the DSP's one DCC
 *   counter (`nextAcbCounter`): strictly increasing per party, as GBCS
 *   anti-replay needs, and one persisted sequence (RTDS gives each party
 *   its own numbers: 1300.. for the ACB, 6001.. for the transitional CoS).
 */
import type { KeyStore } from '../../../gbcs/index.ts';
import type { Eui } from '../../../runtime/bytes.ts';
import type { TransformContext } from './context.ts';
import { DspContextIncompleteError, DspUnsupportedServiceRequestError } from './errors.ts';
import type { DccParty } from './rule.ts';

/** Certificate OU of the transitional CoS party (GBCS RemotePartyRole 5). */
const TRANSITIONAL_COS_OU = 5;

const transCoSByStore = new WeakMap<KeyStore, Eui | null>();

function transitionalCoS(store: KeyStore): Eui | undefined {
  let e = transCoSByStore.get(store);
  if (e === undefined) {
    e =
      store
        .remoteParties()
        .find((p) => store.role(p) === TRANSITIONAL_COS_OU && store.privateKey(p, 'ds') !== undefined) ??
      null;
    transCoSByStore.set(store, e);
  }
  return e ?? undefined;
}

/** The EUI of DCC party `party` (its keys in the context's key store). */
export function dccPartyEui(party: DccParty, acb: Eui, ctx: TransformContext, srv: string): Eui {
  if (party === 'acb') return acb;
  const e = transitionalCoS(ctx.security.keyStore);
  // a DSP without the transitional CoS party's keys does not offer its SRs (DUIS E11, not a 500)
  if (!e)
    throw new DspUnsupportedServiceRequestError(
      srv,
      `SR ${srv}: this DSP holds no transitional CoS party (certificate OU 5 with a DS private key)`,
    );
  return e;
}

/** The next Originator Counter of a DCC party (the DSP's one DCC counter). */
export function nextDccCounter(ctx: TransformContext, useCase: string): bigint {
  if (!ctx.nextAcbCounter)
    throw new DspContextIncompleteError(
      `${useCase} is originated by the DCC: the context needs nextAcbCounter`,
    );
  const c = ctx.nextAcbCounter();
  if (c < 0n || c > 0xffffffffffffffffn)
    throw new DspContextIncompleteError(`DCC counter ${c} is outside 0..2^64-1`);
  return c;
}
