/**
 * The row type of the GBCS use-case catalogue (docs/use-cases.md): one row
 * per Message Code, holding what GBCS's use-case tables say of it (id, name,
 * targets, critical, DUIS SRVs, the remote-party roles that may send it, the
 * alerts it can raise) and the typed shape of its payloads. The payload part
 * depends on the family: DLMS rows list COSEM accesses (dlms-row.ts); GBZ and
 * ASN.1 rows add their own shape types beside it.
 */

export type DeviceTarget = 'ESME' | 'GSME' | 'CHF' | 'GPF' | 'PPMID' | 'HCALCS' | 'Type2' | 'ANY';
export type PayloadFormat = 'dlms' | 'gbz' | 'asn1';

/**
 * Remote-party roles (certificate OU, GBCS 4.2.x / GBCS.md 5) that GBCS's
 * use-case tables allow as the business originator of a command.
 */
export const ROLE_OF_OU = {
  0: 'root',
  1: 'recovery',
  2: 'supplier',
  3: 'networkOperator',
  4: 'acb',
  5: 'transitionalCoS',
  6: 'wanProvider',
  8: 'loadController',
  127: 'otherUser',
} as const;
export type RemotePartyRole = (typeof ROLE_OF_OU)[keyof typeof ROLE_OF_OU];
/** Who else originates a command: a device (PPMID to meter, HAN-only use cases). */
export type Originator = RemotePartyRole | 'device';

/**
 * How a row's facts are known:
 * - 'rtds': payload shape checked on RTDS reference messages (every RTDS example decodes and round-trips);
 * - 'gbcs-text': from GBCS's use-case and message-code tables, no RTDS example to confirm the payload;
 * - 'unconfirmed': inferred (e.g. from the DUIS SR), not confirmed from GBCS text or RTDS.
 */
export type Confirmation = 'rtds' | 'gbcs-text' | 'unconfirmed';

export interface UseCaseRowBase {
  code: number;
  /** GBCS use-case id (ECS17b); RTDS folder variants in `aliases`. */
  useCase: string;
  name: string;
  kind: 'command' | 'alert';
  family: PayloadFormat;
  /** Second payload family for codes both DLMS and GBZ devices send (generic alerts). */
  altFamily?: PayloadFormat;
  targets: readonly DeviceTarget[];
  /** For ESME rows: the ESME variants (GBCS: single element, twin element, polyphase). */
  esmeVariants?: readonly ('single' | 'twin' | 'polyphase')[];
  critical: boolean;
  /** DUIS Service Reference Variants that produce the command (empty: device-originated or no SR). */
  srvs: readonly string[];
  /**
   * Remote-party roles that may send the command themselves: the header
   * Originator is a party of that role the device holds a Trust Anchor cell
   * for (GBCS use-case tables, "Valid Business Originator role(s)"); `device`
   * for HAN-originated commands (PPMID, HCALCS). Empty for alerts.
   * From the one role table, rows/roles.ts.
   */
  roles: readonly Originator[];
  /**
   * Roles the Access Control Broker may authorise the command for (header
   * Originator the ACB, the party in the Supplementary Remote Party ID; GBCS
   * "Valid Response Recipient role(s) (only for Messages Authorised by the
   * Access Control Broker on behalf of parties not known to the Device)").
   * Absent: the ACB may not front the command.
   */
  acbOnBehalfOf?: readonly RemotePartyRole[];
  /** Where `roles` / `acbOnBehalfOf` come from. */
  rolesConfirmed: Confirmation;
  /** Why the role sets are what they are (source, and what is not confirmed). */
  rolesNote?: string;
  /** Where the payload shape comes from. */
  confirmed: Confirmation;
  /**
   * What the source of the payload says (for a `gbcs-text` row: where in GBCS
   * V3.1's use-case tables and what they give, what was corrected; for an
   * `unconfirmed` row: why it is inferred, e.g. V3.1 does not define it).
   */
  note?: string;
  /**
   * The payload shape is not known (no RTDS example, GBCS text not at hand):
   * encoding or decoding it is a UseCaseUnknownError, never a guess.
   */
  payloadUnknown?: true;
  /**
   * GBCS allocates the Message Code but defines no payload for it (PECS01-03, HECS01: GBCS V3.1's use-case
   * tables give it only so the ESME can log, under that code, the ZSE command named in `zseCommand`): there is no
   * command to encode or decode, and encoding or decoding it is a UseCaseUnknownError that says so.
   */
  noPayloadByGbcs?: true;
  /**
   * A HAN Only row GBCS gives Message Type "ZSE specified" (PECS01-03, HECS01): the ZigBee SE command
   * (`cluster.command` key of gbcs/payload/zcl-se.ts) the device receives from the joined PPMID / HC ALCS and
   * records in its Event Log under the row's Message Code. The row itself carries no GBCS payload.
   */
  zseCommand?: string;
  /** Alert Codes the use case can raise (future-dated execution 8F66/8F67 ...). */
  alerts?: readonly number[];
  aliases?: readonly string[];
  /** Set when the name was inferred (DUIS SR, RTDS folder), not read in GBCS's table. */
  nameUnconfirmed?: true;
  provisional?: true;
}

/** Whether the row has no payload to encode or decode (not catalogued here, or none defined by GBCS). */
export function rowHasNoPayload(row: { payloadUnknown?: true; noPayloadByGbcs?: true }): boolean {
  return row.payloadUnknown === true || row.noPayloadByGbcs === true;
}
