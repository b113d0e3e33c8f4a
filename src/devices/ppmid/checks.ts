/**
 * The enhanced PPMID's checks on a delivery envelope before it forwards the
 * command inside (SECMP0038 PP-2; assessment section 4: "no message checking
 * is in place for the PPMID"). A pure policy, like the CHF's router: bytes and
 * the PPMID's provisioning in, a verdict with a typed reason out. The state
 * that needs memory or a clock (duplicates, the outbox) is the Ppmid's.
 *
 * Two stages, in this order (the first failing check gives the reason):
 *
 * 1. The envelope (`openEnvelope`, `checkValidity`):
 *    `envelope-malformed` / `unsupported-version` (codec), `wrong-ppmid`
 *    (addressed to another PPMID), `unknown-supplier` (no delivery key
 *    provisioned for the supplier id), `unknown-key` (the key id names none of
 *    that supplier's keys), `bad-signature`, `bad-validity` (expires before it
 *    was created, lives longer than allowed, or created in the future beyond
 *    the clock skew), `expired`.
 * 2. The GBCS message inside (`checkCommand`): `malformed` (not one whole
 *    Remote Party Message, a GBT block, or a payload that does not decode as
 *    its Message Code says), `not-a-command` (CRA != 1), `no-acb-mac` (a DCC
 *    command always carries the ACB MAC, DSP-2: a General Signing APDU alone
 *    is not a Command for Local Delivery), `unknown-use-case` (a Message Code
 *    the PPMID cannot classify is not forwarded: it could not be checked for
 *    firmware), `oversize` (over one tunnel transfer, HAN.md), `firmware`
 *    (firmware.ts), the target checks (`target-is-chf`, `-gpf`, `-hht`,
 *    `-ppmid`, `-remote-party`, `target-not-in-home`, mirroring what the CH
 *    discards under CH-1/CH-2), `originator-mismatch` (the command's business
 *    originator is not the supplier that signed the envelope) and
 *    `request-id-mismatch` (the DUIS RequestID does not name this command).
 */
import {
  type DeliveryEnvelope,
  DeliveryError,
  decodeEnvelope,
  type IdentifiedKey,
  type PpmidReason,
  verifyEnvelopeSignature,
} from '../../delivery/index.ts';
import { lookupMessageCode, type MessageCodeInfo } from '../../gbcs/codes/message-codes.ts';
import { NO_WAN_CHF_RELAY_CODES } from '../../gbcs/codes/provisional.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { GbcsError } from '../../gbcs/errors.ts';
import { decodePayload } from '../../gbcs/payload/index.ts';
import type { GbcsMessage } from '../../gbcs/types.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { DeviceType } from '../contracts.ts';
import { firmwareRefusal } from './firmware.ts';

/** What the PPMID was provisioned with, as far as the checks need it. */
export interface RelayPolicy {
  /** this PPMID's EUI */
  ppmid: Eui;
  /** the home's devices by Entity ID (as provisioned; the CHF Device Log's view, CHF and GPF included) */
  homeDevices: ReadonlyMap<Eui, DeviceType>;
  /** remote parties the PPMID knows (its trust anchors, its suppliers): a target among them is `target-is-remote-party` */
  remoteParties: ReadonlySet<Eui>;
  /** per supplier id, its delivery public keys with their key ids (more than one during a rotation) */
  supplierKeys: ReadonlyMap<Eui, readonly IdentifiedKey[]>;
  /** largest GBCS message forwarded (one tunnel transfer; HAN.md: 1500) */
  maxTransferSize: number;
  /** longest validity window an envelope may ask for (expires-at minus created-at) */
  maxLifetimeMs: number;
  /** how far in the future created-at may be (the supplier's and the PPMID's clocks differ) */
  maxClockSkewMs: number;
}

/** Device types a relayed command may target: the home's meters and other devices, never the CH or a PPMID. */
export const RELAY_TARGET_TYPES: ReadonlySet<DeviceType> = new Set(['ESME', 'GSME', 'HCALCS', 'Type2']);

export type EnvelopeCheck =
  | { ok: true; envelope: DeliveryEnvelope }
  | { ok: false; reason: PpmidReason; detail: string; envelope: DeliveryEnvelope | null };

export type CommandCheck =
  | {
      ok: true;
      command: GbcsMessage;
      info: MessageCodeInfo;
      targetType: DeviceType;
    }
  | {
      ok: false;
      reason: PpmidReason;
      detail: string;
      command: GbcsMessage | null;
      info: MessageCodeInfo | null;
    };

/** Stage 1a: decode, addressee, supplier, key and signature. */
export function openEnvelope(bytes: Uint8Array, policy: RelayPolicy): EnvelopeCheck {
  let env: DeliveryEnvelope;
  try {
    env = decodeEnvelope(bytes);
  } catch (err) {
    const e = err instanceof DeliveryError ? err : undefined;
    const reason: PpmidReason =
      e?.code === 'DELIVERY_UNSUPPORTED_VERSION' ? 'unsupported-version' : 'envelope-malformed';
    return { ok: false, reason, detail: e ? `${e.code}: ${e.message}` : String(err), envelope: null };
  }
  const no = (reason: PpmidReason, detail: string): EnvelopeCheck => ({
    ok: false,
    reason,
    detail,
    envelope: env,
  });
  if (env.ppmid !== policy.ppmid)
    return no('wrong-ppmid', `envelope is for PPMID ${env.ppmid}, this is ${policy.ppmid}`);
  const keys = policy.supplierKeys.get(env.supplierId);
  if (!keys || keys.length === 0)
    return no('unknown-supplier', `no delivery key provisioned for supplier ${env.supplierId}`);
  const sig = verifyEnvelopeSignature(env, keys);
  if (sig === 'unknown-key')
    return no('unknown-key', `key id ${env.keyId} is none of supplier ${env.supplierId}'s delivery keys`);
  if (sig === 'invalid')
    return no('bad-signature', `signature does not verify with delivery key ${env.keyId}`);
  return { ok: true, envelope: env };
}

/** Stage 1b: the validity window against the PPMID's clock. */
export function checkValidity(
  env: DeliveryEnvelope,
  policy: RelayPolicy,
  now: number,
): { ok: true } | { ok: false; reason: PpmidReason; detail: string } {
  if (env.expiresAt <= env.createdAt)
    return { ok: false, reason: 'bad-validity', detail: 'expires-at is not after created-at' };
  if (env.expiresAt - env.createdAt > policy.maxLifetimeMs)
    return {
      ok: false,
      reason: 'bad-validity',
      detail: `validity ${env.expiresAt - env.createdAt} ms exceeds the ${policy.maxLifetimeMs} ms allowed`,
    };
  if (env.createdAt > now + policy.maxClockSkewMs)
    return {
      ok: false,
      reason: 'bad-validity',
      detail: `created ${env.createdAt - now} ms in the future (skew allowed ${policy.maxClockSkewMs} ms)`,
    };
  if (env.expiresAt <= now)
    return { ok: false, reason: 'expired', detail: `expired at ${new Date(env.expiresAt).toISOString()}` };
  return { ok: true };
}

/** Stage 2: the GBCS message inside an authentic envelope. */
export function checkCommand(env: DeliveryEnvelope, policy: RelayPolicy): CommandCheck {
  let m: GbcsMessage;
  try {
    m = decodeMessage(env.gbcs);
  } catch (err) {
    const detail =
      err instanceof GbcsError
        ? err.code === 'GBCS_UNSUPPORTED'
          ? `${err.code}: ${err.message} (the PPMID forwards whole Remote Party Messages only, no GBT blocks)`
          : `${err.code}: ${err.message}`
        : String(err);
    return { ok: false, reason: 'malformed', detail, command: null, info: null };
  }
  const info = lookupMessageCode(m.messageCode) ?? null;
  const no = (reason: PpmidReason, detail: string): CommandCheck => ({
    ok: false,
    reason,
    detail,
    command: m,
    info,
  });
  if (m.cra !== 'command') return no('not-a-command', `CRA flag ${m.craFlag} (${m.cra})`);
  if (m.mac === null) return no('no-acb-mac', 'General Signing APDU without the ACB MAC (not a DCC Command)');
  if (info?.kind !== 'command')
    return no('unknown-use-case', `Message Code 0x${hex4(m.messageCode)} is not a known command use case`);
  const payload = decodePayload(m.content, m.messageCode);
  if (payload.error)
    return no('malformed', `payload of ${info.useCase}: ${payload.error.code}: ${payload.error.message}`);
  if (env.gbcs.length > policy.maxTransferSize)
    return no('oversize', `${env.gbcs.length} bytes > tunnel transfer size ${policy.maxTransferSize}`);
  const fw = firmwareRefusal(info, payload);
  if (fw) return no('firmware', fw);

  const recipient = m.recipient;
  const type = policy.homeDevices.get(recipient);
  if (recipient === policy.ppmid || type === 'PPMID')
    return no('target-is-ppmid', `target ${recipient} is a PPMID (no PPMID relays to a PPMID)`);
  // PROVISIONAL (SECMP0038 3.1.1, C8): the no-WAN commissioning commands to the CHF pass; the CH
  // takes them only while it has no WAN (devices/chf/routing.ts) and verifies them.
  const noWanChf = type === 'CHF' && NO_WAN_CHF_RELAY_CODES.has(m.messageCode);
  if (type === 'CHF' && !noWanChf) return no('target-is-chf', `target ${recipient} is the CHF (CH-2)`);
  if (type === 'GPF') return no('target-is-gpf', `target ${recipient} is the GPF (CH-2)`);
  if (type === 'HHT') return no('target-is-hht', `target ${recipient} is an HHT (CH-2)`);
  if (type === undefined) {
    if (policy.remoteParties.has(recipient))
      return no('target-is-remote-party', `target ${recipient} is a remote party (CH-2)`);
    return no('target-not-in-home', `target ${recipient} is not a device of this home`);
  }
  if (!noWanChf && !RELAY_TARGET_TYPES.has(type))
    return no('target-not-in-home', `target ${recipient} is a ${type}`);

  const business = m.otherInfo.supplementaryRemotePartyId ?? m.originator;
  if (business !== env.supplierId)
    return no(
      'originator-mismatch',
      `command's business originator ${business} is not supplier ${env.supplierId}`,
    );
  const counter = m.otherInfo.supplementaryRemotePartyCounter ?? m.originatorCounter;
  const r = env.requestId;
  if (r.originator !== env.supplierId || r.target !== recipient || r.counter !== counter)
    return no(
      'request-id-mismatch',
      `RequestID ${r.originator}:${r.target}:${r.counter} does not name the command ${business}:${recipient}:${counter}`,
    );
  return { ok: true, command: m, info, targetType: type };
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
