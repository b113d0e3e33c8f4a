/**
 * PROVISIONAL Set CH Time (SECMP0038 3.1.1, decision "time without WAN"):
 * the DSP issues, for local delivery through the user's PPMID, the command
 * that gives a Communications Hub without WAN its time.
 *
 * Who may give a CH its time. GBCS gives the CHF its UTC only from the SM
 * WAN, a DCC service (the DCC's CSP runs it): there is no Remote Party
 * Command that sets the CHF clock, and no user (supplier, network operator)
 * is trusted by the CHF for time. The command is therefore the DCC's own:
 * originated by the ACB on the requesting user's behalf (Supplementary
 * Remote Party ID = the user, as every ACB-originated command, e.g. CCS01 of
 * DUIS 8.11), signed with the ACB's DS key (critical: it sets the reference
 * every meter of the home takes its time from) and MAC'd by the ACB like
 * every command (DSP-2). The CHF accepts it only from the ACB role (4). The
 * preset is the DCC's clock at issue; the validity interval is short
 * (`validityMs`, default 10 min), and the CH refuses one longer than its own
 * maximum (devices/chf/ch-time.ts).
 *
 * Issued only to a user with the no-WAN commissioning policy (decision C8:
 * the same per-user policy that allows 8.1.1 locally), with a supplier role
 * and a meter on that CH (the "user's premises" rule of relay-registration.ts).
 * DUIS has no SR for it (an SR outside the DUIS XSD could not be validated),
 * so it is a method of the DSP, not a DUIS request; there is no HTTP route
 * for it yet (a DSP in another process cannot issue it).
 */
import { encodeChTimeCommand, PROVISIONAL_MESSAGE_CODE } from '../../gbcs/codes/provisional.ts';
import { gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import type { SecurityContext } from '../../gbcs/security.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { DspServiceError } from './errors.ts';
import type { DspService } from './service.ts';
import { roleMayAddressDevice } from './users.ts';

export const DEFAULT_CH_TIME_VALIDITY_MS = 10 * 60_000;

/** The Set CH Time command: ACB-originated for `user`, ACB-signed and ACB-MAC'd. Pure apart from the crypto. */
export function buildSetChTimeCommand(
  security: SecurityContext,
  o: {
    chf: Eui;
    user: Eui;
    userCounter: bigint;
    acbCounter: bigint;
    now: number;
    validityMs?: number;
  },
): { gbcs: Uint8Array; preset: number; validTo: number } {
  const preset = Math.floor(o.now / 1000) * 1000;
  const validTo = preset + (o.validityMs ?? DEFAULT_CH_TIME_VALIDITY_MS);
  const gbcs = security.seal(
    {
      cra: 'command',
      originatorCounter: o.acbCounter,
      originator: security.acb,
      recipient: normaliseEui(o.chf),
      otherInfo: {
        messageCode: PROVISIONAL_MESSAGE_CODE.SET_CH_TIME,
        supplementaryRemotePartyId: normaliseEui(o.user),
        supplementaryRemotePartyCounter: o.userCounter,
      },
      content: encodeChTimeCommand({
        preset,
        validFrom: preset,
        validTo,
        invoke: gbcsInvokeId(o.acbCounter),
      }),
    },
    { sign: true },
  );
  return { gbcs, preset, validTo };
}

export interface ChTimeIssue {
  gbcs: Uint8Array;
  acbCounter: bigint;
  preset: number;
  validTo: number;
}

/** The DSP side: checks the user and the CH, then issues the command for local delivery. */
export function issueSetChTime(
  dsp: DspService,
  r: { user: string; chf: string; userCounter: bigint; validityMs?: number },
): ChTimeIssue {
  const user = normaliseEui(r.user);
  const chf = normaliseEui(r.chf);
  const u = dsp.user(user);
  const refuse = (code: ConstructorParameters<typeof DspServiceError>[0], status: number, msg: string) =>
    new DspServiceError(code, msg, { httpStatus: status });
  if (!u) throw refuse('DSP_UNKNOWN_USER', 401, `${user} is not a DCC user of this DSP`);
  if (u.status !== 'active') throw refuse('DSP_USER_STATUS', 403, `user ${user} is ${u.status}`);
  if (!u.policies.noWanCommissioning)
    throw refuse(
      'DSP_LOCAL_DELIVERY_REFUSED',
      403,
      'Set CH Time is issued only under the no-WAN commissioning policy (SECMP0038 3.1.1, C8)',
    );
  if (dsp.inventory.get(chf)?.deviceType !== 'CHF')
    throw refuse('DSP_UNKNOWN_TARGET', 404, `${chf} is not a CHF in the inventory`);
  const meters = dsp.inventory
    .all()
    .filter((d) => d.chf === chf && (d.deviceType === 'ESME' || d.deviceType === 'GSME'));
  if (!meters.some((m) => roleMayAddressDevice(u.roles, m.deviceType)))
    throw refuse(
      'DSP_ROLE_NOT_AUTHORISED_FOR_DEVICE',
      403,
      `${chf} is not in a premises of ${user} (no meter its roles may address on it)`,
    );
  const acbCounter = dsp.nextAcbCounter();
  const built = buildSetChTimeCommand(dsp.security, {
    chf,
    user,
    userCounter: r.userCounter,
    acbCounter,
    now: dsp.clock.now(),
    validityMs: r.validityMs,
  });
  dsp.metrics.inc('chTime.issued');
  return { ...built, acbCounter };
}
