/**
 * SECMP0038 C3 / SU-3 over HTTP: a supplier registers an enhanced PPMID's
 * relay flag with the DSP before it sends the DUIS 8.11 Add, so the DSP can
 * put the flag in the CCS01 Device Log entry (PROVISIONAL fifth element).
 *
 *   PUT /api/v1/dsp/users/{userEui}/ppmid-relay/{ppmidEui}
 *   {"chf": EUI, "enabled": bool, "signedAt": epoch ms, "signature": base64}
 *
 * DUIS has no Service Request for this (SECMP0038 leaves the channel open), so
 * it is authenticated the way DUIS requests are, with the user's XML-signing
 * key (the key behind the certificates registered with the DSP): an ECDSA
 * P-256 / SHA-256 signature (DER, base64) over the canonical text of
 * `registrationText`. The DSP refuses (PROVISIONAL rules):
 *   400 a malformed body or EUI;
 *   401 an unknown user, or a signature no certificate of that user verifies;
 *   403 a suspended user; a signature older or newer than 5 minutes on the
 *       DSP clock, or not newer than the last one accepted for that PPMID
 *       (replay); a PPMID whose CH is not `chf`; a PPMID outside the user's
 *       premises: registration data is not modelled, so a user's premises
 *       are the CHs with a meter its role may address (an import/export
 *       supplier's ESME, a gas supplier's GSME; users.ts roleMayAddressDevice);
 *   404 a PPMID that is not in the inventory.
 */
import type { KeyObject } from 'node:crypto';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
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
import { roleMayAddressDevice } from './users.ts';

/** How far a registration's `signedAt` may be from the DSP clock (ms). */
export const RELAY_REGISTRATION_WINDOW_MS = 5 * 60_000;

export interface RelayRegistration {
  user: Eui;
  ppmid: Eui;
  chf: Eui;
  enabled: boolean;
  signedAt: number;
}

/** The path of the route for `user` and `ppmid`. */
export const relayRegistrationPath = (user: string, ppmid: string): string =>
  `/api/v1/dsp/users/${normaliseEui(user)}/ppmid-relay/${normaliseEui(ppmid)}`;

/** The text the user signs: method, path and every field, one a line. */
export function registrationText(r: RelayRegistration): string {
  return deskRequestText('PUT', relayRegistrationPath(r.user, r.ppmid), [
    ['chf', r.chf],
    ['enabled', r.enabled],
    ['signedAt', r.signedAt],
  ]);
}

/** Signs a registration with the user's XML-signing private key (ECDSA P-256, SHA-256, DER). */
export function signRelayRegistration(privateKey: KeyObject, r: RelayRegistration): string {
  return signDeskText(privateKey, registrationText(r));
}

/**
 * The DSP's side: checks a registration (see the header for the refusals)
 * and, if accepted, sets the flag (DspService.setRelayEnabled, persisted).
 */
export class RelayRegistrationDesk {
  /** The newest `signedAt` accepted per PPMID (replay guard within the window). */
  readonly #lastSignedAt = new Map<Eui, number>();

  constructor(
    private readonly dsp: DspService,
    private readonly clock: Clock,
  ) {}

  register(userParam: string, ppmidParam: string, body: unknown): { ppmid: Eui; enabled: boolean } {
    const user = eui(userParam, 'user');
    const ppmid = eui(ppmidParam, 'PPMID');
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.enabled !== 'boolean') throw refuse(400, 'DSP_CONFIG', 'enabled must be true or false');
    const { signedAt, signature } = signedFields(b);
    const r: RelayRegistration = { user, ppmid, chf: eui(b.chf, 'chf'), enabled: b.enabled, signedAt };
    const u = verifiedUser(this.dsp, user, registrationText(r), signature);
    if (u.status !== 'active') throw refuse(403, 'DSP_USER_STATUS', `user ${user} is ${u.status}`);
    checkSignedAt(this.clock.now(), r.signedAt, RELAY_REGISTRATION_WINDOW_MS);
    const last = this.#lastSignedAt.get(ppmid);
    if (last !== undefined && r.signedAt <= last)
      throw refuse(
        403,
        'DSP_COUNTER_REPLAY',
        `a registration for ${ppmid} signed at ${last} was already accepted`,
      );

    if (!u.roles.some((role) => role === 'IS' || role === 'ES' || role === 'GS'))
      throw refuse(
        403,
        'DSP_ROLE_NOT_ELIGIBLE',
        `${user} has no supplier role: relay flags are a supplier's (SU-3)`,
      );
    const device = this.dsp.inventory.get(ppmid);
    if (device?.deviceType !== 'PPMID')
      throw refuse(404, 'DSP_UNKNOWN_TARGET', `${ppmid} is not a PPMID in the inventory`);
    if (device.chf !== r.chf)
      throw refuse(403, 'DSP_ROLE_NOT_AUTHORISED_FOR_DEVICE', `${ppmid} is not on the CH ${r.chf}`);
    const meters = this.dsp.inventory
      .all()
      .filter((d) => d.chf === device.chf && (d.deviceType === 'ESME' || d.deviceType === 'GSME'));
    if (!meters.some((m) => roleMayAddressDevice(u.roles, m.deviceType)))
      throw refuse(
        403,
        'DSP_ROLE_NOT_AUTHORISED_FOR_DEVICE',
        `${ppmid} is not in a premises of ${user} (no meter its roles ${u.roles.join(',')} may address on CH ${device.chf})`,
      );
    this.#lastSignedAt.set(ppmid, r.signedAt);
    this.dsp.setRelayEnabled(ppmid, r.enabled);
    return { ppmid, enabled: r.enabled };
  }
}
