/**
 * The ESME's security-credential use cases (DUIS 6.15 / 6.17 / 6.21 / 6.23 /
 * 6.24 / 8.5): the shared handlers (meter-common/credential-handlers.ts) on
 * the ESME's Trust Anchor cells, its `state.credentials` and its
 * future-dated work: CS02a / CS02f, CS02b / CS02g (now, at the execution
 * date-time with 8F66 / 8F67, or cancelled), CS02c / CS02d / CS02e.
 */
import {
  type CredentialHost,
  type CredentialUpdateRun,
  runCredentialUpdate as runShared,
} from '../../meter-common/credential-handlers.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import type { EsmeServices } from '../services.ts';

/** The ESME as the shared credential handlers see it. */
export function esmeCredentialHost(esme: EsmeServices): CredentialHost {
  return {
    credentials: { deviceType: 'ESME', security: esme.security, credentialState: esme.state.credentials },
    now: () => esme.now(),
    futureDated: {
      schedule: (e) => esme.scheduleFutureDated(e),
      cancel: (k) => esme.cancelFutureDated(k),
    },
  };
}

/** A pending CS02b / CS02g runs: 8F66 when every certificate was replaced, else 8F67, with the outcome. */
export function runCredentialUpdate(entry: FutureDatedEntry, esme: EsmeServices): CredentialUpdateRun {
  return runShared(entry, esmeCredentialHost(esme));
}
