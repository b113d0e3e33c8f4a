/**
 * GSME mailbox tunnel commands (HAN.md "How GBCS uses the tunnel"): a GSME is
 * asleep most of the time, so the CHF keeps a mailbox and the TransferData
 * bytes start with a one-byte tunnel command:
 *   `01` GET: the GSME asks for the next waiting message (nothing follows);
 *   `02` GET-RESPONSE: the CHF answers with the number of messages still
 *        waiting (u8) and then one GBCS message, or just `02 00` when empty;
 *   `03` PUT: the GSME sends a response or alert (one GBCS message follows).
 * Non-sleepy devices send raw GBCS with no such byte.
 */
import { ZigbeeMalformedError, ZigbeeTruncatedError } from './errors.ts';
import { checkUint, readU8 } from './wire.ts';

export const GSME_MAILBOX_GET = 0x01;
export const GSME_MAILBOX_GET_RESPONSE = 0x02;
export const GSME_MAILBOX_PUT = 0x03;
/** Bytes a GET-RESPONSE (`02`, messages waiting u8) or a PUT (`03`, one byte; counted as two) adds in front of a GBCS message. */
export const GSME_MAILBOX_HEADER = 2;

export type GsmeMailboxCommand =
  | { cmd: 'Get' }
  /** `message` absent: the mailbox was empty (`02 00`). `messagesWaiting` counts those left after this one. */
  | { cmd: 'GetResponse'; messagesWaiting: number; message?: Uint8Array }
  | { cmd: 'Put'; message: Uint8Array };

export function encodeGsmeMailboxCommand(c: GsmeMailboxCommand): Uint8Array {
  switch (c.cmd) {
    case 'Get':
      return Uint8Array.of(GSME_MAILBOX_GET);
    case 'GetResponse': {
      checkUint(c.messagesWaiting, 8, 'messagesWaiting');
      const m = c.message ?? new Uint8Array(0);
      if (c.message && m.length === 0) throw new RangeError('GET-RESPONSE message must not be empty');
      if (!c.message && c.messagesWaiting !== 0)
        throw new RangeError('an empty GET-RESPONSE (no message) must report 0 messages waiting');
      const out = new Uint8Array(2 + m.length);
      out[0] = GSME_MAILBOX_GET_RESPONSE;
      out[1] = c.messagesWaiting;
      out.set(m, 2);
      return out;
    }
    case 'Put': {
      if (c.message.length === 0) throw new RangeError('PUT message must not be empty');
      const out = new Uint8Array(1 + c.message.length);
      out[0] = GSME_MAILBOX_PUT;
      out.set(c.message, 1);
      return out;
    }
  }
}

/** Decodes the mailbox command that occupies `data` from `offset` to the end (the whole TransferData data). */
export function decodeGsmeMailboxCommand(
  data: Uint8Array,
  offset = 0,
): { value: GsmeMailboxCommand; offset: number } {
  const start = offset;
  const id = readU8(data, offset++, 'GSME mailbox command');
  switch (id) {
    case GSME_MAILBOX_GET:
      if (offset !== data.length)
        throw new ZigbeeMalformedError(`GET carries ${data.length - offset} unexpected byte(s)`, offset);
      return { value: { cmd: 'Get' }, offset };
    case GSME_MAILBOX_GET_RESPONSE: {
      const messagesWaiting = readU8(data, offset++, 'GET-RESPONSE messages waiting');
      if (offset === data.length) {
        if (messagesWaiting !== 0)
          throw new ZigbeeTruncatedError(
            `GET-RESPONSE reports ${messagesWaiting} waiting but carries no message`,
            offset,
          );
        return { value: { cmd: 'GetResponse', messagesWaiting }, offset };
      }
      return {
        value: { cmd: 'GetResponse', messagesWaiting, message: data.slice(offset) },
        offset: data.length,
      };
    }
    case GSME_MAILBOX_PUT:
      if (offset === data.length) throw new ZigbeeTruncatedError('PUT carries no message', offset);
      return { value: { cmd: 'Put', message: data.slice(offset) }, offset: data.length };
    default:
      throw new ZigbeeMalformedError(
        `0x${id.toString(16).padStart(2, '0')} is not a GSME mailbox command (01 GET, 02 GET-RESPONSE, 03 PUT)`,
        start,
      );
  }
}
