/**
 * Test support for the DSP service: the RTDS estate as inventory, the
 * fixture XML-signing keys (supplier, network operator, DSP), DUIS templates
 * re-signed with the test key and their counters adjusted, device responses
 * built for the commands the DSP sent, a recording ResponseTransport, and a
 * DSP opened on a fresh test store under a VirtualClock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTestStore, type StoreKind, type TestStore } from '../../src/adapters/store/testing.ts';
import {
  type DspService,
  DspService as DspServiceClass,
  type DspServiceOptions,
  type ResponseTransport,
  type RunningDspHttp,
  startDspHttp,
} from '../../src/dcc/dsp/index.ts';
import {
  buildDuisRequest,
  type CommandVariant,
  type DuisNode,
  formatDateTime,
  signDuisXml,
  type XmlSigner,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../../src/duis/index.ts';
import {
  decodeMessage,
  encodeApdu,
  type GbcsMessage,
  loadKeyStoreDir,
  type MemoryKeyStore,
  SecurityContext,
} from '../../src/gbcs/index.ts';
import { type Eui, euiToDuis } from '../../src/runtime/bytes.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import { CspDownlinkTestDouble } from './csp-downlink-test-double.ts';
import { templateXml } from './derived-templates.ts';
import { rtdsOrgCa } from './dsp-transform.ts';
import { DUIS_DIR, RTDS_KEYSTORE, RTDS_MESSAGES } from './fixtures.ts';

export const XML_KEYS = join(DUIS_DIR, 'xml-sign-keys');
export const TEMPLATES = join(DUIS_DIR, 'templates');

export const SUPPLIER: Eui = '90B3D51F30010000';
export const NETWORK_OPERATOR: Eui = '90B3D51F30020000';
export const ACB: Eui = '90B3D51F30000002';
export const ESME: Eui = '00DB1234567890A0';
export const GSME: Eui = '00DB1234567890A1';
export const CHF: Eui = '00DB1234567890A2';
export const GPF: Eui = '00DB1234567890A3';
export const PPMID: Eui = '00DB1234567890A4';
export const CSP = 'csp-north';

const pem = (f: string) => readFileSync(join(XML_KEYS, f), 'utf8');
/** The fixture private keys are PKCS#8 DER. */
const der = (f: string) => new Uint8Array(readFileSync(join(XML_KEYS, f)));

export const SUPPLIER_XML_CERT = pem('xml-sign-90B3D51F30010000-ds.pem');
export const NETWORK_XML_CERT = pem('xml-sign-90B3D51F30020000-ds.pem');
export const DSP_XML_CERT = pem('dsp-xml-sign-90B3D51F30000002-ds.pem');
/** A third fixture XML-signing identity (00DB123456780004), for a user with other roles. */
export const OTHER_PARTY: Eui = '00DB123456780004';
export const OTHER_XML_CERT = pem('xml-sign-00DB123456780004-ds.pem');

export const supplierSigner: XmlSigner = xmlSigner(
  der('xml-sign-90B3D51F30010000-ds.key'),
  SUPPLIER_XML_CERT,
);
export const networkSigner: XmlSigner = xmlSigner(der('xml-sign-90B3D51F30020000-ds.key'), NETWORK_XML_CERT);
export const otherSigner: XmlSigner = xmlSigner(der('xml-sign-00DB123456780004-ds.key'), OTHER_XML_CERT);
export const dspSigner: XmlSigner = xmlSigner(der('dsp-xml-sign-90B3D51F30000002-ds.key'), DSP_XML_CERT);
/** Trust store a user holds to verify what the DSP signs. */
export const DSP_TRUST = new XmlSigningCertificateStore([DSP_XML_CERT]);

let keyStore: MemoryKeyStore | undefined;
/** The RTDS keystore (ACB KA private key, device certificates, users' DS/KA keys). Loaded once. */
export function rtdsKeys(): MemoryKeyStore {
  keyStore ??= loadKeyStoreDir(RTDS_KEYSTORE);
  return keyStore;
}

export const RTDS_INVENTORY = [
  { eui: ESME, deviceType: 'ESME', chf: CHF, csp: CSP, esmeVariant: 'single' },
  { eui: GSME, deviceType: 'GSME', chf: CHF, csp: CSP },
  { eui: CHF, deviceType: 'CHF', chf: CHF, csp: CSP },
  { eui: GPF, deviceType: 'GPF', chf: CHF, csp: CSP },
  { eui: PPMID, deviceType: 'PPMID', chf: CHF, csp: CSP },
  { eui: '00DB1234567890A5', deviceType: 'HCALCS', chf: CHF, csp: CSP },
  { eui: '00DB1234567890A6', deviceType: 'ESME', chf: '00DB1234567890B2', csp: 'csp-south' },
  { eui: '00DB1234567890B2', deviceType: 'CHF', chf: '00DB1234567890B2', csp: 'csp-south' },
] as const;

/** A template with its RequestID counter (and optionally CV and originator/target) replaced, re-signed. */
export function templateRequest(
  file: string,
  opts: {
    counter?: bigint;
    cv?: CommandVariant;
    signer?: XmlSigner;
    originator?: Eui;
    target?: Eui;
    /** Any other change to the XML before signing. */
    edit?: (xml: string) => string;
  } = {},
): string {
  let xml = templateXml(file);
  if (opts.edit) xml = opts.edit(xml);
  xml = xml.replace(/<sr:RequestID>([^<:]+):([^<:]+):(\d+)<\/sr:RequestID>/, (_m, o, t, c) => {
    const orig = opts.originator ? euiToDuis(opts.originator) : o;
    const targ = opts.target ? euiToDuis(opts.target) : t;
    return `<sr:RequestID>${orig}:${targ}:${opts.counter ?? c}</sr:RequestID>`;
  });
  if (opts.cv !== undefined)
    xml = xml.replace(
      /<sr:CommandVariant>\d<\/sr:CommandVariant>/,
      `<sr:CommandVariant>${opts.cv}</sr:CommandVariant>`,
    );
  return signDuisXml(xml, opts.signer ?? supplierSigner, { replaceExistingSignature: true });
}

/**
 * A template whose ExecutionDateTime lies before `now` (the DCC templates carry 2015 dates) moved to
 * `now` + `aheadMs`: the DSP refuses a past execution time (PROVISIONAL E30, src/dcc/dsp/execution-date.ts).
 * Later dates and the cancellation date 3000-12-31 are kept. For `templateRequest`'s `edit`.
 */
export function executionNotBefore(now: number, aheadMs = 86_400_000): (xml: string) => string {
  return (xml) =>
    xml.replace(/<sr:ExecutionDateTime>([^<]*)<\/sr:ExecutionDateTime>/g, (m, t: string) =>
      Date.parse(t) < now
        ? `<sr:ExecutionDateTime>${formatDateTime(new Date(now + aheadMs))}</sr:ExecutionDateTime>`
        : m,
    );
}

/** A request built from parts, signed. */
export function signedRequest(
  p: {
    originator?: Eui;
    target: Eui;
    counter: bigint;
    cv: CommandVariant;
    srv: string;
    body: DuisNode;
  },
  signer: XmlSigner = supplierSigner,
): string {
  const xml = buildDuisRequest(
    {
      header: {
        requestId: { originator: p.originator ?? SUPPLIER, target: p.target, counter: p.counter },
        commandVariant: p.cv,
        serviceReferenceVariant: p.srv,
      },
      body: p.body,
    },
    { checkCommandVariant: false },
  );
  return signDuisXml(xml, signer);
}

/** An RTDS message's bytes. */
export function rtds(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(join(RTDS_MESSAGES, name), 'utf8').trim(), 'hex'));
}

/**
 * The device's response to `command` (GBCS.md 2: originator and recipient
 * swapped, same counter, Message Code and supplementary party), with the
 * payload of an RTDS response, MAC'd with whichever KA private key the RTDS
 * keystore holds (the user's or the ACB's). Signed by nobody (non-critical).
 */
export function deviceResponse(
  command: Uint8Array,
  content: Uint8Array,
  security = rtdsSecurity(),
): Uint8Array {
  const cmd = decodeMessage(command);
  const apdu = encodeApdu({
    cra: 'response',
    originatorCounter: cmd.originatorCounter,
    originator: cmd.recipient,
    recipient: cmd.originator,
    otherInfo: cmd.otherInfo,
    content,
    signature: null,
  });
  return security.wrap(apdu);
}

/** The content (payload) of an RTDS response file. */
export function rtdsContent(name: string): Uint8Array {
  return decodeMessage(rtds(name)).content.slice();
}

export function rtdsSecurity(): SecurityContext {
  return new SecurityContext({ keyStore: rtdsKeys() });
}

export function decoded(b: Uint8Array): GbcsMessage {
  return decodeMessage(b);
}

/** An in-process Receive Response Service: records each POST; can be told to fail. */
export class RecordingTransport implements ResponseTransport {
  readonly posts: Array<{ url: string; xml: string }> = [];
  /** HTTP statuses to answer with next, in order (default 200). */
  readonly script: number[] = [];
  async post(url: string, xml: string): Promise<{ status: number }> {
    const status = this.script.shift() ?? 200;
    if (status === 0) throw new Error('connection refused (scripted)');
    if (status >= 200 && status < 300) this.posts.push({ url, xml });
    return { status };
  }
}

export const SUPPLIER_USER = {
  eui: SUPPLIER,
  name: 'RTDS supplier',
  roles: ['IS', 'GS'] as ('IS' | 'GS')[],
  xmlSigningCertificates: [SUPPLIER_XML_CERT],
  receiveUrl: 'http://127.0.0.1:9/receive',
};

export const NETWORK_USER = {
  eui: NETWORK_OPERATOR,
  name: 'RTDS network operator',
  roles: ['ED'] as 'ED'[],
  xmlSigningCertificates: [NETWORK_XML_CERT],
  receiveUrl: 'http://127.0.0.1:9/receive-no',
};

export interface TestDsp {
  dsp: DspService;
  clock: VirtualClock;
  store: TestStore;
  downlink: CspDownlinkTestDouble;
  transport: RecordingTransport;
  /** Reopens the DSP on the same store (a restart), closing the first. */
  restart(): Promise<DspService>;
  close(): Promise<void>;
}

/** A DSP on a fresh test store with the RTDS estate, the supplier and network operator registered. */
export async function openTestDsp(
  kind: StoreKind = 'sqlite',
  opts: Partial<DspServiceOptions> & { register?: boolean } = {},
): Promise<TestDsp> {
  const store = await openTestStore(kind);
  const clock = (opts.clock as VirtualClock | undefined) ?? new VirtualClock();
  const downlink = new CspDownlinkTestDouble();
  const transport = new RecordingTransport();
  const make = () =>
    DspServiceClass.open({
      clock,
      store,
      security: new SecurityContext({ keyStore: rtdsKeys() }),
      xmlSigner: dspSigner,
      downlink,
      transport,
      xsdValidation: false,
      // the RTDS SMKI Organisation CA (Z1): it issued the RTDS remote parties' certificates
      smkiOrgCas: [rtdsOrgCa()],
      ...opts,
    });
  let dsp = await make();
  if (opts.register !== false) {
    dsp.registerUser(SUPPLIER_USER);
    dsp.registerUser(NETWORK_USER);
    for (const d of RTDS_INVENTORY) dsp.setInventoryDevice({ ...d });
    await dsp.flush();
  }
  const t: TestDsp = {
    get dsp() {
      return dsp;
    },
    clock,
    store,
    downlink,
    transport,
    async restart() {
      await dsp.close();
      dsp = await make();
      return dsp;
    },
    async close() {
      await dsp.close();
      await store.close();
    },
  };
  return t;
}

export interface TestDspHttp {
  dsp: DspService;
  store: TestStore;
  http: RunningDspHttp;
  /** Stops the HTTP server, then closes the DSP and its store. */
  close(): Promise<void>;
}

/**
 * A DSP on a fresh test store (RTDS keys, the DSP's XML signer, XSD
 * validation as the DSP defaults it: on) with `users` registered and the
 * RTDS estate in its inventory, serving DUIS over HTTP on a free port.
 */
export async function openTestDspHttp(
  opts: Pick<DspServiceOptions, 'clock' | 'downlink' | 'transport'> & {
    users: readonly Parameters<DspService['registerUser']>[0][];
  },
): Promise<TestDspHttp> {
  const { users, ...rest } = opts;
  const store = await openTestStore('sqlite');
  const dsp = await DspServiceClass.open({
    ...rest,
    store,
    security: new SecurityContext({ keyStore: rtdsKeys() }),
    xmlSigner: dspSigner,
    smkiOrgCas: [rtdsOrgCa()],
  });
  for (const u of users) dsp.registerUser(u);
  for (const d of RTDS_INVENTORY) dsp.setInventoryDevice({ ...d });
  const http = await startDspHttp({ dsp, port: 0 });
  return {
    dsp,
    store,
    http,
    async close() {
      await http.close();
      await dsp.close();
      await store.close();
    },
  };
}
