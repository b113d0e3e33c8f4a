/**
 * PROVISIONAL Set CH Time over HTTP (issue 15): a user of another process
 * asks the DSP for the command that gives a CH without WAN its time
 * (ch-time.ts), to deliver it through its PPMID.
 *
 *   POST /api/v1/dsp/users/{userEui}/ch-time/{chfEui}
 *   {"userCounter": "decimal", "signedAt": epoch ms, "signature": base64}
 *   → 200 {"gbcs": hex, "acbCounter": "decimal", "preset": ms, "validTo": ms}
 *
 * DUIS has no Service Request for it, so it is authenticated as the relay
 * registration is (relay-registration.ts): an ECDSA P-256 / SHA-256
 * signature with the user's XML-signing key over `chTimeRequestText`, and on
 * the DCC User Interface the TLS client certificate of that user. Refused:
 * 400 malformed; 401 unknown user or a signature no certificate of it
 * verifies; 403 outside ±5 min of the DSP clock, a counter not above the last
 * one issued for that user (replay), and every refusal of `issueSetChTime`
 * (no no-WAN policy, not the user's CH); 404 not a CHF.
 *
 * DSP-4: each issue is logged as a local delivery (srv `SECMP0038-CHT`, CV 2)
 * so the CSP sees it with the other commands handed out for local delivery;
 * it is not charged (the DCC's own command).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { formatRequestId } from '../../duis/request-id.ts';
import { type Eui, normaliseEui, toHex } from '../../runtime/bytes.ts';
import { type ChTimeIssue, issueSetChTime } from './ch-time.ts';
import type { DspService } from './service.ts';
import {
  checkSignedAt,
  deskRequestText,
  deskEui as eui,
  refuse,
  signDeskText,
  signedFields,
  verifiedUser,
} from './signed-desk.ts';

/** The srv under which Set CH Time is logged (DSP-4) and tracked by the supplier. */
export const CH_TIME_LOG_SRV = 'SECMP0038-CHT';
/** How far `signedAt` may be from the DSP clock (ms). */
export const CH_TIME_REQUEST_WINDOW_MS = 5 * 60_000;

export interface ChTimeRequest {
  user: Eui;
  chf: Eui;
  userCounter: bigint;
  signedAt: number;
}

export const chTimePath = (user: string, chf: string): string =>
  `/api/v1/dsp/users/${normaliseEui(user)}/ch-time/${normaliseEui(chf)}`;

/** The text the user signs: method, path and every field, one a line. */
export function chTimeRequestText(r: ChTimeRequest): string {
  return deskRequestText('POST', chTimePath(r.user, r.chf), [
    ['userCounter', r.userCounter],
    ['signedAt', r.signedAt],
  ]);
}

export function signChTimeRequest(privateKey: KeyObject, r: ChTimeRequest): string {
  return signDeskText(privateKey, chTimeRequestText(r));
}

/** Issues Set CH Time for `user` and writes its DSP-4 entry (the caller flushes). */
export function issueAndLogSetChTime(
  dsp: DspService,
  r: { user: string; chf: string; userCounter: bigint; validityMs?: number },
): ChTimeIssue {
  const issued = issueSetChTime(dsp, r);
  const user = normaliseEui(r.user);
  const chf = normaliseEui(r.chf);
  dsp.journal.insert('dsp_local_delivery_log', {
    at: dsp.clock.now(),
    request_id: formatRequestId({ originator: user, target: chf, counter: r.userCounter }),
    user_eui: user,
    target: chf,
    chf,
    csp: dsp.inventory.get(chf)?.csp ?? '',
    srv: CH_TIME_LOG_SRV,
    cv: 2,
    gbcs_sha256: createHash('sha256').update(issued.gbcs).digest('hex').toUpperCase(),
  });
  return issued;
}

/** The DSP's side of the route: checks (see the header), then issues and logs. */
export class ChTimeDesk {
  readonly #lastCounter = new Map<Eui, bigint>();

  constructor(private readonly dsp: DspService) {}

  issue(
    userParam: string,
    chfParam: string,
    body: unknown,
  ): { gbcs: string; acbCounter: string; preset: number; validTo: number } {
    const user = eui(userParam, 'user');
    const chf = eui(chfParam, 'chf');
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.userCounter !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(b.userCounter))
      throw refuse(400, 'DSP_CONFIG', 'userCounter must be a decimal string');
    const { signedAt, signature } = signedFields(b);
    const r: ChTimeRequest = { user, chf, userCounter: BigInt(b.userCounter), signedAt };
    verifiedUser(this.dsp, user, chTimeRequestText(r), signature);
    checkSignedAt(this.dsp.clock.now(), r.signedAt, CH_TIME_REQUEST_WINDOW_MS);
    const last = this.#lastCounter.get(user);
    if (last !== undefined && r.userCounter <= last)
      throw refuse(403, 'DSP_COUNTER_REPLAY', `counter ${r.userCounter} is not above ${last}`);
    const issued = issueAndLogSetChTime(this.dsp, { user, chf, userCounter: r.userCounter });
    this.#lastCounter.set(user, r.userCounter);
    return {
      gbcs: toHex(issued.gbcs),
      acbCounter: issued.acbCounter.toString(),
      preset: issued.preset,
      validTo: issued.validTo,
    };
  }
}
