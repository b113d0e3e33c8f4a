/**
 * The answers every meter gives, per payload family, when it does not run a
 * use case or cannot read its payload (docs/devices.md "Use-case handlers"):
 * built from the structure of the command alone, so they need no handler.
 *
 * - DLMS: an access-response with one result per request of the command
 *   (`object-unavailable` for a use case not run, `type-unmatched` for a
 *   payload that does not fit its row), the command's invoke-id echoed;
 * - GBZ: a ZCL Default Response per component (status UNSUP_CLUSTER_COMMAND
 *   / FAILURE), the component's sequence number echoed (RTDS PCS02 shape);
 * - ASN.1: INTEGER 3, the shape of the RTDS error responses of ASN.1 use
 *   cases (8.7.1_CS03A1, 6.17_CS02c).
 */
import { der, encodeDer } from '../../gbcs/payload/der.ts';
import {
  type AccessRequestSpec,
  type AccessResponseSpec,
  type DlmsAccessRequest,
  decodeDlmsApdu,
  dlms,
  encodeDlmsApdu,
  gbcsInvokeId,
} from '../../gbcs/payload/dlms.ts';
import {
  decodeGbz,
  encodeGbz,
  GBZ_PROFILE_ID,
  type GbzPayload,
  gbzComponent,
  gbzPayload,
} from '../../gbcs/payload/gbz.ts';
import { zcl } from '../../gbcs/payload/zcl.ts';
import type { PayloadFormat } from '../../gbcs/use-cases/index.ts';
import { ASN1_UNSUPPORTED_RESULT } from './response-shape.ts';

/** DLMS Data-Access-Result / Action-Result codes of the structural answers (Green Book). */
export const DLMS_RESULT = {
  success: 0,
  hardwareFault: 1,
  objectUnavailable: 11,
  typeUnmatched: 12,
} as const;

/** ZCL status codes of the structural answers (ZCL 2.5.3). */
export const ZCL_STATUS = { failure: 0x01, unsupClusterCommand: 0x81 } as const;

/** Default Response frame control: general, server to client (RTDS PCS02). */
const FC_GENERAL_TO_CLIENT = 0x08;

export type StructuralAnswer = 'unsupported' | 'malformed';

/**
 * The payload of the answer to a command of `family` that is not run
 * (`unsupported`) or does not fit its row (`malformed`). `counter` gives the
 * DLMS invoke-id when the bytes are not even a DLMS request.
 */
export function structuralAnswer(
  family: PayloadFormat | undefined,
  kind: StructuralAnswer,
  content: Uint8Array,
  counter: bigint,
): Uint8Array {
  switch (family) {
    case 'gbz':
      return gbzDefaultResponses(
        structuralGbz(content),
        kind === 'unsupported' ? ZCL_STATUS.unsupClusterCommand : ZCL_STATUS.failure,
      );
    case 'asn1':
      return encodeDer(der.integer(ASN1_UNSUPPORTED_RESULT));
    default: {
      const req = structuralDlms(content);
      const result = kind === 'unsupported' ? DLMS_RESULT.objectUnavailable : DLMS_RESULT.typeUnmatched;
      return req
        ? dlmsFailAll(req, result)
        : encodeDlmsApdu({
            apdu: 'access-response',
            invoke: gbcsInvokeId(counter),
            dateTime: new Uint8Array(0),
            data: [],
            results: [],
          });
    }
  }
}

/** The DLMS access-request in `content`, or null when it is not one. */
export function structuralDlms(content: Uint8Array): DlmsAccessRequest | null {
  try {
    const apdu = decodeDlmsApdu(content);
    return apdu.apdu === 'access-request' ? apdu : null;
  } catch {
    return null;
  }
}

/** Every request of a DLMS command answered with one result, no data. */
export function dlmsFailAll(req: DlmsAccessRequest, result: number): Uint8Array {
  return encodeDlmsApdu({
    apdu: 'access-response',
    invoke: req.invoke,
    dateTime: new Uint8Array(0),
    data: req.requests.map(() => dlms.null()),
    results: req.requests.map((s) => ({ kind: responseKind(s), result })),
  });
}

function responseKind(s: AccessRequestSpec): AccessResponseSpec['kind'] {
  return s.kind === 'get-with-selection' ? 'get' : s.kind === 'set-with-selection' ? 'set' : s.kind;
}

function structuralGbz(content: Uint8Array): GbzPayload | null {
  try {
    return decodeGbz(content, false);
  } catch {
    return null;
  }
}

/** A ZCL Default Response (ZCL 2.5.12) per component of a GBZ command. */
export function gbzDefaultResponses(p: GbzPayload | null, status: number): Uint8Array {
  const comps = (p?.components ?? []).map((c) =>
    gbzComponent(
      c.clusterId,
      { frameControl: FC_GENERAL_TO_CLIENT, sequence: c.header.sequence, commandId: 0x0b },
      zcl.defaultResponse(c.header.commandId, status),
    ),
  );
  if (comps.length === 0) return encodeGbz({ profileId: GBZ_PROFILE_ID, componentCount: 0, components: [] });
  return encodeGbz(gbzPayload(comps));
}
