/**
 * The shape of one SRV's transform (STYLE.md: one declarative row per SRV):
 * its body reader, and for each use case the SRV maps to, the targets, the
 * body selector and the named command fields built from the body. The
 * payload bytes are always made by the use-case catalogue (encodeCommand of
 * src/gbcs/use-cases) from those fields; no transform writes payload bytes.
 */
import type { DeviceType, DuisNode } from '../../../duis/index.ts';
import { messageCodeForUseCase, type PayloadFormat } from '../../../gbcs/codes/message-codes.ts';
import type { RemotePartyRole } from '../../../gbcs/use-cases/index.ts';
import type { Eui } from '../../../runtime/bytes.ts';
import type { DeviceLogBackup, EsmeVariant } from './context.ts';
import type { Execution } from './encoding.ts';

/** Where a future date lives: in the GBCS payload (device), with the DSP (it sends the command then), or nowhere. */
export type FutureDatingKind = 'none' | 'device' | 'dsp';

/**
 * Who is the GBCS originator: the DUIS user; the ACB on the user's behalf
 * (user in other-information); or a DCC party itself (`dcc`: the ACB or the
 * transitional CoS party with the DCC's counter and no Supplementary Remote
 * Party, for the DCC's own credentials: 6.21, 6.23, 8.5).
 */
export type OriginatorKind = 'user' | 'acb' | 'dcc';

/** The DCC party that originates a `dcc` use case (dcc-parties.ts). */
export type DccParty = 'acb' | 'transitionalCoS';

/** What selects a use case besides the target type: the body, the ESME variant, the sender's role. */
export interface SelectInput {
  esmeVariant: EsmeVariant;
  /** The DUIS user's remote-party role (its certificate OU), when the key store knows it. */
  originatorRole?: RemotePartyRole;
  /** The inventory (joins select their use case by the other device's type). */
  deviceTypeOf?: (eui: Eui) => DeviceType | undefined;
}

/** What a fields builder gets. */
export interface BuildInput<B> extends SelectInput {
  body: B;
  /** Header values of the command being built. */
  originator: Eui;
  recipient: Eui;
  originatorCounter: bigint;
  /**
   * The party a protected response is encrypted for (Data Protection
   * originator-system-title): the originator, or the requester of an Unknown
   * Remote Party read, which the ACB originates (urp.ts).
   */
  protectedFor: Eui;
  /** The device-side execution of future-dated use cases (immediate otherwise). */
  execution: Execution;
  /** Issuer Event ID: the DSP's current time as ZigBee UTCTime (GBZ use cases only). */
  issuerEventId: () => number;
  deviceTypeOf: (eui: Eui) => DeviceType | undefined;
  /** A device's KA certificate (DER) from the key store (CS03C carries the partner's). */
  kaCertificateOf?: (eui: Eui) => Uint8Array | undefined;
  /** SECMP0038 C3: the relay flag of a PPMID's Device Log entry (CCS01). */
  relayEnabledOf?: (ppmid: Eui) => boolean;
  /** DUIS 9.1: the CIN the DCC generates for this request (drawn once per request, TransformContext.nextCin). */
  cin: () => string;
  /** 8.12.1 / 8.12.2: the DSP's Device Log backup of a CH (context.ts). */
  deviceLogBackupOf?: (eui: Eui) => DeviceLogBackup | undefined;
}

export interface UseCaseRule<B> {
  useCase: string;
  messageCode: number;
  /** Device types this use case is addressed to. */
  targets: readonly DeviceType[];
  /** For SRs with several use cases on one device type: which body (variant, role) this one serves. */
  when?: (body: B, s: SelectInput) => boolean;
  /** Short text of `when`, for listings. */
  whenText?: string;
  payload: PayloadFormat;
  /** Who originates this use case when not the SRV's default (CHF use cases: the ACB). */
  originator?: OriginatorKind;
  /**
   * The ACB signs the command it originates (GBCS critical use cases the DCC
   * authorises for a non-critical SR: RTDS CS03A2, CS03C, CS04AC to a PPMID).
   */
  acbSigns?: true;
  /** For `originator: 'dcc'`: which DCC party (default the ACB); with `acbSigns` that party signs. */
  dccParty?: DccParty;
  /**
   * Where this use case's future date lives when not the SRV's (a use case
   * GBCS does not let a device future date, in an SRV whose other use cases
   * carry the date: the DSP holds it).
   */
  futureDating?: FutureDatingKind;
  /** The use case's named command fields (the catalogue row's shape) from the body. */
  fields: (i: BuildInput<B>) => unknown;
}

export interface SrvTransform<B> {
  srv: string;
  critical: boolean;
  originator: OriginatorKind;
  futureDating: FutureDatingKind;
  /** Reads the typed body (declarative body readers; they throw DuisSchemaError). */
  read: (body: DuisNode) => B;
  executionDateTime: (body: B) => Date | undefined;
  /** An Unknown Remote Party read's KAPublicSecurityCredentials (DER), if the body carries them (urp.ts). */
  urpCredentials?: (body: B) => Uint8Array | undefined;
  useCases: readonly UseCaseRule<B>[];
  /** Device types DUIS allows for the SR that this DSP does not transform, and why. */
  notTransformed?: { targets: readonly DeviceType[]; reason: string };
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous table; each row is typed where it is defined
export type AnySrvTransform = SrvTransform<any>;

/**
 * A use case rule with its Message Code and payload format from the GBCS
 * Message Code table (a missing row fails at load, not at run time).
 */
export function uc<B>(r: Omit<UseCaseRule<B>, 'messageCode' | 'payload'>): UseCaseRule<B> {
  const m = messageCodeForUseCase(r.useCase);
  if (!m) throw new Error(`GBCS Message Code table has no ${r.useCase}`);
  return { ...r, messageCode: m.code, payload: m.payload };
}
