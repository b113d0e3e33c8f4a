/**
 * Commands the CSP side of the test automation API builds for the CHF, as
 * real GBCS: Block / Unblock Buffer Feed (PROVISIONAL codes, originated by
 * the WAN provider, signed with its DS key) and CCS01 / CCS02 (originated by
 * the ACB on a supplier's behalf), all MAC'd by the ACB for the CHF (GBCS.md
 * 3). Keys come from the profile's world key store (the test PKI's or the
 * RTDS fixture's remote-party private keys).
 */

import { DEVICE_TYPE_CODE, type DeviceType } from '../devices/contracts.ts';
import {
  type BufferFeedAction,
  encodeBufferFeedCommand,
  PROVISIONAL_MESSAGE_CODE,
} from '../gbcs/codes/provisional.ts';
import type { KeyStore } from '../gbcs/keystore.ts';
import { encodeDlmsApdu, gbcsInvokeId, parseObis } from '../gbcs/payload/dlms.ts';
import { SecurityContext } from '../gbcs/security.ts';
import { type Eui, fromHex, normaliseEui } from '../runtime/bytes.ts';

export interface CspIdentities {
  acb: Eui;
  wanProvider: Eui;
  supplier: Eui;
}

/** Block or Unblock Buffer Feed for `chf`, critical: signed by the WAN provider, MAC'd by the ACB. */
export function bufferFeedCommand(
  world: KeyStore,
  who: CspIdentities,
  chf: Eui,
  action: BufferFeedAction,
  counter: bigint,
): Uint8Array {
  const ctx = new SecurityContext({ keyStore: world, acb: who.acb });
  return ctx.seal(
    {
      cra: 'command',
      originatorCounter: counter,
      originator: who.wanProvider,
      recipient: normaliseEui(chf),
      otherInfo: {
        messageCode:
          action === 'block'
            ? PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED
            : PROVISIONAL_MESSAGE_CODE.UNBLOCK_BUFFER_FEED,
      },
      content: encodeBufferFeedCommand(action, gbcsInvokeId(counter)),
    },
    { sign: true },
  );
}

const NETWORK_CONTROL = parseObis('0-0:30.3.0.255');

/**
 * CCS01 Add Device to CHF Device Log, laid out as the RTDS fixture (class 104
 * action 1 + two sets), with the relay flag as a fifth structure element when
 * given ([PROVISIONAL], SECMP0038 C3; see docs/chf.md).
 */
export function ccs01Command(
  world: KeyStore,
  who: CspIdentities,
  chf: Eui,
  entry: {
    eui: Eui;
    deviceType: Exclude<DeviceType, 'HHT'>;
    installCode: Uint8Array;
    relayEnabled?: boolean;
  },
  counter: bigint,
): Uint8Array {
  const items = [
    { type: 'octet-string' as const, value: fromHex(normaliseEui(entry.eui)) },
    { type: 'enum' as const, value: DEVICE_TYPE_CODE[entry.deviceType] },
    { type: 'octet-string' as const, value: entry.installCode },
    { type: 'enum' as const, value: 0 },
    ...(entry.relayEnabled === undefined ? [] : [{ type: 'boolean' as const, value: entry.relayEnabled }]),
  ];
  const content = encodeDlmsApdu({
    apdu: 'access-request',
    invoke: gbcsInvokeId(counter),
    dateTime: new Uint8Array(0),
    requests: [
      { kind: 'action', classId: 104, obis: NETWORK_CONTROL, id: 1 },
      { kind: 'set', classId: 104, obis: NETWORK_CONTROL, id: 3 },
      { kind: 'set', classId: 104, obis: NETWORK_CONTROL, id: 2 },
    ],
    data: [
      { type: 'structure', items },
      { type: 'long-unsigned', value: 90 },
      { type: 'boolean', value: true },
    ],
  });
  const ctx = new SecurityContext({ keyStore: world, acb: who.acb });
  return ctx.seal({
    cra: 'command',
    originatorCounter: counter,
    originator: who.acb,
    recipient: normaliseEui(chf),
    otherInfo: {
      messageCode: 0x0001,
      supplementaryRemotePartyId: who.supplier,
      supplementaryRemotePartyCounter: counter,
    },
    content,
  });
}

/** CCS02 Remove Device from CHF Device Log (class 104 action 2 with the EUI). */
export function ccs02Command(
  world: KeyStore,
  who: CspIdentities,
  chf: Eui,
  eui: Eui,
  counter: bigint,
): Uint8Array {
  const content = encodeDlmsApdu({
    apdu: 'access-request',
    invoke: gbcsInvokeId(counter),
    dateTime: new Uint8Array(0),
    requests: [{ kind: 'action', classId: 104, obis: NETWORK_CONTROL, id: 2 }],
    data: [{ type: 'octet-string', value: fromHex(normaliseEui(eui)) }],
  });
  const ctx = new SecurityContext({ keyStore: world, acb: who.acb });
  return ctx.seal({
    cra: 'command',
    originatorCounter: counter,
    originator: who.acb,
    recipient: normaliseEui(chf),
    otherInfo: {
      messageCode: 0x0002,
      supplementaryRemotePartyId: who.supplier,
      supplementaryRemotePartyCounter: counter,
    },
    content,
  });
}
