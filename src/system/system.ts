/**
 * The running system: every party of SECMP0038 composed into one process (or
 * a chosen subset of them, the rest reached over the network, ARCHITECTURE
 * "Scaling out"):
 *
 *   supplier service ──DUIS/HTTP──▶ DSP ──CspDownlink──▶ CSP SM WAN ──▶ CHs of the estate
 *        │  ◀── Receive Response POST ──┘ ◀─DspDeviceMessageSink─┘  └─ChmMessageSink─▶ CHM
 *        └──MQTT/TLS (envelopes, status reports)──▶ enhanced PPMIDs ──HAN──▶ CH ──▶ meters
 *
 * The same code builds the live system (`ppmid-relay up`: SystemClock,
 * HTTP, embedded MQTT broker with TLS client certificates, SQLite under the
 * data directory) and the test and benchmark systems (VirtualClock,
 * `transport: 'in-process'`): one path, not two.
 *
 * Stopping closes everything in order: the workload, the servers (no new
 * requests), the PPMIDs (snapshots kept) and their links, the supplier (its
 * dispatches and write-behind tracker flushed), the DSP (journal flushed),
 * the CHM (its queue drained), the internet (links, then the embedded
 * broker), every timer, and the store.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { installHttpGuard } from '../adapters/http/guard.ts';
import {
  InProcessInternet,
  type Internet,
  type InternetLink,
  type OpenedInternet,
  openInternet,
  supplierClientId,
} from '../adapters/mqtt/index.ts';
import { csrClientCredentials, TestPki } from '../adapters/pki/index.ts';
import { migrate, openStore, type Store } from '../adapters/store/index.ts';
import {
  FilePostJournal,
  HttpCspDownlink,
  HttpUplinkSink,
  startWanLinkEndpoint,
  startWanLinkServer,
  type WanLinkKeys,
} from '../adapters/wan-link/index.ts';
import type { ChmDownlink } from '../dcc/chm/chm.ts';
import { Chm } from '../dcc/chm/chm.ts';
import { CHM_PUBLIC_PATHS, type RunningChmServer, startChmServer } from '../dcc/chm/http.ts';
import type { CspDownlink } from '../dcc/contracts.ts';
import { issueAndLogSetChTime } from '../dcc/dsp/ch-time-desk.ts';
import { DSP_PUBLIC_PATHS, DSP_TLS_CLIENT_ID } from '../dcc/dsp/http.ts';
import {
  DspService,
  fetchResponseTransport,
  LocalDeliveryExporter,
  type RunningDspHttp,
  startDspHttp,
} from '../dcc/dsp/index.ts';
import { FileDownlinkJournal } from '../dcc/wan/downlink-journal.ts';
import { SmWan } from '../dcc/wan/sm-wan.ts';
import { XmlSigningCertificateStore } from '../duis/index.ts';
import { SecurityContext } from '../gbcs/index.ts';
import { type Clock, SystemClock } from '../runtime/clock.ts';
import { tlsFetch } from '../runtime/https-client.ts';
import { Logger } from '../runtime/logger.ts';
import { Metrics } from '../runtime/metrics.ts';
import { ensurePrivateDir, makeTreePrivate, OperatorRegistry } from '../runtime/operators.ts';
import { SeededRandom } from '../runtime/random.ts';
import { Estate } from '../sim/estate.ts';
import { type EstatePlan, formatWanMix, planDeviceEuis, planEstate, planFingerprint } from '../sim/plan.ts';
import type { PpmidInternetPort, SupplierPort } from '../sim/ports.ts';
import { Workload } from '../sim/workload.ts';
import { HttpChTimePort } from '../supplier/ch-time-client.ts';
import { DuisClient, HttpDuisTransport } from '../supplier/duis-client.ts';
import {
  buildSupplierApp,
  DEFAULT_RECEIVE_PATH,
  type SupplierHttp,
  supplierPublicPaths,
} from '../supplier/http.ts';
import type { PremisesDevice } from '../supplier/model.ts';
import { attachReceiveTls, type ReceiveTlsOptions, tlsReceiveUrl } from '../supplier/receive-tls.ts';
import { HttpRelayRegistrar } from '../supplier/relay-registrar.ts';
import { SupplierService } from '../supplier/service.ts';
import {
  EstateObserver,
  registerSupplierConsole,
  SUPPLIER_CONSOLE_PREFIX,
  type SupplierConsoleLinks,
} from '../web/supplier/index.ts';
import {
  DEFAULT_DSP_LOG_PERIOD_MS,
  listenedPorts,
  type ResolvedConfig,
  resolveConfig,
  type SystemOptions,
} from './config.ts';
import { GatedClock } from './gated-clock.ts';
import { openSystemKeys, SYSTEM_PARTIES, type SystemKeys } from './keys.ts';
import { checkPortsFree, describeListenError } from './port-check.ts';
import {
  DeferredDuisTransport,
  HttpSupplierPort,
  InProcessPpmidInternet,
  InProcessSupplierPort,
  inProcessDuisTransport,
  inProcessResponseTransport,
  MqttPpmidInternet,
  SystemError,
} from './ports.ts';
import {
  type RunningStartPage,
  START_PAGE_PUBLIC_PATHS,
  START_PAGE_TEST_PATHS,
  startStartPage,
} from './start-page.ts';

const log = Logger.get('system');

/** What the system keeps in its data directory (only these are made private: the directory may hold other things). */
const DATA_DIR_ENTRIES =
  /^(ppmid-relay\.sqlite.*|keys|pki|credentials|estate|csp|wan-link|dsp-local-delivery)$/;

/** The URLs of every console and API the process serves. */
export interface SystemUrls {
  start?: string;
  dsp?: string;
  chm?: string;
  chmDashboard?: string;
  supplier?: string;
  supplierReceive?: string;
  supplierConsole?: string;
  mqtt?: string;
  /** The WAN link (split deployments): the SM WAN's server in the estate process, or the DSP/CHM endpoint. */
  wanLink?: string;
}

export interface RunningSystem {
  readonly config: ResolvedConfig;
  readonly clock: Clock;
  readonly plan: EstatePlan;
  readonly keys: SystemKeys;
  readonly store: Store;
  readonly urls: SystemUrls;
  readonly wan: SmWan | undefined;
  readonly dsp: DspService | undefined;
  readonly chm: Chm | undefined;
  /** The supplier service running now (a restart replaces it). */
  readonly supplier: SupplierService | undefined;
  /** The estate's view of the supplier (in process or over HTTP). */
  readonly supplierPort: SupplierPort | undefined;
  readonly estate: Estate | undefined;
  readonly internet: Internet | undefined;
  /** The MQTT transport PKI (embedded broker, or mqtts:// external broker). */
  readonly pki: TestPki | undefined;
  /** Resolves once every PPMID has been provisioned (or failed: the failures). */
  readonly provisioned: Promise<Array<{ premisesId: string; error: string }>>;
  readonly workload: Workload | undefined;
  readonly metrics: Metrics;
  /**
   * The operators of the control planes (issue 13): `<data-dir>/credentials`
   * (created, and `operators.created` filled, on the first start), in memory
   * when ephemeral.
   */
  readonly operators: OperatorRegistry;
  /** Stops everything (idempotent). */
  stop(): Promise<void>;
  /**
   * Stops the supplier service (a crash unless `graceful`), runs `whileDown`,
   * and starts it again on the same store, MQTT session and HTTP port (SU-2
   * restart: every open command resumes).
   */
  restartSupplier(o?: {
    graceful?: boolean;
    whileDown?: () => Promise<void> | void;
  }): Promise<SupplierService>;
}

/** Starts the system (or the parties named in `opts.parties`). */
export async function startSystem(opts: SystemOptions = {}): Promise<RunningSystem> {
  const config = resolveConfig(opts);
  // Before any key is generated or file opened: every busy port at once, named (issue 14).
  await checkPortsFree(config, listenedPorts(config));
  const clock = new GatedClock(opts.clock ?? new SystemClock());
  const metrics = new Metrics();
  const random = new SeededRandom(`system:${config.seed}`);
  const has = (p: 'dsp' | 'chm' | 'supplier' | 'estate') => config.parties.has(p);
  const inProcess = config.transport === 'in-process';
  const closers: Array<[string, () => Promise<void> | void]> = [];
  const urls: SystemUrls = {};
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const [what, close] of closers.reverse()) {
        try {
          await close();
        } catch (err) {
          log.warn(`stopping ${what} failed`, { error: err instanceof Error ? err.message : String(err) });
        }
      }
      clock.stop();
      log.info('stopped');
    })();
    return stopping;
  };

  try {
    const plan = planEstate({
      homes: config.homes,
      mix: config.wanMix,
      seed: config.seed,
      hcalcsShare: config.hcalcsShare,
    });
    log.info('estate plan', {
      homes: plan.homes.length,
      wanMix: formatWanMix(config.wanMix),
      seed: config.seed,
      fingerprint: planFingerprint(plan),
    });
    // Issue 13: the data directory is private (0700); secrets in it are 0600.
    // A process that keeps a data directory creates nothing others may read (SQLite and its
    // WAL, keys, PKI, PPMID snapshots, DSP-4 exports): umask 077, and older files made private.
    if (!config.ephemeral) {
      process.umask(0o077);
      ensurePrivateDir(config.dataDir);
      for (const name of readdirSync(config.dataDir))
        if (DATA_DIR_ENTRIES.test(name)) makeTreePrivate(join(config.dataDir, name));
    }
    const operators = config.ephemeral
      ? OperatorRegistry.ephemeral()
      : OperatorRegistry.open(join(config.dataDir, 'credentials'));
    /** The operator guard of a control-plane server (src/adapters/http/guard.ts). */
    const guard =
      (publicPaths: readonly (string | RegExp)[], testPaths: readonly (string | RegExp)[] = []) =>
      (app: FastifyInstance) =>
        installHttpGuard(app, {
          operators,
          bindHost: config.host,
          publicPaths,
          testPaths,
          testApi: config.testApi,
          metrics,
        });
    /** The WAN link keys of both sides (split deployments share the data directory's credentials). */
    const wanLinkKeys: WanLinkKeys = {
      key: (peer) => operators.deriveKey(`wan-link:${peer}`),
    };
    const keys = await openSystemKeys({
      dir: config.ephemeral ? undefined : join(config.dataDir, 'keys'),
      devices: planDeviceEuis(plan),
    });

    // ------------------------------------------------------------ store
    const store = await openStore(
      config.ephemeral && !config.databaseUrl
        ? { databaseUrl: 'sqlite::memory:' }
        : { databaseUrl: config.databaseUrl, dataDir: config.dataDir },
    );
    closers.push(['store', () => store.close()]);
    await migrate(store);
    log.info('store', { location: store.location, dialect: store.dialect });

    // ------------------------------------------------------------ internet leg (PP-1)
    let internet: Internet | undefined;
    let opened: OpenedInternet | undefined;
    let ppmidInternet: PpmidInternetPort | undefined;
    if (has('supplier') || has('estate')) {
      if (inProcess) {
        internet = new InProcessInternet({ clock, latencyMs: opts.internetLatencyMs ?? 50 });
        ppmidInternet = new InProcessPpmidInternet(internet);
      } else {
        opened = await openInternet({
          mqttUrl: config.mqttUrl,
          // the embedded broker of another process speaks MQTT 3.1.1 (aedes): MQTT_PROTOCOL_VERSION=4
          protocolVersion:
            opts.mqttProtocolVersion ?? (process.env.MQTT_PROTOCOL_VERSION === '4' ? 4 : undefined),
          dataDir: config.dataDir,
          crlFile: process.env.MQTT_CRL_FILE || undefined,
          host: config.host,
          tlsPort: config.ports.mqtt,
        });
        internet = opened.internet;
        const mpi = new MqttPpmidInternet(opened.internet);
        ppmidInternet = mpi;
        closers.push(['PPMID links', () => mpi.close()]);
        urls.mqtt = opened.internet.url;
        if (config.mqttUrl?.startsWith('mqtt:'))
          log.warn(
            'MQTT_URL is plain mqtt://: TLS client certificates are NOT used on the internet leg (PP-1 asks for MQTT over TLS with a per-device certificate)',
            { mqttUrl: config.mqttUrl },
          );
        else log.info('internet leg', { url: opened.internet.url, embedded: !!opened.broker });
      }
      const net = internet;
      closers.push(['internet', () => net.close()]);
    }

    // ------------------------------------------------------------ CSP SM WAN (CSP-1)
    // The SM WAN lives with the estate (the CHs it serves). A DSP or CHM without the estate
    // reaches it over the WAN link (src/adapters/wan-link).
    const remoteWan = !has('estate') && (has('dsp') || has('chm'));
    if (remoteWan && !opts.remote?.wanUrl)
      throw new SystemError(
        'SYSTEM_CONFIG',
        'the DSP and the CHM need the SM WAN: run the estate here or give --wan-url',
      );
    const wan = has('estate')
      ? new SmWan({
          clock,
          random: random.fork('wan'),
          config: { wanProvider: SYSTEM_PARTIES.wanProvider, ...(opts.wan ?? {}) },
          // the CSP keeps its downlink queues across a crash (issue 13)
          ...(config.ephemeral
            ? {}
            : { journal: new FileDownlinkJournal(join(config.dataDir, 'csp', 'downlink')) }),
        })
      : undefined;
    const httpDownlink = remoteWan
      ? new HttpCspDownlink({
          wanUrl: opts.remote!.wanUrl!,
          clock,
          metrics,
          keys: wanLinkKeys,
          // commands not yet taken by the SM WAN's process survive a crash of this one (issue 13)
          ...(config.ephemeral
            ? {}
            : {
                journal: new FilePostJournal(
                  join(config.dataDir, 'wan-link', `downlink-${[...config.parties].sort().join('-')}.jsonl`),
                ),
              }),
        })
      : undefined;
    if (httpDownlink) closers.push(['WAN link', () => httpDownlink.close()]);
    /** What the DSP and the CHM send through: the SmWan here, or the one of the estate process. */
    const downlink = (wan ?? httpDownlink) as (CspDownlink & ChmDownlink) | undefined;

    // What the simulated homes did with each supplier command, for the supplier console.
    const observer = new EstateObserver({ originators: [SYSTEM_PARTIES.supplier] });

    // ------------------------------------------------------------ supplier (SU-1..SU-3)
    let supplier: SupplierService | undefined;
    let supplierLink: InternetLink | undefined;
    let supplierHttp: SupplierHttp | undefined;
    let dsp: DspService | undefined;
    const dspTransport = new DeferredDuisTransport();
    // The DCC User Interface over TLS (issue 13): the DSP serves DUIS on https with a server
    // certificate of a DCC User Interface test CA and asks each user for its client certificate
    // (CN = the user's EUI, the identity its DUIS requests are signed with).
    const duisPki =
      !inProcess && (has('dsp') || has('supplier'))
        ? await TestPki.open({
            dir: config.ephemeral ? undefined : join(config.dataDir, 'keys', 'duis-tls'),
            caName: 'ppmid-relay DCC User Interface test CA',
          })
        : undefined;
    const supplierDuisFetch = duisPki
      ? tlsFetch({
          // the supplier's own key; the DCC's CA signs its CSR (issue 13, as SU-3 for a PPMID)
          ...(await csrClientCredentials(duisPki, SYSTEM_PARTIES.supplier, {
            unit: 'DCC User',
            ...(config.ephemeral ? {} : { dir: join(config.dataDir, 'keys', 'duis-user') }),
          })),
          caPem: duisPki.caCertPem,
        })
      : undefined;
    if (supplierDuisFetch) closers.push(['DUIS TLS client', () => supplierDuisFetch.close()]);
    // ... and the other direction: the DSP POSTs Responses to the supplier's Receive Response
    // Service with its own client certificate (CN DSP_TLS_CLIENT_ID), https only.
    const dspReceiveFetch =
      duisPki && has('dsp')
        ? tlsFetch({
            ...(await duisPki.clientCredentials(DSP_TLS_CLIENT_ID, 'DCC')),
            caPem: duisPki.caCertPem,
          })
        : undefined;
    if (dspReceiveFetch) closers.push(['DSP receive TLS client', () => dspReceiveFetch.close()]);
    // The supplier's signed calls to the DSP's own HTTP routes (C3 relay flag, PROVISIONAL Set CH Time).
    const dspDeskClient = {
      dspUrl: () => {
        const u = urls.dsp ?? opts.remote?.dspUrl;
        if (!u)
          throw new SystemError('SYSTEM_CONFIG', 'the supplier needs the DSP: run it here or give --dsp-url');
        return u;
      },
      supplierEui: SYSTEM_PARTIES.supplier,
      privateKey: keys.xml.supplier.signer.privateKey,
      clock,
      ...(supplierDuisFetch ? { fetch: supplierDuisFetch as typeof fetch } : {}),
    };
    const httpRegistrar = new HttpRelayRegistrar(dspDeskClient);
    const httpChTime = new HttpChTimePort(dspDeskClient);
    /** Starts the supplier service (and its HTTP server on `port`); also what a restart runs again. */
    const launchSupplier = async (port: number): Promise<void> => {
      supplierLink = internet ? await internet.connect(supplierClientId(SYSTEM_PARTIES.supplier)) : undefined;
      const duis = new DuisClient({
        supplierEui: SYSTEM_PARTIES.supplier,
        signer: keys.xml.supplier.signer,
        dspTrust: new XmlSigningCertificateStore([keys.xml.dsp.certificatePem]),
        dspEui: SYSTEM_PARTIES.acb,
        transport: inProcess ? inProcessDuisTransport(() => dsp!) : dspTransport,
        clock,
      });
      const s = await SupplierService.start({
        supplierEui: SYSTEM_PARTIES.supplier,
        clock,
        store,
        duis,
        security: new SecurityContext({
          keyStore: keys.holding([SYSTEM_PARTIES.supplier]),
          acb: SYSTEM_PARTIES.acb,
        }),
        deliveryKey: keys.supplierDeliveryKey,
        internet: supplierLink,
        pki: opened?.pki,
        // SU-3 / C3: the relay flag reaches the DSP before the 8.11 Add: a direct call to a DSP
        // in this process, the DSP's signed HTTP route otherwise (split deployments).
        relayRegistrar: {
          setRelayFlag: async (ppmid, chf, enabled) => {
            if (dsp) return dsp.setRelayEnabled(ppmid, enabled);
            if (inProcess) throw new SystemError('SYSTEM_CONFIG', 'no DSP to register the relay flag with');
            return httpRegistrar.setRelayFlag(ppmid, chf, enabled);
          },
        },
        // SECMP0038 3.1.1 (PROVISIONAL): the DCC's Set CH Time for a CH without WAN, from the DSP in
        // this process, or over the DSP's signed route (ch-time-desk.ts) from one in another process.
        chTime: {
          issueSetChTime: ({ chf, userCounter }) => {
            if (dsp)
              return issueAndLogSetChTime(dsp, { user: SYSTEM_PARTIES.supplier, chf, userCounter }).gbcs;
            if (inProcess) throw new SystemError('SYSTEM_CONFIG', 'Set CH Time needs a DSP');
            return httpChTime.issueSetChTime({ chf, userCounter });
          },
        },
        random: random.fork(`supplier:${clock.now()}`),
        config: opts.supplier,
      });
      supplier = s;
      for (const h of plan.homes) {
        // SU-1 from day one: the installer's CH status report (DUIS 8.14.1 / 8.14.2) as planned.
        const smWanAtInstall = h.wanClass === 'none' ? 'none' : 'connected';
        const known = s.getPremises(h.premisesId);
        // the meters, then the GPF in the CH (GPF-targeted SRs: 8.12.2, the GCS13a/GCS14 reads ...), then the
        // PPMID (PPMID-targeted SRs: 8.7.2 join, 8.8.2 unjoin, 11.2 read firmware version, 6.x credentials),
        // as the DSP inventory holds them (registerEstateWithDsp)
        const devices: PremisesDevice[] = [
          { eui: h.esme, type: 'ESME' },
          { eui: h.gsme, type: 'GSME' },
          { eui: h.gpf, type: 'GPF' },
          { eui: h.ppmid, type: 'PPMID' },
        ];
        // a premises recorded before all of them were listed gets them, its installation record kept
        if (known?.installation && devices.every((d) => known.devices.some((k) => k.eui === d.eui))) continue;
        await s.putPremises({
          id: h.premisesId,
          name: h.name,
          chf: h.chf,
          devices,
          ...(known?.installation ? {} : { smWanAtInstall }),
        });
      }
      if (!inProcess) {
        const sh = await listenSupplier(s, {
          host: config.host,
          port,
          links: () => ({ startPage: urls.start, chmDashboard: urls.chmDashboard }),
          observer: has('estate') ? observer : undefined,
          guard: guard(supplierPublicPaths()),
          ...(duisPki
            ? {
                receiveTls: {
                  certPem: duisPki.server.certPem,
                  keyPem: duisPki.server.keyPem,
                  caPem: duisPki.caCertPem,
                  peers: [DSP_TLS_CLIENT_ID],
                },
              }
            : {}),
        });
        supplierHttp = sh;
        urls.supplier = sh.url;
        urls.supplierReceive = sh.receiveUrl;
        urls.supplierConsole = `${sh.url}${SUPPLIER_CONSOLE_PREFIX}/`;
      }
    };
    /** Stops the supplier: `graceful` waits for its dispatches and writes; otherwise a crash (nothing flushed). */
    const haltSupplier = async (graceful: boolean): Promise<void> => {
      const sh = supplierHttp;
      const s = supplier;
      const l = supplierLink;
      supplierHttp = undefined;
      supplier = undefined;
      supplierLink = undefined;
      await sh?.close();
      await s?.close({ graceful });
      await l?.close();
    };
    if (has('supplier')) {
      await launchSupplier(config.ports.supplier);
      closers.push(['supplier', () => haltSupplier(true)]);
    }

    // ------------------------------------------------------------ DSP (DSP-1..DSP-6)
    let dspHttp: RunningDspHttp | undefined;
    if (has('dsp')) {
      if (!downlink) throw new SystemError('SYSTEM_CONFIG', 'the DSP needs the CSP WAN');
      const d = await DspService.open({
        clock,
        store,
        security: new SecurityContext({
          keyStore: keys.holding([SYSTEM_PARTIES.acb]),
          acb: SYSTEM_PARTIES.acb,
        }),
        xmlSigner: keys.xml.dsp.signer,
        // Unknown Remote Party reads: the system test PKI's Organisation CA (keys.ts)
        smkiOrgCas: keys.smkiOrgCas,
        downlink,
        transport: inProcess
          ? inProcessResponseTransport(() => supplier)
          : fetchResponseTransport(dspReceiveFetch ? { fetch: dspReceiveFetch } : {}),
        xsdValidation: opts.xsdValidation ?? true,
      });
      dsp = d;
      closers.push(['DSP', () => d.close()]);
      wan?.setDspSink(d);
      const receiveUrl =
        urls.supplierReceive ??
        (opts.remote?.supplierUrl
          ? tlsReceiveUrl(opts.remote.supplierUrl, DEFAULT_RECEIVE_PATH)
          : 'https://127.0.0.1:8070/duis/receive-response');
      registerEstateWithDsp(d, plan, keys, receiveUrl, {
        noWanCommissioning: opts.noWanInstallation ?? false,
      });
      await d.flush();
      if (!inProcess) {
        dspHttp = await startDspHttp({
          dsp: d,
          host: config.host,
          port: config.ports.dsp,
          guard: guard(DSP_PUBLIC_PATHS),
          ...(duisPki
            ? {
                tls: {
                  certPem: duisPki.server.certPem,
                  keyPem: duisPki.server.keyPem,
                  clientCaPem: duisPki.caCertPem,
                  revocations: duisPki.revocations,
                },
              }
            : {}),
        });
        const dh = dspHttp;
        closers.push(['DSP HTTP', () => dh.close()]);
        urls.dsp = dh.url;
      }
    }
    if (has('supplier') && !inProcess) {
      const dspUrl = urls.dsp ?? opts.remote?.dspUrl;
      if (!dspUrl)
        throw new SystemError('SYSTEM_CONFIG', 'the supplier needs the DSP: run it here or give --dsp-url');
      if (supplierDuisFetch && !dspUrl.startsWith('https:'))
        throw new SystemError(
          'SYSTEM_CONFIG',
          `the DSP serves the DCC User Interface on https (TLS with the user's client certificate): --dsp-url ${dspUrl.replace(/^http:/, 'https:')}`,
        );
      dspTransport.resolve(
        new HttpDuisTransport(dspUrl, supplierDuisFetch ? { fetch: supplierDuisFetch } : {}),
      );
    }

    // ------------------------------------------------------------ CHM (CSP-2, CSP-3)
    let chm: Chm | undefined;
    if (has('chm')) {
      if (!downlink) throw new SystemError('SYSTEM_CONFIG', 'the CHM needs the CSP WAN');
      const c = new Chm({
        clock,
        store,
        keyStore: keys.holding([SYSTEM_PARTIES.wanProvider, SYSTEM_PARTIES.acb]),
        wanProvider: SYSTEM_PARTIES.wanProvider,
        acb: SYSTEM_PARTIES.acb,
        downlink,
        // CSP-4 billing prices local deliveries at the DCC's DSP-5 tariff (the DSP of this process)
        ...(dsp ? { tariff: dsp.tariff } : {}),
      });
      chm = c;
      closers.push(['CHM', () => c.whenIdle()]);
      wan?.setChmSink(c);
      // DSP-5 / A21: a CH the CHM put in standalone mode is excluded from the DSP's performance measures.
      const d = dsp;
      if (d)
        c.onEvent((e) => {
          if (e.type === 'ch') d.setChIsolated(e.ch.chf, e.ch.mode === 'standalone');
        });
      if (!inProcess) {
        const ch: RunningChmServer = await startChmServer({
          chm: c,
          host: config.host,
          port: config.ports.chm,
          guard: guard(CHM_PUBLIC_PATHS),
        });
        closers.push(['CHM HTTP', () => ch.close()]);
        urls.chm = ch.url;
        urls.chmDashboard = `${ch.url}/`;
      }
    }

    // ------------------------------------------------------------ DSP-4 -> CSP-4: local-delivery logs
    // Every period the DSP writes one CSV per CSP (<data-dir>/dsp-local-delivery/<csp>/) and, when
    // the CHM runs here, the CSP loads it for billing and the performance exclusion list.
    if (dsp && !config.ephemeral) {
      const d = dsp;
      const c = chm;
      const periodMs = opts.dspLogPeriodMs ?? DEFAULT_DSP_LOG_PERIOD_MS;
      const exporter = new LocalDeliveryExporter(clock, d, {
        dir: join(config.dataDir, 'dsp-local-delivery'),
        periodMs,
      });
      let running: Promise<void> = Promise.resolve();
      const tick = (end: number) => {
        timer = clock.setTimer(end + periodMs - clock.now(), () => tick(end + periodMs), 'system:dsp-log');
        running = running
          .then(async () => {
            const files = await exporter.exportPeriod(end - periodMs);
            if (c) for (const f of files) await c.importDspLog(basename(f), readFileSync(f, 'utf8'));
            log.info('DSP-4 local-delivery logs passed to the CSP', { files: files.length, chm: !!c });
          })
          .catch((err: unknown) => log.error('DSP-4 export failed', { error: String(err) }));
      };
      const now = clock.now();
      const first = Math.floor(now / periodMs) * periodMs + periodMs;
      let timer = clock.setTimer(first - now, () => tick(first), 'system:dsp-log');
      closers.push([
        'DSP-4 export',
        async () => {
          timer.cancel();
          await running;
        },
      ]);
    }

    // ------------------------------------------------------------ WAN link (split deployments)
    if (httpDownlink && !inProcess) {
      const ep = await startWanLinkEndpoint({
        dsp,
        chm,
        downlink: httpDownlink,
        host: config.host,
        port: config.ports.wan,
        keys: wanLinkKeys,
        metrics,
      });
      closers.push(['WAN link HTTP', () => ep.close()]);
      urls.wanLink = ep.url;
    }
    if (wan && (!has('dsp') || !has('chm')) && !inProcess) {
      if (!has('dsp')) {
        if (!opts.remote?.dspWanUrl)
          throw new SystemError(
            'SYSTEM_CONFIG',
            'the SM WAN needs the DSP: run it here or give --dsp-wan-url',
          );
        const sink = new HttpUplinkSink('dsp', {
          url: opts.remote.dspWanUrl,
          clock,
          metrics,
          keys: wanLinkKeys,
        });
        wan.setDspSink(sink);
        closers.push(['WAN link to the DSP', () => sink.close()]);
      }
      const chmUrl = has('chm') ? undefined : (opts.remote?.chmWanUrl ?? opts.remote?.dspWanUrl);
      if (!has('chm')) {
        if (chmUrl) {
          const sink = new HttpUplinkSink('chm', { url: chmUrl, clock, metrics, keys: wanLinkKeys });
          wan.setChmSink(sink);
          closers.push(['WAN link to the CHM', () => sink.close()]);
        } else log.warn('no CHM: CH alerts for the CHM are dropped at the CSP (give --chm-wan-url)');
      }
      const server = await startWanLinkServer({
        wan,
        clock,
        host: config.host,
        port: config.ports.wan,
        metrics,
        keys: wanLinkKeys,
        ...(chmUrl ? { chmUrl } : {}),
      });
      closers.push(['WAN link HTTP', () => server.close()]);
      urls.wanLink = server.url;
    }

    // ------------------------------------------------------------ estate
    let estate: Estate | undefined;
    let supplierPort: SupplierPort | undefined;
    let provisioned: Promise<Array<{ premisesId: string; error: string }>> = Promise.resolve([]);
    let workload: Workload | undefined;
    if (has('estate')) {
      if (!wan) throw new SystemError('SYSTEM_CONFIG', 'the estate needs the CSP WAN');
      const e = new Estate({
        clock,
        plan,
        world: keys.world,
        rootPublicKey: keys.rootPublicKey,
        parties: {
          supplier: SYSTEM_PARTIES.supplier,
          acb: SYSTEM_PARTIES.acb,
          wanProvider: SYSTEM_PARTIES.wanProvider,
        },
        wan,
        reportingKey: (p) => keys.reportingKey(p),
        ppmidTls: (p) => keys.ppmidTls(p),
        random: random.fork('estate'),
        intermittent: opts.intermittent ?? { meanUpMs: 20 * 60_000, meanDownMs: 10 * 60_000 },
        gsmePollIntervalMs: opts.gsmePollIntervalMs,
        chf: opts.chf,
        han: opts.han,
        ppmid: opts.ppmid,
        stateDir: config.ephemeral ? undefined : join(config.dataDir, 'estate'),
        noWanInstallation: opts.noWanInstallation ?? false,
      });
      estate = e;
      closers.push(['estate', () => e.stop()]);
      // only the supplier's HTTP console reads the observer: in process (the simulator) nobody does
      if (!inProcess && supplier) for (const h of e.homes) observer.watchHome(h.home);
      supplierPort = supplier
        ? new InProcessSupplierPort(() => {
            if (!supplier) throw new SystemError('SYSTEM_REMOTE', 'the supplier service is stopped');
            return supplier;
          })
        : opts.remote?.supplierUrl
          ? new HttpSupplierPort(
              SYSTEM_PARTIES.supplier,
              opts.remote.supplierUrl,
              clock,
              operators.tokenFor('operator'),
            )
          : undefined;
      if ((opts.provision ?? true) && supplierPort && ppmidInternet) {
        const sp = supplierPort;
        const pi = ppmidInternet;
        provisioned = e.provisionAll(sp, pi, { concurrency: opts.provisionConcurrency }).then((failures) => {
          if (failures.length) log.warn('some PPMIDs were not provisioned', { failures });
          else log.info('every PPMID is provisioned and relay-enabled', { homes: e.homes.length });
          return failures;
        });
      }
      if (supplierPort && opts.workload && opts.workload !== 'none') {
        const w = new Workload({
          clock,
          supplier: supplierPort,
          premises: plan.homes.map((h) => h.premisesId),
          spec: opts.workload,
          random: random.fork('workload'),
        });
        workload = w;
        closers.push(['workload', () => w.stop()]);
        void provisioned.then(() => w.start());
      }
    }

    // ------------------------------------------------------------ start page
    let startPage: RunningStartPage | undefined;
    const system: RunningSystem = {
      config,
      clock,
      plan,
      keys,
      store,
      urls,
      wan,
      dsp,
      chm,
      get supplier() {
        return supplier;
      },
      supplierPort,
      estate,
      internet,
      pki: opened?.pki,
      provisioned,
      workload,
      metrics,
      operators,
      stop,
      async restartSupplier(o = {}) {
        if (!has('supplier')) throw new SystemError('SYSTEM_CONFIG', 'this process runs no supplier');
        const port = supplierHttp ? Number(new URL(supplierHttp.url).port) : config.ports.supplier;
        await haltSupplier(o.graceful ?? false);
        await o.whileDown?.();
        await launchSupplier(port);
        return supplier!;
      },
    };
    if (!inProcess) {
      startPage = await startStartPage({
        system,
        host: config.host,
        port: config.ports.start,
        guard: guard(START_PAGE_PUBLIC_PATHS, START_PAGE_TEST_PATHS),
      });
      const sp = startPage;
      closers.push(['start page', () => sp.close()]);
      urls.start = sp.url;
    }
    // Servers close before the parties behind them: move the HTTP closers to the end of the list.
    reorderClosers(closers);
    return system;
  } catch (err) {
    await stop();
    throw describeListenError(err, config) ?? err;
  }
}

/** Servers stop first (no new work), then the parties, then the internet and the store. */
function reorderClosers(closers: Array<[string, () => Promise<void> | void]>): void {
  const rank = (name: string) =>
    name === 'store'
      ? 0
      : name === 'internet'
        ? 1
        : name.endsWith('HTTP') || name === 'start page' || name === 'workload'
          ? 3
          : 2;
  // stop() runs the list in reverse: highest rank last in the array runs first.
  closers.sort((a, b) => rank(a[0]) - rank(b[0]));
}

/**
 * What the DSP must know of the estate: the supplier as a DCC user (its
 * XML-signing certificate and Receive Response URL), every device in the
 * inventory, and the supplier as the registered supplier of every meter. The relay flag of each enhanced PPMID (C3) is the supplier's to
 * register (SU-3: in process, or over the DSP's signed HTTP route).
 */
export function registerEstateWithDsp(
  dsp: DspService,
  plan: EstatePlan,
  keys: SystemKeys,
  receiveUrl: string,
  policies: { noWanCommissioning: boolean } = { noWanCommissioning: false },
): void {
  dsp.registerUser({
    eui: SYSTEM_PARTIES.supplier,
    name: 'ppmid-relay supplier',
    roles: ['IS', 'GS'],
    xmlSigningCertificates: [keys.xml.supplier.certificatePem],
    receiveUrl,
    policies,
  });
  for (const h of plan.homes) {
    const base = { chf: h.chf, csp: plan.csp };
    for (const [eui, deviceType] of [
      [h.esme, 'ESME'],
      [h.gsme, 'GSME'],
      [h.chf, 'CHF'],
      [h.gpf, 'GPF'],
      [h.ppmid, 'PPMID'],
    ] as const) {
      if (dsp.inventory.get(eui)?.chf !== h.chf)
        dsp.setInventoryDevice({
          eui,
          deviceType,
          ...base,
          ...(deviceType === 'ESME' ? { esmeVariant: 'single' } : {}),
        });
    }
    // the supplier is responsible for the home's meters (the DSP's registration data, registration.ts)
    for (const meter of [h.esme, h.gsme])
      dsp.registration.set(meter, SYSTEM_PARTIES.supplier, dsp.clock.now());
  }
}

/** The supplier's HTTP server with its console (src/web/supplier) mounted under /console/. */
async function listenSupplier(
  service: SupplierService,
  o: {
    host: string;
    port: number;
    links: () => SupplierConsoleLinks;
    observer?: EstateObserver;
    guard: (app: FastifyInstance) => void;
    receiveTls?: ReceiveTlsOptions;
  },
): Promise<SupplierHttp> {
  const app = buildSupplierApp(service, {
    guard: o.guard,
    ...(o.receiveTls ? { receiveTls: o.receiveTls } : {}),
  });
  registerSupplierConsole(app, { service, links: o.links, ...(o.observer ? { observer: o.observer } : {}) });
  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  const tls = o.receiveTls
    ? await attachReceiveTls(app, service, { ...o.receiveTls, path: DEFAULT_RECEIVE_PATH })
    : undefined;
  return {
    app,
    url,
    receiveUrl: tls ? tlsReceiveUrl(url, DEFAULT_RECEIVE_PATH) : `${url}${DEFAULT_RECEIVE_PATH}`,
    close: async () => {
      await tls?.close();
      // SSE streams are hijacked: end them so close() does not wait for clients.
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
}
