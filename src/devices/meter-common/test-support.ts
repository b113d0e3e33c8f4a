/**
 * Helpers for tests of devices (used by the meters' tests and available to the
 * CHF / home tests): RTDS-profile credentials with a generated DS key,
 * a recording HAN uplink, and a command builder that signs and MACs new or
 * altered commands with the fixture remote parties' keys.
 */

import type { KeyObject } from 'node:crypto';
import {
  createTestPki,
  type Eui,
  encodeApdu,
  type GbcsCertificate,
  type GbcsMessage,
  type IssuedKey,
  type MemoryKeyStore,
  type OtherInformation,
  SecurityContext,
  signApdu,
  type TestPki,
} from '../../gbcs/index.ts';
import type { HanSendResult, HanUplink, SleepyHanUplink } from '../contracts.ts';
import {
  anchorFromKeyStore,
  type DeviceCredentials,
  type PeerDevice,
  type RemotePartyAnchor,
  RTDS_DEVICES,
  RTDS_PARTIES,
  rtdsDeviceCredentials,
  rtdsTrustAnchors,
  type TrustAnchorCellName,
  TrustAnchors,
} from '../security/credentials.ts';

/** RTDS profile of one device: its credentials (RTDS KA key + a generated DS key) and trust anchors. */
export interface RtdsProfile {
  keyStore: MemoryKeyStore;
  credentials: DeviceCredentials;
  trustAnchors: TrustAnchors;
  /** the generated DS certificate that verifies the device's signed responses and alerts */
  dsCertificate: GbcsCertificate;
  /** a SecurityContext over the whole fixture key store (remote parties' private keys): verifies and builds */
  remote: SecurityContext;
}

/**
 * The RTDS ESME profile: `00DB1234567890A0` with the fixture KA private key,
 * a generated DS key (RTDS ships none for devices), and the RTDS trust anchors.
 */
export async function rtdsEsmeProfile(
  keyStore: MemoryKeyStore,
  peers: PeerDevice[] = [],
): Promise<RtdsProfile> {
  const pki = await createTestPki();
  const { ds } = await pki.addDevice(RTDS_DEVICES.esme, { storePrivateKeys: false });
  const credentials = rtdsDeviceCredentials(keyStore, RTDS_DEVICES.esme, {
    dsPrivateKey: ds.privateKey,
    dsCertificate: ds.certificate,
  });
  return {
    keyStore,
    credentials,
    trustAnchors: rtdsTrustAnchors(keyStore, { peers }),
    dsCertificate: ds.certificate,
    remote: new SecurityContext({ keyStore }),
  };
}

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

/** A generated GBCS world: the RTDS EUIs with fresh keys (so device private keys exist for every device). */
export interface GeneratedWorld {
  pki: TestPki;
  /** every private key: builds and verifies anything */
  remote: SecurityContext;
  /** trust anchors a device of this world holds (RTDS roles), with the given peers */
  trustAnchors(peers?: PeerDevice[]): TrustAnchors;
  /** credentials of a device of this world */
  credentials(eui: Eui): DeviceCredentials;
  peer(eui: Eui, deviceType: PeerDevice['deviceType']): PeerDevice;
}

/**
 * Issues keys for the RTDS remote parties (suppliers with prepayment keys,
 * network operator, ACB, transitional CoS, WAN provider, recovery, load
 * controller) and for `devices`, all under one generated test PKI.
 */
export async function generatedWorld(devices: Eui[]): Promise<GeneratedWorld> {
  const pki = await createTestPki();
  const P = RTDS_PARTIES;
  await pki.addRemoteParty(P.supplier, 2, { prepayment: true });
  await pki.addRemoteParty(P.supplier2, 2, { prepayment: true });
  await pki.addRemoteParty(P.networkOperator, 3);
  await pki.addRemoteParty(P.acb, 4);
  await pki.addRemoteParty(P.transitionalCoS, 5);
  await pki.addRemoteParty(P.wanProvider, 6);
  await pki.addRemoteParty(P.recovery, 1);
  await pki.addRemoteParty(P.loadController, 8);
  const issued = new Map<Eui, { ka: IssuedKey; ds: IssuedKey }>();
  for (const d of devices) issued.set(d, await pki.addDevice(d));
  const store = pki.store;
  return {
    pki,
    remote: new SecurityContext({ keyStore: store }),
    trustAnchors: (peers = []) => {
      const cells: Partial<Record<TrustAnchorCellName, RemotePartyAnchor>> = {};
      const want: Array<[TrustAnchorCellName, Eui]> = [
        ['supplier', P.supplier],
        ['networkOperator', P.networkOperator],
        ['acb', P.acb],
        ['transitionalCoS', P.transitionalCoS],
        ['wanProvider', P.wanProvider],
        ['recovery', P.recovery],
        ['loadController', P.loadController],
      ];
      for (const [cell, eui] of want) cells[cell] = anchorFromKeyStore(store, eui);
      return new TrustAnchors(cells, peers);
    },
    credentials: (eui) => {
      const k = issued.get(eui);
      if (!k) throw new Error(`no generated device ${eui}`);
      return {
        eui,
        kaPrivateKey: k.ka.privateKey,
        kaCertificate: k.ka.certificate,
        dsPrivateKey: k.ds.privateKey,
        dsCertificate: k.ds.certificate,
      };
    },
    peer: (eui, deviceType) => {
      const k = issued.get(eui);
      if (!k) throw new Error(`no generated device ${eui}`);
      return { eui, deviceType, ka: k.ka.certificate, ds: k.ds.certificate };
    },
  };
}
