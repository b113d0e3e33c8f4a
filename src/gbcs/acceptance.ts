/**
 * The checks a device makes before it acts on a Remote Party Command, in one
 * place so every device emulator applies the same rules (STYLE: no
 * copy-paste between devices): GBCS 6 and docs GBCS.md 2-3.
 *
 * 1. It is a Command addressed to this device (Recipient System Title).
 * 2. The MAC verifies (ACB KA key with the device's KA key).
 * 3. A critical command carries the business originator's signature and it
 *    verifies (criticality from the Message Code table unless given).
 * 4. Replay: the Originator Counter is greater than the highest one accepted
 *    from that originator (ReplayGuard).
 * Pure: the guard is plain state the device owns (snapshot/restore for crash tests).
 */

import { LazyMap } from '../runtime/lazy-collections.ts';
import { lookupMessageCode } from './codes/message-codes.ts';
import { decodeMessage } from './decode.ts';
import { GbcsError } from './errors.ts';
import type { SecurityContext } from './security.ts';
import type { Eui, GbcsMessage } from './types.ts';

/** Highest accepted Originator Counter per originator (GBCS.md 3 "Replay protection"). */
export class ReplayGuard {
  private readonly highest: Map<Eui, bigint> = new LazyMap();

  /** True if `counter` is greater than every counter accepted from `originator`. */
  isFresh(originator: Eui, counter: bigint): boolean {
    const h = this.highest.get(originator);
    return h === undefined || counter > h;
  }

  /** Records an accepted counter (never lowers the high-water mark). */
  accept(originator: Eui, counter: bigint): void {
    const h = this.highest.get(originator);
    if (h === undefined || counter > h) this.highest.set(originator, counter);
  }

  highestAccepted(originator: Eui): bigint | undefined {
    return this.highest.get(originator);
  }

  snapshot(): Record<Eui, string> {
    return Object.fromEntries([...this.highest].map(([k, v]) => [k, v.toString()]));
  }

  static restore(s: Record<Eui, string>): ReplayGuard {
    const g = new ReplayGuard();
    for (const [k, v] of Object.entries(s)) g.highest.set(k, BigInt(v));
    return g;
  }
}

export type CommandRejection =
  | 'malformed'
  | 'not-a-command'
  | 'misaddressed'
  | 'mac-absent'
  | 'mac-invalid'
  | 'no-key'
  | 'signature-missing'
  | 'signature-invalid'
  | 'replay';

export type CommandCheck =
  | { accepted: true; message: GbcsMessage; critical: boolean }
  | { accepted: false; reason: CommandRejection; message?: GbcsMessage; error?: GbcsError };

export interface CommandCheckOptions {
  /** this device's EUI */
  device: Eui;
  security: SecurityContext;
  replay: ReplayGuard;
  /** override the Message Code table's criticality */
  critical?: boolean;
  /** record the counter when accepted (default true) */
  record?: boolean;
}

/**
 * Runs the device-side checks on a received Command (bytes or decoded).
 * Nothing is recorded unless every check passes.
 */
export function checkCommand(input: Uint8Array | GbcsMessage, opts: CommandCheckOptions): CommandCheck {
  let message: GbcsMessage;
  try {
    message = input instanceof Uint8Array ? decodeMessage(input) : input;
  } catch (err) {
    return { accepted: false, reason: 'malformed', error: err instanceof GbcsError ? err : undefined };
  }
  if (message.cra !== 'command') return { accepted: false, reason: 'not-a-command', message };
  if (message.recipient !== opts.device.toUpperCase())
    return { accepted: false, reason: 'misaddressed', message };
  const mac = opts.security.verifyMac(message);
  if (mac !== 'valid')
    return {
      accepted: false,
      reason: mac === 'absent' ? 'mac-absent' : mac === 'no-key' ? 'no-key' : 'mac-invalid',
      message,
    };
  const critical = opts.critical ?? lookupMessageCode(message.messageCode)?.critical ?? false;
  if (message.signature !== null || critical) {
    const sig = opts.security.verifySignature(message);
    if (sig === 'absent') return { accepted: false, reason: 'signature-missing', message };
    if (sig === 'no-key') return { accepted: false, reason: 'no-key', message };
    if (sig !== 'valid') return { accepted: false, reason: 'signature-invalid', message };
  }
  if (!opts.replay.isFresh(message.originator, message.originatorCounter))
    return { accepted: false, reason: 'replay', message };
  if (opts.record ?? true) opts.replay.accept(message.originator, message.originatorCounter);
  return { accepted: true, message, critical };
}
