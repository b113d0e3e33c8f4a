/**
 * The DSP transform: a DUIS Service Request becomes a GBCS Command (non-
 * critical SRs: General Signing APDU with a null signature, wrapped in
 * General Ciphering with the ACB MAC) or a Pre-Command (critical SRs: the
 * General Signing APDU without a signature field, DUIS CV 4), and a user's
 * Signed Pre-Command (CV 5/6/7) becomes a Command once its signature checks
 * out (SECMP0038 DSP-1, DSP-2).
 *
 * Header rules (GBCS.md 1-2, RTDS): the Recipient is the target device; the
 * Originator is the DUIS user with the RequestID counter as Originator
 * Counter, or for use cases the ACB originates on a user's behalf (8.11
 * CCS01/CCS02 to the CHF) the ACB with its own counter, the user's EUI and
 * counter following the Message Code in other-information as Supplementary
 * Remote Party ID and Counter. No date-time in the header.
 */
import {
  type CommandVariant,
  type DeviceType,
  DuisError,
  type DuisRequest,
  type RequestId,
  serviceRequest,
} from '../../../duis/index.ts';
import { ecdsaVerify } from '../../../gbcs/crypto.ts';
import {
  decodeMessage,
  encodeApdu,
  GbcsError,
  type GbcsMessage,
  GbcsUnknownKeyError,
  SecurityContext,
} from '../../../gbcs/index.ts';
import { dateToZigbeeTime } from '../../../gbcs/payload/index.ts';
import { encodeCommand, type RemotePartyRole, ROLE_OF_OU } from '../../../gbcs/use-cases/index.ts';
import { bytesEqual, type Eui } from '../../../runtime/bytes.ts';
import { acbFronts } from './acb-fronting.ts';
import { CIN_PATTERN, type EsmeVariant, type TransformContext } from './context.ts';
import { dccPartyEui, nextDccCounter } from './dcc-parties.ts';
import { type Execution, executionOf, IMMEDIATE } from './encoding.ts';
import {
  DspBodyInvalidError,
  DspCommandVariantError,
  DspContextIncompleteError,
  DspDeviceTypeMismatchError,
  DspPreCommandInvalidError,
  DspPreCommandMismatchError,
  DspSignatureInvalidError,
  DspTransformError,
  DspUnknownDeviceError,
  DspUnknownKeyError,
  DspUnsupportedServiceRequestError,
} from './errors.ts';
import { notBuiltReason, REGISTERED_SRV_TRANSFORMS, srvTransform } from './registered.ts';
import type { AnySrvTransform, FutureDatingKind, OriginatorKind, SelectInput, UseCaseRule } from './rule.ts';
import { DspUrpCredentialError, type UrpTrust, urpCertificate } from './urp.ts';

/** What every transform result says about the command. */
export interface TransformInfo {
  srv: string;
  useCase: string;
  messageCode: number;
  /** The target device (GBCS Recipient, the Entity ID the CH routes on). */
  target: Eui;
  targetType: DeviceType;
  /** GBCS header Originator: the user, or the ACB for ACB-originated use cases. */
  originator: Eui;
  originatorCounter: bigint;
  /** The DUIS user (RequestID originator); equals `originator` unless the ACB originates. */
  businessOriginator: Eui;
  /** How the device executes it: immediate, at a date (device future dating) or cancellation. */
  execution: Execution;
  /** For DSP future-dated SRs (reads, CHF commands): when the DSP is to send the command. */
  dspScheduledAt?: Date;
  /** DUIS 9.1: the CIN the command carries, returned to the user in CINMessage with the device's response. */
  cin?: string;
}

export interface CommandResult extends TransformInfo {
  kind: 'command';
  critical: false;
  /** General Ciphering (`DD`) with the ACB MAC: the Command, for the WAN or for local delivery. */
  gbcs: Uint8Array;
  /** The General Signing APDU inside it (null signature). */
  apdu: Uint8Array;
}

export interface PreCommandResult extends TransformInfo {
  kind: 'pre-command';
  critical: true;
  /** General Signing (`DF`) without signature field: the Pre-Command returned to the user (CV 4). */
  gbcs: Uint8Array;
}

export type TransformResult = CommandResult | PreCommandResult;

/** One supported (SRV, use case) pair, as listed by `SUPPORTED_TRANSFORMS`. */
export interface SupportedTransform {
  srv: string;
  useCase: string;
  messageCode: number;
  /** Device types the use case is addressed to. */
  target: readonly DeviceType[];
  critical: boolean;
  originator: OriginatorKind;
  futureDating: FutureDatingKind;
  payload: 'dlms' | 'gbz' | 'asn1';
  /** Body selector for SRs with several use cases on one device type (e.g. 1.6 `Credit`). */
  when?: string;
  /** The ACB (or the originating DCC party) signs the command: a GBCS-critical use case it authorises for a non-critical SR. */
  acbSigns?: true;
}

export const SUPPORTED_TRANSFORMS: readonly SupportedTransform[] = Object.freeze(
  REGISTERED_SRV_TRANSFORMS.flatMap((t) =>
    t.useCases.map((u: UseCaseRule<unknown>) => {
      const row: SupportedTransform = {
        srv: t.srv,
        useCase: u.useCase,
        messageCode: u.messageCode,
        target: u.targets,
        critical: t.critical,
        originator: u.originator ?? t.originator,
        futureDating: u.futureDating ?? t.futureDating,
        payload: u.payload,
      };
      if (u.whenText) row.when = u.whenText;
      if (u.acbSigns) row.acbSigns = true;
      return Object.freeze(row);
    }),
  ),
);

/** The SRVs this DSP transforms. */
export const SUPPORTED_SRVS: readonly string[] = Object.freeze(REGISTERED_SRV_TRANSFORMS.map((t) => t.srv));

interface Plan {
  t: AnySrvTransform;
  rule: UseCaseRule<unknown>;
  body: unknown;
  targetType: DeviceType;
  execution: Execution;
  select: SelectInput;
  dspScheduledAt?: Date;
}

/** The ESME variant of the target and the sender's remote-party role (certificate OU). */
function selectInput(requestId: RequestId, targetType: DeviceType, ctx: TransformContext): SelectInput {
  const esmeVariant: EsmeVariant =
    targetType === 'ESME' ? (ctx.esmeVariantOf?.(requestId.target) ?? 'single') : 'single';
  const ou = ctx.security.keyStore.role(requestId.originator);
  const role = typeof ou === 'number' ? (ROLE_OF_OU as Record<number, RemotePartyRole>)[ou] : undefined;
  const deviceTypeOf = ctx.deviceTypeOf;
  return role ? { esmeVariant, originatorRole: role, deviceTypeOf } : { esmeVariant, deviceTypeOf };
}

/** E11 for a device SRV with no transform, with the reason where its module gives one. */
function notBuilt(srv: string): DspUnsupportedServiceRequestError {
  const why = notBuiltReason(srv);
  return new DspUnsupportedServiceRequestError(srv, why ? `SR ${srv} is not transformed: ${why}` : undefined);
}

/** Finds the use case for a request: SRV, target device type, body. Throws typed errors. */
function plan(srv: string, requestId: RequestId, bodyNode: DuisRequest['body'], ctx: TransformContext): Plan {
  const t = srvTransform(srv);
  if (!t) throw notBuilt(srv);
  const targetType = ctx.deviceTypeOf(requestId.target);
  if (targetType === undefined) throw new DspUnknownDeviceError(requestId.target);
  let body: unknown;
  try {
    body = t.read(bodyNode);
  } catch (e) {
    if (e instanceof DuisError) throw new DspBodyInvalidError(e.message, undefined, e);
    throw e;
  }
  const forType = t.useCases.filter((u: UseCaseRule<unknown>) => u.targets.includes(targetType));
  if (forType.length === 0) {
    if (t.notTransformed?.targets.includes(targetType)) {
      throw new DspUnsupportedServiceRequestError(
        srv,
        `SR ${srv} to a ${targetType} is not transformed: ${t.notTransformed.reason}`,
      );
    }
    const allowed = [...new Set(t.useCases.flatMap((u: UseCaseRule<unknown>) => [...u.targets]))] as string[];
    throw new DspDeviceTypeMismatchError(srv, targetType, allowed);
  }
  const select = selectInput(requestId, targetType, ctx);
  const rule = forType.find((u: UseCaseRule<unknown>) => !u.when || u.when(body, select));
  if (!rule) {
    // say which bodies the SR takes on this device type (issue 17: the bare "no use case" did not)
    const takes = forType.map((u: UseCaseRule<unknown>) => `${u.useCase}: ${u.whenText ?? 'always'}`);
    throw new DspBodyInvalidError(
      `no ${srv} use case for this body on a ${targetType} (from a ${select.originatorRole ?? 'user'}); ` +
        `it takes ${takes.join('; ')}`,
    );
  }
  const at = t.executionDateTime(body) as Date | undefined;
  const p: Plan = { t, rule, body, targetType, execution: IMMEDIATE, select };
  const futureDating = rule.futureDating ?? t.futureDating;
  if (futureDating === 'device') p.execution = executionOf(at);
  else if (futureDating === 'dsp' && at !== undefined) p.dspScheduledAt = at;
  else if (at !== undefined)
    throw new DspBodyInvalidError(`SR ${srv} cannot be future dated`, `${bodyNode.name}/ExecutionDateTime`);
  return p;
}

function issuerEventIdFrom(ctx: TransformContext): () => number {
  return () => {
    if (!ctx.clock)
      throw new DspContextIncompleteError('a GBZ command needs the DSP clock for its Issuer Event ID');
    try {
      return dateToZigbeeTime(new Date(ctx.clock.now()));
    } catch (e) {
      throw new DspContextIncompleteError(`the DSP clock is outside the ZigBee UTCTime range (${String(e)})`);
    }
  };
}

/** A fresh CIN from the context (DUIS 9.1), checked against the MMC schema's pattern. */
function cinFrom(ctx: TransformContext): string {
  if (!ctx.nextCin)
    throw new DspContextIncompleteError('SR 9.1 needs a CIN source: the context needs nextCin');
  const cin = ctx.nextCin();
  if (!CIN_PATTERN.test(cin))
    throw new DspContextIncompleteError(`CIN ${JSON.stringify(cin)} is not four decimal digits`);
  return cin;
}

function acbOf(ctx: TransformContext): Eui {
  return (ctx.acb ?? ctx.security.acb).replace(/[\s:-]/g, '').toUpperCase();
}

/** What an Unknown Remote Party read's certificate is checked against: the DSP clock and its SMKI Organisation CAs. */
function urpTrust(ctx: TransformContext): UrpTrust {
  if (!ctx.clock)
    throw new DspContextIncompleteError(
      'an Unknown Remote Party read needs the DSP clock (certificate validity)',
    );
  if (!ctx.smkiOrgCas || ctx.smkiOrgCas.length === 0)
    throw new DspContextIncompleteError(
      'an Unknown Remote Party read needs the SMKI Organisation CA certificates the DSP trusts (smkiOrgCas)',
    );
  return { now: ctx.clock.now(), orgCas: ctx.smkiOrgCas };
}

/** Builds the GBCS for a planned request: APDU, then Pre-Command or MAC'd Command. */
function build(p: Plan, requestId: RequestId, ctx: TransformContext): TransformResult {
  const kind = p.rule.originator ?? p.t.originator;
  // An Unknown Remote Party read: the ACB originates it, the requester's KA certificate in the header (urp.ts).
  const urpDer = p.t.urpCredentials?.(p.body);
  const urp =
    urpDer === undefined
      ? undefined
      : urpCertificate(
          urpDer,
          requestId.originator,
          ctx.security.keyStore.role(requestId.originator),
          urpTrust(ctx),
        );
  const acbOriginates =
    urp !== undefined ||
    kind === 'acb' ||
    (kind === 'user' && acbFronts(p.rule.useCase, p.targetType, p.select.originatorRole));
  let originator: Eui = requestId.originator;
  let counter = requestId.counter;
  // A DCC party replacing the DCC's own credentials (6.21, 6.23, 8.5): its EUI and counter, no supplementary party.
  if (kind === 'dcc') {
    originator = dccPartyEui(p.rule.dccParty ?? 'acb', acbOf(ctx), ctx, p.t.srv);
    // the party sending the request itself (RTDS GCS59 8.12.2 from the ACB) keeps its RequestID counter
    counter = originator === requestId.originator ? requestId.counter : nextDccCounter(ctx, p.rule.useCase);
  }
  // The ACB sending a request itself (RTDS CS02f 6.24.1, GCS59 8.12.2): its own RequestID counter, no supplementary party.
  const acbIsRequester = acbOriginates && requestId.originator === acbOf(ctx);
  if (urp && acbIsRequester)
    throw new DspUrpCredentialError('acb-requester', 'from the ACB itself: every device knows the ACB');
  if (acbOriginates && !acbIsRequester) {
    if (!ctx.nextAcbCounter)
      throw new DspContextIncompleteError(
        `${p.rule.useCase} is originated by the ACB: the context needs nextAcbCounter`,
      );
    originator = acbOf(ctx);
    counter = ctx.nextAcbCounter();
    if (counter < 0n || counter > 0xffffffffffffffffn)
      throw new DspContextIncompleteError(`ACB counter ${counter} is outside 0..2^64-1`);
  }
  let content: Uint8Array;
  let cin: string | undefined;
  try {
    const fields = p.rule.fields({
      ...p.select,
      body: p.body,
      originator,
      recipient: requestId.target,
      originatorCounter: counter,
      protectedFor: urp ? requestId.originator : originator,
      execution: p.execution,
      issuerEventId: issuerEventIdFrom(ctx),
      deviceTypeOf: ctx.deviceTypeOf,
      relayEnabledOf: ctx.relayEnabledOf,
      deviceLogBackupOf: ctx.deviceLogBackupOf,
      kaCertificateOf: (e) => ctx.security.keyStore.certificate(e, 'ka')?.der,
      cin: () => {
        cin ??= cinFrom(ctx);
        return cin;
      },
    });
    // the catalogue row makes the bytes from the named fields (docs/use-cases.md)
    content = encodeCommand(p.rule.useCase, fields, { originatorCounter: counter });
  } catch (e) {
    if (e instanceof DspTransformError) throw e;
    // Codec range errors (a value that does not fit its field) come from the body.
    throw new DspBodyInvalidError(e instanceof Error ? e.message : String(e), undefined, e);
  }
  const info: TransformInfo = {
    srv: p.t.srv,
    useCase: p.rule.useCase,
    messageCode: p.rule.messageCode,
    target: requestId.target,
    targetType: p.targetType,
    originator,
    originatorCounter: counter,
    businessOriginator: requestId.originator,
    execution: p.execution,
  };
  if (p.dspScheduledAt) info.dspScheduledAt = p.dspScheduledAt;
  if (cin !== undefined) info.cin = cin;
  const otherInfo =
    acbOriginates && !acbIsRequester
      ? {
          messageCode: p.rule.messageCode,
          supplementaryRemotePartyId: requestId.originator,
          supplementaryRemotePartyCounter: requestId.counter,
          ...(urp ? { certificate: urp.der } : {}),
        }
      : { messageCode: p.rule.messageCode };
  const fields = {
    cra: 'command' as const,
    originatorCounter: counter,
    originator,
    recipient: requestId.target,
    otherInfo,
    content,
  };
  if (p.t.critical) {
    // DUIS CV 4: the Pre-Command has no signature field; the user's signature is appended to it.
    return { ...info, kind: 'pre-command', critical: true, gbcs: encodeApdu(fields) };
  }
  const apdu = p.rule.acbSigns
    ? acbSign(encodeApdu(fields), ctx, kind === 'dcc' ? originator : acbOf(ctx))
    : encodeApdu({ ...fields, signature: null });
  return { ...info, kind: 'command', critical: false, gbcs: macCommand(apdu, ctx), apdu };
}

/** A DCC party's signature (the ACB's, or the originating DCC party's) on a command it originates and authorises. */
function acbSign(apdu: Uint8Array, ctx: TransformContext, signer: Eui): Uint8Array {
  try {
    return ctx.security.sign(apdu, signer);
  } catch (e) {
    if (e instanceof GbcsUnknownKeyError)
      throw new DspUnknownKeyError(`cannot sign the command: ${e.message}`, e.eui ?? signer, 500, e);
    throw e;
  }
}

const securityByAcb = new WeakMap<SecurityContext, Map<Eui, SecurityContext>>();

/** The SecurityContext whose ACB is the context's ACB (sharing key store and ECDH cache). */
function macSecurity(ctx: TransformContext): SecurityContext {
  const acb = acbOf(ctx);
  if (acb === ctx.security.acb) return ctx.security;
  let m = securityByAcb.get(ctx.security);
  if (!m) {
    m = new Map();
    securityByAcb.set(ctx.security, m);
  }
  let s = m.get(acb);
  if (!s) {
    s = new SecurityContext({ keyStore: ctx.security.keyStore, acb, sharedSecretCache: ctx.security.cache });
    m.set(acb, s);
  }
  return s;
}

/** Wraps a command APDU in General Ciphering with the ACB MAC (SECMP0038 DSP-2). */
function macCommand(apdu: Uint8Array, ctx: TransformContext): Uint8Array {
  try {
    return macSecurity(ctx).wrap(apdu);
  } catch (e) {
    if (e instanceof GbcsUnknownKeyError)
      throw new DspUnknownKeyError(`cannot MAC the command: ${e.message}`, e.eui ?? acbOf(ctx), 500, e);
    throw e;
  }
}

/**
 * DUIS Service Request -> GBCS Command (CV 1/2/3, non-critical SRs) or
 * Pre-Command (CV 4, critical SRs). The DSP's access checks (user role,
 * counter, DSP-3 local-delivery policy) are the DSP service's, not this
 * function's; it checks only what the transform itself needs.
 */
export function transformServiceRequest(req: DuisRequest, ctx: TransformContext): TransformResult {
  const srv = req.header.serviceReferenceVariant;
  const cv: CommandVariant = req.header.commandVariant;
  const def = serviceRequest(srv);
  if (cv === 5 || cv === 6 || cv === 7)
    throw new DspCommandVariantError(`CV ${cv} carries a Signed Pre-Command: use completeSignedPreCommand`);
  if (cv === 8 || def?.class === 'non-device')
    throw new DspUnsupportedServiceRequestError(
      srv,
      `SR ${srv} is a non-device request (CV 8): no GBCS command`,
    );
  const t = srvTransform(srv);
  if (!t) throw notBuilt(srv);
  if (t.critical && cv !== 4)
    throw new DspCommandVariantError(`SR ${srv} is critical: CV 4 (Pre-Command) first, not CV ${cv}`);
  if (!t.critical && cv === 4)
    throw new DspCommandVariantError(`SR ${srv} is not critical: no Pre-Command (CV 4)`);
  return build(plan(srv, req.header.requestId, req.body, ctx), req.header.requestId, ctx);
}

// ---------------------------------------------------------------- Signed Pre-Commands (CV 5/6/7)

export interface SignedPreCommandExpectation {
  /** The CV 5/6/7 request's RequestID: originator, target and counter must be the pre-command's. */
  requestId?: RequestId;
  /** The request's SRV: the pre-command's use case must serve it (e.g. ECS70 for 6.11 or 8.1.1). */
  srv?: string;
  /** The Pre-Command this DSP issued for it (CV 4 output): the signed content must be exactly it. */
  issuedPreCommand?: Uint8Array;
}

export interface SignedPreCommandResult {
  /** General Ciphering with the ACB MAC around the signed APDU. */
  gbcs: Uint8Array;
  /** The signed General Signing APDU as received (for an ACB-signed rule: signed by the ACB instead). */
  apdu: Uint8Array;
  useCase: string;
  messageCode: number;
  /** SRVs whose Pre-Commands use this use case (ECS70: 6.11 and 8.1.1). */
  srvs: string[];
  target: Eui;
  targetType: DeviceType;
  originator: Eui;
  originatorCounter: bigint;
}

/** The critical rules by Message Code and target type, with the SRVs whose Pre-Commands use them. */
const CRITICAL_BY_CODE = new Map<number, Map<DeviceType, { rule: UseCaseRule<unknown>; srvs: string[] }>>();
for (const t of REGISTERED_SRV_TRANSFORMS) {
  if (!t.critical) continue;
  for (const u of t.useCases as readonly UseCaseRule<unknown>[]) {
    const byType = CRITICAL_BY_CODE.get(u.messageCode) ?? new Map();
    CRITICAL_BY_CODE.set(u.messageCode, byType);
    for (const type of u.targets) {
      const e = byType.get(type);
      if (!e) byType.set(type, { rule: u, srvs: [t.srv] });
      else if (!e.srvs.includes(t.srv)) e.srvs.push(t.srv);
    }
  }
}

/** The GBCS role of a party from its certificate's OU (undefined: unknown party or role). */
function roleOfParty(eui: Eui, ctx: TransformContext): RemotePartyRole | undefined {
  const ou = ctx.security.keyStore.role(eui);
  return typeof ou === 'number' ? (ROLE_OF_OU as Record<number, RemotePartyRole>)[ou] : undefined;
}

/**
 * CV 5/6/7: checks a user-signed Pre-Command and adds the ACB MAC
 * (SECMP0038 DSP-2: a critical command is accepted only with a signature of
 * its business originator that verifies against the originator's DS
 * certificate in the key store). Refuses anything else with a typed error.
 */
export function completeSignedPreCommandResult(
  signedPreCommand: Uint8Array,
  ctx: TransformContext,
  expect: SignedPreCommandExpectation = {},
): SignedPreCommandResult {
  let msg: GbcsMessage;
  try {
    msg = decodeMessage(signedPreCommand);
  } catch (e) {
    if (e instanceof GbcsError) throw new DspPreCommandInvalidError(`not a GBCS message: ${e.message}`, e);
    throw e;
  }
  if (msg.envelope !== 'general-signing')
    throw new DspPreCommandInvalidError('a Signed Pre-Command is a General Signing APDU (DF), without MAC');
  if (msg.bytes.length !== msg.apdu.length)
    throw new DspPreCommandInvalidError('bytes after the General Signing APDU');
  if (msg.cra !== 'command') throw new DspPreCommandInvalidError(`CRA is ${msg.cra}, not command`);
  if (msg.signatureField !== 'present' || msg.signature === null)
    throw new DspPreCommandInvalidError('the Pre-Command is not signed');
  const byType = CRITICAL_BY_CODE.get(msg.messageCode);
  if (!byType) {
    throw new DspPreCommandInvalidError(
      `Message Code 0x${msg.messageCode.toString(16).padStart(4, '0').toUpperCase()} is not a critical use case this DSP transforms`,
    );
  }
  const targetType = ctx.deviceTypeOf(msg.recipient);
  if (targetType === undefined) throw new DspUnknownDeviceError(msg.recipient);
  const entry = byType.get(targetType);
  if (!entry) {
    const all = [...byType.values()];
    throw new DspDeviceTypeMismatchError([...new Set(all.flatMap((e) => e.srvs))].join('/'), targetType, [
      ...byType.keys(),
    ]);
  }
  // The business originator: the header's; or, where the ACB fronts for the user (acb-fronting.ts, the one
  // rule the CV 4 transform also follows: the target holds no cell for the user's role and the role table lets
  // the ACB act for it), the user as Supplementary Remote Party of the ACB's header: the user signs the
  // Pre-Command, the ACB (the header Originator) signs the Command.
  const srpId = msg.otherInfo.supplementaryRemotePartyId;
  const srpCounter = msg.otherInfo.supplementaryRemotePartyCounter;
  const viaAcb = msg.originator === acbOf(ctx) && srpId !== null && srpCounter !== null;
  const signer = viaAcb
    ? { eui: srpId, counter: srpCounter }
    : { eui: msg.originator, counter: msg.originatorCounter };
  const role = roleOfParty(signer.eui, ctx);
  const fronted = acbFronts(entry.rule.useCase, targetType, role);
  if (fronted && !viaAcb)
    throw new DspPreCommandInvalidError(
      `${entry.rule.useCase} to a ${targetType} for a ${role} is originated by the ACB for the user: the ACB in the header, the user as Supplementary Remote Party`,
    );
  if (viaAcb && !fronted)
    throw new DspPreCommandMismatchError(
      `the ACB does not originate ${entry.rule.useCase} to a ${targetType} for a ${role ?? 'party of unknown role'}`,
    );
  if (expect.requestId) {
    const r = expect.requestId;
    if (r.originator !== signer.eui || r.target !== msg.recipient || r.counter !== signer.counter) {
      throw new DspPreCommandMismatchError(
        `Pre-Command ${signer.eui}:${msg.recipient}:${signer.counter}${fronted ? ` (Supplementary Remote Party of the ACB ${msg.originator})` : ''} does not match RequestID ${r.originator}:${r.target}:${r.counter}`,
      );
    }
  }
  if (expect.srv !== undefined && !entry.srvs.includes(expect.srv)) {
    throw new DspPreCommandMismatchError(`${entry.rule.useCase} is not a command of SR ${expect.srv}`);
  }
  const unsigned = signedPreCommand.subarray(0, msg.apdu.length - 1 - msg.signature.length);
  if (expect.issuedPreCommand && !bytesEqual(unsigned, expect.issuedPreCommand))
    throw new DspPreCommandMismatchError('the signed content is not the Pre-Command this DSP issued');
  // DSP-2: the business originator's signature, checked against its DS certificate.
  const key = ctx.security.keyStore.publicKey(signer.eui, 'ds');
  if (!key) throw new DspUnknownKeyError(`no DS certificate for the signer ${signer.eui}`, signer.eui, 400);
  if (!ecdsaVerify(msg.signedData, msg.signature, key))
    throw new DspSignatureInvalidError(`the signature of ${signer.eui} does not verify`, signer.eui);
  // the ACB signs only what this DSP built for the user: never a Pre-Command the user made with the ACB header
  if (fronted && !expect.issuedPreCommand)
    throw new DspPreCommandMismatchError(
      `an ACB-originated Pre-Command (${entry.rule.useCase} to a ${targetType}) is completed only as this DSP issued it (CV 4 first)`,
    );
  // an ACB-fronted command: the user's signature authorised it; the device checks the ACB's (the header Originator's)
  const apdu = fronted ? acbSign(unsigned, ctx, msg.originator) : msg.apdu;
  return {
    gbcs: macCommand(apdu, ctx),
    apdu,
    useCase: entry.rule.useCase,
    messageCode: msg.messageCode,
    srvs: [...entry.srvs],
    target: msg.recipient,
    targetType,
    originator: msg.originator,
    originatorCounter: msg.originatorCounter,
  };
}

/** CV 5/6/7: the Command (General Ciphering with ACB MAC) for a user-signed Pre-Command. */
export function completeSignedPreCommand(
  signedPreCommand: Uint8Array,
  ctx: TransformContext,
  expect: SignedPreCommandExpectation = {},
): Uint8Array {
  return completeSignedPreCommandResult(signedPreCommand, ctx, expect).gbcs;
}
