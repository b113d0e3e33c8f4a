/**
 * DspTestDouble: a TEST DOUBLE of the DCC DSP for the supplier's integration
 * tests, until the real DSP service (src/dcc/dsp) is wired in. It is not the
 * DSP: no user registry, no inventory beyond the RTDS estate, no WAN, no
 * DSP-4/5/6 logic. What it does do is real:
 *
 * - takes DUIS on `POST /api/v1/serviceS|serviceT|serviceD` (real loopback
 *   HTTP), verifies the supplier's XML signature with the real src/duis
 *   verifier (401 on failure, as the DSP would) and the CV's endpoint (E13);
 * - refuses a RequestID counter not above the last one (HTTP 409), except
 *   the CV 5/6/7 that follows the CV 4 it answered (same RequestID);
 * - builds the GBCS with the real DSP transform (src/dcc/dsp/transform) on
 *   the RTDS keystore: Commands with the ACB MAC, Pre-Commands, and checks
 *   Signed Pre-Commands (DSP-2);
 * - answers DSP-signed DUIS Responses (fixture DSP XML-signing key): I99
 *   for CV 1/5, I99 with LocalCommand for CV 3/7, I0 with LocalCommand for
 *   CV 2/6, I0 with PreCommand for CV 4, I0 for CV 8;
 * - on request of the test (`respond`), POSTs a DSP-signed asynchronous I0
 *   to the registered Receive Response Service URL.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  completeSignedPreCommandResult,
  DspTransformError,
  type TransformContext,
  transformServiceRequest,
} from '../../src/dcc/dsp/transform/index.ts';
import {
  buildDuisResponse,
  type CommandVariant,
  DuisError,
  type DuisNode,
  type DuisRequest,
  type DuisResponseCode,
  type DuisResponseInput,
  formatRequestId,
  isSignedPreCommandVariant,
  signDuisXml,
  signedPreCommand,
  verifyAndParseDuisRequest,
  type XmlSigner,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../../src/duis/index.ts';
import { rtdsContext } from './dsp-transform.ts';
import { DUIS_DIR } from './fixtures.ts';

const KEYS = join(DUIS_DIR, 'xml-sign-keys');

export const SUPPLIER_EUI = '90B3D51F30010000';
export const DSP_EUI = '90B3D51F30000002';

export function fixtureSupplierSigner(): XmlSigner {
  return xmlSigner(
    new Uint8Array(readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.key'))),
    readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
  );
}

export function fixtureDspSigner(): XmlSigner {
  return xmlSigner(
    new Uint8Array(readFileSync(join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.key'))),
    readFileSync(join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'), 'utf8'),
  );
}

/** The DSP's XML-signing certificate as a trust store (what the supplier trusts). */
export function fixtureDspTrust(): XmlSigningCertificateStore {
  return new XmlSigningCertificateStore([
    readFileSync(join(KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'), 'utf8'),
  ]);
}

/** Another party's signer: a forgery as far as the supplier is concerned. */
export function fixtureOtherSigner(): XmlSigner {
  return xmlSigner(
    new Uint8Array(readFileSync(join(KEYS, 'xml-sign-90B3D51F30020000-ds.key'))),
    readFileSync(join(KEYS, 'xml-sign-90B3D51F30020000-ds.pem'), 'utf8'),
  );
}

export interface DoubleRequest {
  endpoint: string;
  requestId: string;
  cv: CommandVariant;
  srv: string;
  httpStatus: number;
  code?: DuisResponseCode;
  /** GBCS the double produced (Command, Local Command or Pre-Command), hex. */
  gbcs?: string;
}

const ENDPOINT_CVS: Record<string, readonly CommandVariant[]> = {
  serviceS: [1, 3, 5, 7],
  serviceT: [4],
  serviceD: [2, 6, 8],
};

export class DspTestDouble {
  readonly requests: DoubleRequest[] = [];
  /** RequestID -> what was issued for it. */
  readonly issued = new Map<
    string,
    { srv: string; cv: CommandVariant; command?: Uint8Array; preCommand?: Uint8Array }
  >();
  receiveUrl: string | undefined;
  /** Set to make the next synchronous answers fail at the HTTP level (tests of refusals). */
  failNext: { status: number; body: string } | undefined;
  private readonly lastCounter = new Map<string, bigint>();
  private readonly trust: XmlSigningCertificateStore;
  private readonly signer = fixtureDspSigner();
  private readonly ctx: TransformContext;
  private readonly now: () => number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    o: { now?: () => number },
  ) {
    this.trust = new XmlSigningCertificateStore([
      readFileSync(join(KEYS, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
    ]);
    this.ctx = rtdsContext();
    this.now = o.now ?? Date.now;
  }

  static async start(o: { now?: () => number } = {}): Promise<DspTestDouble> {
    let self: DspTestDouble | undefined;
    const server = createServer((req, res) => {
      void self!.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      self = new DspTestDouble(server, `http://127.0.0.1:${port}`, o);
    } catch (err) {
      server.close();
      throw err;
    }
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests received for `requestId` (text form). */
  requestsFor(requestId: string): DoubleRequest[] {
    return this.requests.filter((r) => r.requestId === requestId);
  }

  /** A DSP-signed DUIS Response. */
  signedResponse(input: DuisResponseInput, signer: XmlSigner = this.signer): string {
    return signDuisXml(buildDuisResponse(input), signer);
  }

  /** POSTs `xml` to the registered Receive Response Service. */
  async post(xml: string): Promise<{ status: number; body: string }> {
    if (!this.receiveUrl) throw new Error('DspTestDouble: no receive URL registered');
    const res = await fetch(this.receiveUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    return { status: res.status, body: await res.text() };
  }

  /** The asynchronous device response for `requestId` (I0 with the device's GBCS), DSP-signed, POSTed to the user. */
  async respond(
    requestId: string,
    o: { code?: DuisResponseCode; gbcs?: Uint8Array; signer?: XmlSigner } = {},
  ): Promise<{ status: number; body: string }> {
    const issued = this.issued.get(requestId);
    if (!issued) throw new Error(`DspTestDouble: nothing issued for ${requestId}`);
    const [originator, target, counter] = requestId.split(':');
    const rid = {
      originator: originator.replace(/-/g, ''),
      target: target.replace(/-/g, ''),
      counter: BigInt(counter),
    };
    const xml = this.signedResponse(
      {
        header: {
          requestId: rid,
          responseId: { originator: rid.target, target: rid.originator, counter: rid.counter },
          responseCode: o.code ?? 'I0',
          responseDateTime: new Date(this.now()),
        },
        body: {
          kind: 'ResponseMessage',
          serviceReference: issued.srv.split('.').slice(0, 2).join('.'),
          serviceReferenceVariant: issued.srv,
          ...(o.gbcs ? { payload: { type: 'GBCSPayload' as const, gbcs: o.gbcs } } : {}),
        },
      },
      o.signer ?? this.signer,
    );
    return this.post(xml);
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const m = /^\/api\/v1\/(serviceS|serviceT|serviceD)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return void res.writeHead(404).end();
    const endpoint = m[1];
    if (this.failNext) {
      const f = this.failNext;
      this.failNext = undefined;
      return void res.writeHead(f.status, { 'content-type': 'text/plain' }).end(f.body);
    }
    let request: DuisRequest;
    try {
      request = verifyAndParseDuisRequest(body, this.trust, { at: new Date(this.now()) }).request;
    } catch (err) {
      const status = err instanceof DuisError && /SIGN/.test(err.code) ? 401 : 400;
      return void res.writeHead(status, { 'content-type': 'text/plain' }).end(String((err as Error).message));
    }
    const h = request.header;
    const rid = formatRequestId(h.requestId);
    const cv = h.commandVariant;
    const rec: DoubleRequest = {
      endpoint,
      requestId: rid,
      cv,
      srv: h.serviceReferenceVariant,
      httpStatus: 200,
    };
    this.requests.push(rec);
    const answer = (code: DuisResponseCode, payload?: DuisResponseInput['body']): void => {
      rec.code = code;
      const xml = this.signedResponse({
        header: { requestId: h.requestId, responseCode: code, responseDateTime: new Date(this.now()) },
        body: payload ?? {
          kind: 'ResponseMessage',
          serviceReference: h.serviceReference,
          serviceReferenceVariant: h.serviceReferenceVariant,
        },
      });
      res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
    };
    const refuse = (status: number, text: string): void => {
      rec.httpStatus = status;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    };
    if (!ENDPOINT_CVS[endpoint].includes(cv)) return answer('E13');
    // Counter: strictly increasing per user; CV 5/6/7 reuse the counter of the CV 4 they complete.
    const last = this.lastCounter.get(h.requestId.originator);
    const completes = isSignedPreCommandVariant(cv) && this.issued.get(rid)?.cv === 4;
    if (!completes && last !== undefined && h.requestId.counter <= last)
      return refuse(409, `Request ID counter ${h.requestId.counter} is not greater than ${last}`);
    this.lastCounter.set(
      h.requestId.originator,
      h.requestId.counter > (last ?? 0n) ? h.requestId.counter : last!,
    );
    try {
      const msg = (extra?: {
        type: 'LocalCommand' | 'PreCommand';
        gbcs: Uint8Array;
      }): DuisResponseInput['body'] => ({
        kind: 'ResponseMessage',
        serviceReference: h.serviceReference,
        serviceReferenceVariant: h.serviceReferenceVariant,
        ...(extra
          ? {
              payload:
                extra.type === 'PreCommand'
                  ? { type: 'PreCommand' as const, gbcsVersion: '4.0', gbcs: extra.gbcs }
                  : { type: 'LocalCommand' as const, gbcs: extra.gbcs },
            }
          : {}),
      });
      if (cv === 8) {
        this.issued.set(rid, { srv: h.serviceReferenceVariant, cv });
        return answer('I0');
      }
      if (cv === 4) {
        const t = transformServiceRequest(request, this.ctx);
        this.issued.set(rid, { srv: h.serviceReferenceVariant, cv, preCommand: t.gbcs });
        rec.gbcs = Buffer.from(t.gbcs).toString('hex').toUpperCase();
        return answer('I0', msg({ type: 'PreCommand', gbcs: t.gbcs }));
      }
      let command: Uint8Array;
      if (isSignedPreCommandVariant(cv)) {
        const issued = this.issued.get(rid);
        const r = completeSignedPreCommandResult(
          signedPreCommand(request.body as DuisNode).gbcsPayload,
          this.ctx,
          {
            requestId: h.requestId,
            srv: h.serviceReferenceVariant,
            ...(issued?.preCommand ? { issuedPreCommand: issued.preCommand } : {}),
          },
        );
        command = r.gbcs;
      } else command = transformServiceRequest(request, this.ctx).gbcs;
      this.issued.set(rid, { srv: h.serviceReferenceVariant, cv, command });
      rec.gbcs = Buffer.from(command).toString('hex').toUpperCase();
      if (cv === 1 || cv === 5) return answer('I99');
      if (cv === 3 || cv === 7) return answer('I99', msg({ type: 'LocalCommand', gbcs: command }));
      return answer('I0', msg({ type: 'LocalCommand', gbcs: command }));
    } catch (err) {
      if (err instanceof DspTransformError) {
        if (err.responseCode) return answer(err.responseCode);
        return refuse(err.httpStatus, err.message);
      }
      return refuse(500, String(err));
    }
  }
}
