/**
 * Helpers for tests of devices (used by the meters' tests and available to the
 * CHF / home tests): a recording HAN uplink, and a command builder that signs and MACs new or
 * altered commands with the fixture remote parties' keys.
 */

import type { KeyObject } from 'node:crypto';
import {
  type Eui,
  encodeApdu,
  type GbcsMessage,
  type OtherInformation,
  type SecurityContext,
  signApdu,
} from '../../gbcs/index.ts';
import type { HanSendResult, HanUplink, SleepyHanUplink } from '../contracts.ts';

/** A HAN uplink that records what the device sends (and completes every send at once). */
export class RecordingUplink implements SleepyHanUplink {
  readonly sent: Uint8Array[] = [];
  ready = true;
  polls = 0;
  /** what the next pollMailbox hands the device (a CHF mailbox stand-in) */
  mailbox: Uint8Array[] = [];
  private device: { onRemotePartyMessage(b: Uint8Array): void } | null = null;

  constructor(private readonly now: () => number = () => 0) {}

  bind(device: { onRemotePartyMessage(b: Uint8Array): void }): this {
    this.device = device;
    return this;
  }

  send(bytes: Uint8Array, done?: (r: HanSendResult) => void): void {
    this.sent.push(bytes);
    done?.({ ok: true, at: this.now() });
  }
  isReady(): boolean {
    return this.ready;
  }
  dutyCycleState(): 'Normal' {
    return 'Normal';
  }
  pollMailbox(done?: (fetched: number) => void): void {
    this.polls++;
    const batch = this.mailbox.splice(0);
    for (const b of batch) this.device?.onRemotePartyMessage(b);
    done?.(batch.length);
  }
  take(): Uint8Array[] {
    return this.sent.splice(0);
  }
}

export type { HanUplink };

/**
 * Re-builds a command from a decoded one with changes, signs it (when
 * `signWith` is given) and MACs it with the ACB key (or between `macPair`
 * device keys), using the keys in `ctx`'s store.
 */
export function rebuildCommand(
  ctx: SecurityContext,
  base: GbcsMessage,
  changes: {
    originator?: Eui;
    recipient?: Eui;
    counter?: bigint;
    content?: Uint8Array;
    otherInfo?: Partial<OtherInformation> & { messageCode: number };
    /** undefined: keep the base's signature policy (re-sign if it was signed); null: no signature */
    signWith?: KeyObject | null;
    /** false: return the DF APDU without the MAC */
    mac?: boolean;
  } = {},
): Uint8Array {
  const apdu = encodeApdu({
    cra: 'command',
    originatorCounter: changes.counter ?? base.originatorCounter,
    originator: changes.originator ?? base.originator,
    recipient: changes.recipient ?? base.recipient,
    dateTime: base.dateTime?.raw ?? null,
    otherInfo: changes.otherInfo ?? base.otherInfo,
    content: changes.content ?? base.content,
    signature: null,
  });
  let signed = apdu;
  const signer =
    changes.signWith === null
      ? null
      : (changes.signWith ??
        (base.signature !== null
          ? ctx.keyStore.privateKey(changes.originator ?? base.originator, 'ds')
          : null));
  if (signer) signed = signWithKey(apdu, signer);
  if (changes.mac === false) return signed;
  return ctx.wrap(signed);
}

function signWithKey(apdu: Uint8Array, key: KeyObject): Uint8Array {
  return signApdu(apdu, key);
}

export {
  type GeneratedWorld,
  generatedWorld,
  type RtdsProfile,
  rtdsEsmeProfile,
} from '../security/profiles.ts';
