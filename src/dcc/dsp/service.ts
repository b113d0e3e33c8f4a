/**
 * The DCC Data Service Provider (SECMP0038 DSP-1..DSP-6): takes signed DUIS
 * Service Requests, checks them, transforms them to GBCS (src/dcc/dsp/transform),
 * sends Commands over the SM WAN (CspDownlink) and/or hands them out for
 * local delivery, matches device responses to requests exactly once, and
 * POSTs asynchronous Responses and Alerts to each user's Receive Response
 * Service.
 *
 * A state machine on the injected Clock. `handleRequest` and
 * `onDeviceMessage` are synchronous (they run inside a VirtualClock advance);
 * only the I/O edges are async: the store (DspJournal, see persistence.ts),
 * the POSTs (ResponseOutbox, delivery.ts) and HTTP (http.ts).
 *
 * Checks, in order, each failing with its DUIS Response Code or, where DUIS
 * defines none, an HTTP status (docs/dsp.md has the table):
 *   1. XML well-formed and DUIS-XSD-valid (`xsdValidation`, on by default; in process with
 *      libxml2-wasm, src/duis/xsd-inprocess.ts, or xmllint if `xsdValidator` is a DuisXsdValidator)
 *   2. XML signature valid, by the RequestID originator's XML-signing certificate
 *   3. the originator is a registered, active user (E1, E3) whose role may send the SR (E2);
 *      for a device SR also by GBCS's roles for the use case it produces (access.ts, E2)
 *   4. the target is known: in the inventory for device SRs, the ACB for non-device SRs (E19);
 *      the user's role may address that device, and a supplier only its registered meters (E4, registration.ts)
 *   5. the RequestID counter is greater than the last accepted from the user (HTTP 409)
 *   6. the Command Variant: right URL (E13), DSP-3 local-delivery policy (E17), allowed for the SR (E12)
 * then the transform's own checks (E11, DSP-2 signatures of Signed Pre-Commands).
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../adapters/store/index.ts';
import {
  buildDuisResponseDocument,
  type CommandVariant,
  type DuisRequest,
  type DuisResponseBody,
  type DuisResponseCode,
  type DuisXsdValidation,
  DuisXsdValidator,
  formatRequestId,
  isLocalDeliveryCommandVariant,
  isWanCommandVariant,
  type RequestId,
  returnLocalCommandResponse,
  type ServiceRequestClass,
  serviceRequest,
  signBuiltDuis,
  signedPreCommand,
  type XmlSigner,
  XmlSigningCertificateStore,
  type XsdValidationResult,
} from '../../duis/index.ts';
import { InProcessDuisXsdValidator } from '../../duis/xsd-inprocess.ts';
import {
  decodeMessage,
  decodePayload,
  type GbcsMessage,
  MemoryKeyStore,
  type SecurityContext,
} from '../../gbcs/index.ts';
import { type Eui, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';
import type { CspDownlink, DspDeviceMessageSink } from '../contracts.ts';
import { deviceSrGbcsAccess, userGbcsRoles } from './access.ts';
import { AcbAlertGate } from './alert-integrity.ts';
import { type AlertRoutingView, routeDeviceAlert } from './alert-routing.ts';
import {
  checkTariff,
  DEFAULT_LOCAL_DELIVERY_TARIFF,
  type LocalDeliveryTariff,
  localDeliveryCharge,
} from './charges.ts';
import { cinMessage, randomCin } from './cin.ts';
import {
  type OutboxKind,
  outboxFromRow,
  ResponseOutbox,
  type ResponseOutboxOptions,
  type ResponseTransport,
} from './delivery.ts';
import { DeviceLogBackups } from './device-log-backups.ts';
import {
  type BrokerCredentials,
  optOut,
  optOutRefusal,
  SERVICE_OPT_OUT_SRV,
  type WanCoverageEntry,
} from './enrolment.ts';
import {
  commandVariantNotAllowed,
  counterOutOfWindow,
  counterReplay,
  DspServiceError,
  deviceStatusRefused,
  localDeliveryRefused,
  notAuthorisedForDevice,
  notRegisteredSupplier,
  roleNotEligible,
  unknownTarget,
  unknownUser,
  userStatus,
  wrongEndpoint,
} from './errors.ts';
import { checkExecutionNotPast, requestExecutionAt } from './execution-date.ts';
import {
  errText,
  type FrontOutcome,
  precheck,
  READ_TREE,
  type Rejection,
  rejectionOf,
  verifyRequest,
} from './front.ts';
import {
  FUTURE_DATED_ALERT_CODES,
  futureDatedAlertNode,
  futureDatedReference,
  srvOfMessageCode,
} from './future-dated-alerts.ts';
import { downlinkTransfers } from './han-downlink.ts';
import { DspInventory, type DspInventoryDevice, normaliseInventoryDevice } from './inventory.ts';
import { type NonDeviceAnswer, NonDeviceRecords, nonDeviceHandler } from './non-device.ts';
import { DspJournal, type JournalOp, requestFromRow } from './persistence.ts';
import { DEFAULT_PRECHECK_LIMITS, DspPrecheckError, type PrecheckLimits } from './precheck.ts';
import { DspRegistration, supplierMayAddress } from './registration.ts';
import {
  AWAITING_RESPONSE,
  type DspRequestRecord,
  type DspRequestState,
  gbcsKey,
  type ResponseRoute,
  TERMINAL,
  transition,
} from './requests.ts';
import {
  commandFailureAlert,
  runCounter,
  SCHEDULE_ALERT_CODES,
  scheduledMessage,
  scheduledRunRequest,
  scheduleRemovalAlert,
} from './schedule-runs.ts';
import { CHANGE_OF_SUPPLIER_SRV, DspScheduler } from './scheduler.ts';
import { ScheduleError, type ScheduleSpec } from './schedules.ts';
import { signerCellRefusal } from './signer-cells.ts';
import { cvRefusal, offeredCommandVariants, srvEntry, srvRoleEligibility } from './srv-table.ts';
import { type DspDb, dspDb } from './tables.ts';
import {
  completeSignedPreCommandResult,
  DspNoOriginatorCellError,
  DspUnsupportedServiceRequestError,
  DspUrpCredentialError,
  type TransformContext,
  transformServiceRequest,
} from './transform/index.ts';
import {
  type DspUser,
  type DspUserInput,
  eligibleRoles,
  normaliseUser,
  roleMayAddressDevice,
  SUPPLIER_ROLES,
  type UserRole,
} from './users.ts';
import { BatchingXsdValidator } from './xsd-batch.ts';

const log = Logger.get('dsp');

/** The three DUIS URLs of the DCC test system (DUIS.md): send, transform, DCC-only / local delivery. */
export type DuisEndpoint = 'serviceS' | 'serviceT' | 'serviceD';

/** Which Command Variants each URL takes (DUIS.md "The DCC test system's HTTP conventions"). */
export const ENDPOINT_COMMAND_VARIANTS: Readonly<Record<DuisEndpoint, readonly CommandVariant[]>> = {
  serviceS: [1, 3, 5, 7],
  serviceT: [4],
  serviceD: [2, 6, 8],
};

export function endpointForCommandVariant(cv: CommandVariant): DuisEndpoint {
  if (cv === 4) return 'serviceT';
  return cv === 2 || cv === 6 || cv === 8 ? 'serviceD' : 'serviceS';
}

/** The synchronous answer to one Service Request, ready for HTTP. */
/** Who sent a request, as the transport authenticated it. */
export interface DuisCaller {
  /** The user EUI of the TLS client certificate (the DCC User Interface); undefined: no TLS (in process). */
  tlsUser?: Eui;
}

export interface DspReply {
  httpStatus: number;
  contentType: 'application/xml' | 'text/plain';
  /** A signed DUIS Response, or a one-line reason for an HTTP-level rejection. */
  body: string;
  /** The Request ID, once it could be read. */
  requestId?: string;
  responseCode?: DuisResponseCode;
  /** The typed error code of a rejection. */
  error?: string;
  /** `handleVerified` with `deferSigning`: the DUIS Response to sign into `body`. */
  unsignedResponse?: DuisResponseInput;
}

/** A DUIS Response before it is built and signed. */
export type DuisResponseInput = Parameters<typeof buildDuisResponseDocument>[0];

/** What happened to a device message (a response or an alert) that reached the DSP. */
export type DeviceMessageDisposition =
  | 'forwarded'
  | 'duplicate'
  | 'late'
  | 'unmatched'
  | 'unexpected'
  | 'rejected'
  | 'undeliverable'
  | 'alert-forwarded'
  | 'alert-unroutable'
  /** an alert to the ACB the DCC keeps as its own data (a Device Log backup), no user told */
  | 'alert-kept'
  | 'ignored'
  | 'malformed';

export interface DspServiceOptions {
  clock: Clock;
  /** An opened and migrated store (SQLite or PostgreSQL). */
  store: Store;
  /** GBCS keys: the ACB KA private key, device KA certificates; users' DS/KA certificates are added on registration. */
  security: SecurityContext;
  /** The DSP's XML-signing key and certificate (signs every Response it emits). */
  xmlSigner: XmlSigner;
  /** The SM WAN (CSP) the DSP hands Commands to (CV 1, 3, 5, 7). */
  downlink: CspDownlink;
  /** How asynchronous Responses reach users (fetchResponseTransport() in a service). */
  transport: ResponseTransport;
  /** Validate each request against the DUIS XSD (default true). */
  xsdValidation?: boolean;
  /**
   * The XSD validator. Default: in process (`InProcessDuisXsdValidator.shared()`, libxml2-wasm,
   * the schema compiled once per process). A `DuisXsdValidator` runs xmllint instead: one
   * process per request in `handleRequest`, batched runs in `handleRequestAsync`.
   */
  xsdValidator?: DuisXsdValidation;
  /** A device response is awaited this long before the request expires (default 24 h). */
  responseTimeoutMs?: number;
  /** An issued Pre-Command (CV 4) may be signed and returned within this time (default 7 days). */
  preCommandTimeoutMs?: number;
  /** Terminal requests stay in memory this long for duplicate detection (DSP-6; default 7 days). */
  retentionMs?: number;
  outbox?: ResponseOutboxOptions;
  tariff?: LocalDeliveryTariff;
  roleEligibility?: ReadonlyArray<readonly [string, readonly UserRole[]]>;
  /** The GBCSVersion written into PreCommand responses (default `4.3`). */
  gbcsVersion?: string;
  /** First ACB Originator Counter if none is stored (default: clock ms x 1000, so a fresh DSP starts above old counters). */
  acbCounterStart?: bigint;
  /** DUIS 9.1: the source of the CINs the DCC generates (default: four random decimal digits, node:crypto). */
  cinSource?: () => string;
  /**
   * The SMKI Organisation CA certificates (DER) the DSP trusts for Unknown
   * Remote Party reads (transform/urp.ts). Absent: those reads are refused
   * (DSP_CONTEXT_INCOMPLETE).
   */
  smkiOrgCas?: readonly Uint8Array[];
  metrics?: Metrics;
  /**
   * Issue 13: a Request ID counter may not exceed the DSP's time (ms) plus
   * this window (DUIS counters are time-based); default 24 h. Counter 2^64-1
   * would otherwise make every later request of its user a replay.
   */
  counterWindowMs?: number;
  /** Limits of the cheap checks before any parse (precheck.ts). */
  precheck?: Partial<PrecheckLimits>;
  /** 12.1 Request WAN Matrix: the WAN coverage table (enrolment.ts; default none: every address E120101). */
  wanCoverage?: readonly WanCoverageEntry[];
}

const DAY = 24 * 3600_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_GBCS_VERSION = '4.3';

/** PROVISIONAL assignment of the 8.13 SR-specific error codes (their DUIS wording is not recorded here; docs/dsp.md). */
export const RETURN_LOCAL_RESPONSE_ERRORS = {
  /** The original request is unknown, not this user's, or its command was not handed out for local delivery. */
  unknownRequest: 'E081301',
  /** The returned GBCS is not a response to that command (CRA, originator, recipient, counter, Request ID). */
  mismatch: 'E081302',
  /** The returned response's MAC or signature does not verify. */
  integrity: 'E081303',
} as const satisfies Record<string, DuisResponseCode>;

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex').toUpperCase();
}

export class DspService implements DspDeviceMessageSink {
  readonly clock: Clock;
  readonly store: Store;
  readonly db: DspDb;
  readonly security: SecurityContext;
  readonly acb: Eui;
  readonly inventory = new DspInventory();
  /** Device records and schedules of the non-device SRs (non-device.ts). */
  readonly records = new NonDeviceRecords((op) => this.#persist(op));
  /** CH Device Log backups (CCS07 reads, GCS62 alerts) that 8.12.1 / 8.12.2 restore: device-log-backups.ts. */
  readonly deviceLogBackups = new DeviceLogBackups((op) => this.#persist(op), {
    deviceTypeOf: (e) => this.inventory.get(e)?.deviceType,
    gpfOf: (chf) => this.inventory.gpfOf(chf),
  });
  /** Registration data: the supplier user responsible for each meter (registration.ts). */
  readonly registration = new DspRegistration((op) => this.#persist(op));
  /** The check of device alerts to the ACB and their persisted replay high-water marks (alert-integrity.ts). */
  readonly acbAlerts = new AcbAlertGate(
    () => this.security,
    (r) => this.metrics.inc(`alerts.rejected.${r}`),
    { persist: (op) => this.#persist(op), now: () => this.clock.now() },
  );
  /** DSP schedules (5.1-5.3) run on the clock: scheduler.ts. */
  readonly schedules: DspScheduler;
  readonly metrics: Metrics;
  readonly journal: DspJournal;
  readonly outbox: ResponseOutbox;
  readonly tariff: LocalDeliveryTariff;
  readonly responseTimeoutMs: number;
  readonly preCommandTimeoutMs: number;
  readonly retentionMs: number;
  readonly xsdValidation: boolean;

  readonly #signer: XmlSigner;
  readonly #downlink: CspDownlink;
  readonly #xsd: DuisXsdValidation | undefined;
  readonly #xsdBatch: BatchingXsdValidator | undefined;
  readonly #eligibility: ReadonlyArray<readonly [string, readonly UserRole[]]>;
  readonly #gbcsVersion: string;
  readonly #users = new Map<Eui, DspUser>();
  readonly #counterWindowMs: number;
  readonly #wanCoverage: readonly WanCoverageEntry[];
  readonly #precheckLimits: PrecheckLimits;
  #trust = new XmlSigningCertificateStore();
  #trustGeneration = 0;
  readonly #trustListeners = new Set<() => void>();
  #deferSigning = false;
  readonly #counters = new Map<Eui, bigint>();
  readonly #requests = new Map<string, DspRequestRecord>();
  readonly #byGbcsKey = new Map<string, DspRequestRecord>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #transformContext: TransformContext;
  #acbCounter: bigint;
  #closed = false;

  private constructor(opts: DspServiceOptions) {
    this.clock = opts.clock;
    this.store = opts.store;
    this.db = dspDb(opts.store.db);
    this.security = opts.security;
    this.acb = opts.security.acb;
    this.metrics = opts.metrics ?? new Metrics('dsp.');
    this.journal = new DspJournal(this.db, opts.store.sqlite);
    this.outbox = new ResponseOutbox(opts.clock, opts.transport, this.journal, this.metrics, opts.outbox);
    this.tariff = checkTariff(opts.tariff ?? DEFAULT_LOCAL_DELIVERY_TARIFF);
    this.responseTimeoutMs = opts.responseTimeoutMs ?? DAY;
    this.preCommandTimeoutMs = opts.preCommandTimeoutMs ?? 7 * DAY;
    this.retentionMs = opts.retentionMs ?? 7 * DAY;
    // Node's timers (SystemClock) hold at most 2^31-1 ms; longer delays would fire at once.
    for (const [name, v] of [
      ['responseTimeoutMs', this.responseTimeoutMs],
      ['preCommandTimeoutMs', this.preCommandTimeoutMs],
      ['retentionMs', this.retentionMs],
    ] as const)
      if (!(v > 0 && v <= MAX_TIMER_MS))
        throw new DspServiceError(
          'DSP_CONFIG',
          `${name} must be > 0 and at most ${MAX_TIMER_MS} ms (24.8 days)`,
        );
    this.xsdValidation = opts.xsdValidation ?? true;
    this.#counterWindowMs = opts.counterWindowMs ?? DAY;
    this.#wanCoverage = opts.wanCoverage ?? [];
    this.#precheckLimits = { ...DEFAULT_PRECHECK_LIMITS, ...(opts.precheck ?? {}) };
    this.#signer = opts.xmlSigner;
    this.#downlink = opts.downlink;
    this.#xsd = this.xsdValidation ? (opts.xsdValidator ?? InProcessDuisXsdValidator.shared()) : undefined;
    this.#xsdBatch =
      this.#xsd instanceof DuisXsdValidator
        ? new BatchingXsdValidator({ xsdDir: this.#xsd.xsdDir, xmllint: this.#xsd.xmllint })
        : undefined;
    this.#eligibility = opts.roleEligibility ?? srvRoleEligibility();
    this.#gbcsVersion = opts.gbcsVersion ?? DEFAULT_GBCS_VERSION;
    this.#acbCounter = opts.acbCounterStart ?? BigInt(Math.floor(opts.clock.now())) * 1000n;
    this.#transformContext = {
      security: this.security,
      acb: this.acb,
      deviceTypeOf: this.inventory.deviceTypeOf,
      esmeVariantOf: this.inventory.esmeVariantOf,
      relayEnabledOf: this.inventory.relayEnabledOf,
      deviceLogBackupOf: this.deviceLogBackups.get,
      clock: this.clock,
      nextAcbCounter: () => this.#nextAcbCounter(),
      nextCin: opts.cinSource ?? randomCin,
      ...(opts.smkiOrgCas ? { smkiOrgCas: opts.smkiOrgCas } : {}),
    };
    this.schedules = new DspScheduler(
      this.clock,
      this.records,
      {
        check: (user, spec) => this.#checkSchedule(user, spec),
        issue: (user, spec, id, at) => this.#issueScheduledRun(user, spec, id, at),
        inInventory: (device) => this.inventory.get(device) !== undefined,
        removed: (user, id, device) => this.#scheduleRemoved(user, id, device),
      },
      this.metrics,
    );
  }

  /**
   * Opens the DSP on a migrated store: loads users, inventory, CH isolation,
   * counters, open (and recently closed) requests and the pending outbox,
   * then re-arms every timer (expiries, DSP-scheduled sends, retries).
   */
  static async open(opts: DspServiceOptions): Promise<DspService> {
    const dsp = new DspService(opts);
    await dsp.#load();
    return dsp;
  }

  async #load(): Promise<void> {
    const db = this.db;
    const now = this.clock.now();
    for (const row of await db.selectFrom('dsp_users').selectAll().execute())
      this.#applyUser(normaliseUser(JSON.parse(row.json) as DspUserInput));
    for (const row of await db.selectFrom('dsp_inventory').selectAll().execute()) {
      const d: Parameters<typeof normaliseInventoryDevice>[0] = {
        eui: row.eui,
        deviceType: row.device_type,
        chf: row.chf,
        csp: row.csp,
      };
      if (row.esme_variant !== null) d.esmeVariant = row.esme_variant;
      this.inventory.set(normaliseInventoryDevice(d));
    }
    for (const row of await db.selectFrom('dsp_ch_isolation').selectAll().execute())
      this.inventory.setIsolated(row.chf, Number(row.isolated) === 1);
    for (const row of await db.selectFrom('dsp_ppmid_relay').selectAll().execute())
      this.inventory.setRelayEnabled(row.ppmid, Number(row.enabled) === 1);
    for (const row of await db.selectFrom('dsp_counters').selectAll().execute()) {
      const v = BigInt(row.counter);
      if (row.party === this.acb) {
        if (v + 1n > this.#acbCounter) this.#acbCounter = v + 1n;
      } else this.#counters.set(row.party, v);
    }
    const rows = await db
      .selectFrom('dsp_requests')
      .selectAll()
      .where((eb) =>
        eb.or([eb('state', 'not in', [...TERMINAL]), eb('updated_at', '>=', now - this.retentionMs)]),
      )
      .execute();
    for (const row of rows) {
      const r = requestFromRow(row);
      this.#index(r);
      this.#arm(r);
    }
    await this.records.load(db);
    await this.deviceLogBackups.load(db);
    await this.registration.load(db);
    await this.acbAlerts.load(db);
    this.schedules.start();
    const pending = await db.selectFrom('dsp_outbox').selectAll().where('state', '=', 'pending').execute();
    this.outbox.restore(pending.map(outboxFromRow));
    log.info('DSP opened', {
      users: this.#users.size,
      devices: this.inventory.all().length,
      requests: this.#requests.size,
      outbox: pending.length,
    });
  }

  // ------------------------------------------------------------------ registry

  /** Registers or replaces a user: trust store, key store, persisted. */
  registerUser(input: DspUserInput): DspUser {
    const user = normaliseUser(input);
    this.#applyUser(user);
    const now = this.clock.now();
    const json = JSON.stringify(user);
    this.#persist((db) =>
      db
        .insertInto('dsp_users')
        .values({ eui: user.eui, json, updated_at: now })
        .onConflict((oc) => oc.column('eui').doUpdateSet({ json, updated_at: now }))
        .execute(),
    );
    return user;
  }

  #applyUser(user: DspUser): void {
    // Check every certificate before changing anything.
    const trial = new XmlSigningCertificateStore();
    for (const pem of user.xmlSigningCertificates) {
      const d = trial.add(pem);
      if (d.subjectEui !== user.eui)
        throw new DspServiceError(
          'DSP_CONFIG',
          `user ${user.eui}: XML-signing certificate serial ${d.serialNumber} identifies ${d.subjectEui ?? 'nobody'}`,
        );
    }
    if (user.gbcsCertificates.length > 0) {
      const ks = this.security.keyStore;
      if (!(ks instanceof MemoryKeyStore))
        throw new DspServiceError('DSP_CONFIG', 'user GBCS certificates need a MemoryKeyStore in the DSP');
      for (const pem of user.gbcsCertificates) {
        let cert: ReturnType<MemoryKeyStore['addCertificate']>;
        try {
          cert = ks.addCertificate(pem);
        } catch (e) {
          throw new DspServiceError('DSP_CONFIG', `user ${user.eui}: GBCS certificate: ${errText(e)}`, {
            cause: e,
          });
        }
        if (cert.eui !== user.eui)
          throw new DspServiceError('DSP_CONFIG', `user ${user.eui}: GBCS certificate is for ${cert.eui}`);
      }
    }
    this.#users.set(user.eui, user);
    this.#rebuildTrust();
  }

  #rebuildTrust(): void {
    const t = new XmlSigningCertificateStore();
    for (const u of this.#users.values()) for (const pem of u.xmlSigningCertificates) t.add(pem);
    this.#trust = t;
    this.#trustGeneration++;
    for (const fn of this.#trustListeners) fn();
  }

  removeUser(eui: string): boolean {
    const e = normaliseEui(eui);
    const had = this.#users.delete(e);
    this.#rebuildTrust();
    this.#persist((db) => db.deleteFrom('dsp_users').where('eui', '=', e).execute());
    return had;
  }

  user(eui: string): DspUser | undefined {
    return this.#users.get(normaliseEui(eui));
  }

  users(): DspUser[] {
    return [...this.#users.values()];
  }

  setInventoryDevice(input: Parameters<typeof normaliseInventoryDevice>[0]): DspInventoryDevice {
    const d = normaliseInventoryDevice(input);
    this.inventory.set(d);
    const row = {
      eui: d.eui,
      device_type: d.deviceType,
      chf: d.chf,
      csp: d.csp,
      esme_variant: d.esmeVariant ?? null,
      updated_at: this.clock.now(),
    };
    this.#persist((db) =>
      db
        .insertInto('dsp_inventory')
        .values(row)
        .onConflict((oc) => {
          const { eui: _e, ...rest } = row;
          return oc.column('eui').doUpdateSet(rest);
        })
        .execute(),
    );
    return d;
  }

  removeInventoryDevice(eui: string): boolean {
    const e = normaliseEui(eui);
    const had = this.inventory.delete(e);
    this.#persist((db) => db.deleteFrom('dsp_inventory').where('eui', '=', e).execute());
    if (had) this.schedules.removeForDevice(e, 'not-in-inventory');
    return had;
  }

  /**
   * Records that a CH runs isolated (standalone after Block Buffer Feed) or
   * not: requests to its devices meanwhile are excluded from performance
   * measures (SECMP0038 DSP-5, A21). Called by whoever learns it (the CHM).
   */
  setChIsolated(chf: string, isolated: boolean): void {
    const e = normaliseEui(chf);
    this.inventory.setIsolated(e, isolated);
    const row = { chf: e, isolated: isolated ? 1 : 0, updated_at: this.clock.now() };
    this.#persist((db) =>
      db
        .insertInto('dsp_ch_isolation')
        .values(row)
        .onConflict((oc) =>
          oc.column('chf').doUpdateSet({ isolated: row.isolated, updated_at: row.updated_at }),
        )
        .execute(),
    );
  }

  /**
   * SECMP0038 C3 / SU-3: whether an enhanced PPMID added by 8.11 (CCS01) gets
   * the relay flag in its Device Log entry; persisted (inventory.setRelayEnabled
   * alone is not).
   */
  setRelayEnabled(ppmid: string, enabled: boolean): void {
    const e = normaliseEui(ppmid);
    this.inventory.setRelayEnabled(e, enabled);
    const row = { ppmid: e, enabled: enabled ? 1 : 0, updated_at: this.clock.now() };
    this.#persist((db) =>
      db
        .insertInto('dsp_ppmid_relay')
        .values(row)
        .onConflict((oc) =>
          oc.column('ppmid').doUpdateSet({ enabled: row.enabled, updated_at: row.updated_at }),
        )
        .execute(),
    );
  }

  /** A request's record (open, or closed within the retention time). */
  request(requestId: string): DspRequestRecord | undefined {
    const r = this.#requests.get(requestId);
    return r ? { ...r } : undefined;
  }

  /** The last Request ID counter accepted from a user. */
  lastCounter(user: string): bigint | undefined {
    return this.#counters.get(normaliseEui(user));
  }

  /** Every write so far is committed (rejects if the store failed). */
  flush(): Promise<void> {
    return this.journal.flush();
  }

  /** No POST in flight and every write committed. */
  async idle(): Promise<void> {
    await this.outbox.idle();
    await this.journal.flush();
  }

  /** Stops timers and delivery, waits for in-flight work and writes. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.schedules.close();
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    this.outbox.close();
    await this.outbox.idle();
    await this.journal.flush();
  }

  #persist(op: JournalOp): void {
    this.journal.append(op);
  }

  // ------------------------------------------------------------------ DUIS requests

  /** The DSP's XML-signing key and certificate (DSP worker threads sign Responses with it). */
  get xmlSigner(): XmlSigner {
    return this.#signer;
  }

  /** The limits of check 0 (precheck.ts). */
  get precheckLimits(): PrecheckLimits {
    return { ...this.#precheckLimits };
  }

  /** The XSD validator check 1 uses: xmllint, in process (libxml2-wasm, or another in-process one), or none. */
  get xsdEngine(): 'in-process' | 'xmllint' | 'off' {
    if (this.#xsd === undefined) return 'off';
    return this.#xsd instanceof DuisXsdValidator ? 'xmllint' : 'in-process';
  }

  /**
   * Handles one DUIS Service Request POSTed to `endpoint`. Synchronous; the
   * caller (HTTP) awaits `flush()` before answering (see persistence.ts).
   */
  handleRequest(endpoint: DuisEndpoint, input: string | Uint8Array, o: DuisCaller = {}): DspReply {
    const refused = this.#precheck(input, o);
    if (refused) return refused;
    return this.#handle(endpoint, input, () => this.#xsd?.validate(input, READ_TREE));
  }

  /**
   * Issue 13: the cheap checks (precheck.ts: size, depth, a signature, a known
   * user) before any parse or XSD; a refusal is counted (`precheck.<reason>`)
   * and answered without a DUIS response (nobody was authenticated).
   */
  #precheck(input: string | Uint8Array, o: DuisCaller): DspReply | undefined {
    try {
      precheck(input, (eui) => this.#users.has(eui), this.#precheckLimits, o.tlsUser);
      this.metrics.inc('parsed');
      return undefined;
    } catch (e) {
      this.metrics.inc('requests');
      if (e instanceof DspPrecheckError) this.metrics.inc(`precheck.${e.reason}`);
      return this.#reject(e, undefined);
    }
  }

  /**
   * The same, for the HTTP adapter. With the xmllint engine, check 1 (XSD)
   * is done by the batching validator (xsd-batch.ts: many requests share
   * one xmllint run); in process (the default) it is `handleRequest`.
   */
  async handleRequestAsync(
    endpoint: DuisEndpoint,
    input: string | Uint8Array,
    o: DuisCaller = {},
  ): Promise<DspReply> {
    if (!this.#xsdBatch) return this.handleRequest(endpoint, input, o);
    const refused = this.#precheck(input, o);
    if (refused) return refused;
    let result: XsdValidationResult;
    try {
      result = await this.#xsdBatch.validate(input);
    } catch (e) {
      this.metrics.inc('requests');
      return this.#reject(e, undefined);
    }
    return this.#handle(endpoint, input, () => result);
  }

  #handle(
    endpoint: DuisEndpoint,
    input: string | Uint8Array,
    xsd: () => XsdValidationResult | undefined,
  ): DspReply {
    this.metrics.inc('requests');
    const busy = this.#busy();
    if (busy) return busy;
    let req: DuisRequest;
    try {
      req = verifyRequest(input, xsd(), this.#trust, this.clock.now());
    } catch (e) {
      return this.#reject(e, undefined);
    }
    try {
      return this.#process(endpoint, req);
    } catch (e) {
      return this.#reject(e, req);
    }
  }

  #busy(): DspReply | undefined {
    if (this.#closed)
      return this.#httpReject(new DspServiceError('DSP_BUSY', 'the DSP is closed', { httpStatus: 503 }));
    if (this.journal.error !== undefined)
      return this.#httpReject(
        new DspServiceError('DSP_BUSY', `the DSP store failed: ${errText(this.journal.error)}`, {
          httpStatus: 500,
        }),
      );
    return undefined;
  }

  /**
   * The users and XML-signing certificates checks 0-2 use, with a generation
   * that changes whenever they do (worker threads run those checks on a copy:
   * dsp-workers.ts).
   */
  get trustGeneration(): number {
    return this.#trustGeneration;
  }

  /** Calls `fn` after every change of the users or their certificates; returns the unsubscribe. */
  onTrustChange(fn: () => void): () => void {
    this.#trustListeners.add(fn);
    return () => this.#trustListeners.delete(fn);
  }

  /**
   * Handles a request whose checks 0-2 ran elsewhere (frontChecks on a
   * worker thread, against the users of `generation`): the same counting and
   * answer as `handleRequest`. If the users changed meanwhile the checks are
   * run again here. With `deferSigning` a DUIS Response comes back unsigned
   * (`unsignedResponse`, body empty) for the caller to sign off the event loop.
   */
  handleVerified(
    endpoint: DuisEndpoint,
    input: string | Uint8Array,
    outcome: FrontOutcome,
    generation: number,
    o: DuisCaller & { deferSigning?: boolean } = {},
  ): DspReply {
    if (generation !== this.#trustGeneration) return this.handleRequest(endpoint, input, o);
    if (outcome.kind === 'refused') {
      this.metrics.inc('requests');
      if (outcome.reason !== undefined) this.metrics.inc(`precheck.${outcome.reason}`);
      return this.#rejected(outcome.rejection, undefined);
    }
    this.metrics.inc('parsed');
    this.metrics.inc('requests');
    const busy = this.#busy();
    if (busy) return busy;
    if (outcome.kind === 'rejected') return this.#rejected(outcome.rejection, undefined);
    const definition = serviceRequest(outcome.request.header.serviceReferenceVariant);
    if (!definition) throw new DspServiceError('DSP_STATE', 'a verified request without its SR definition');
    const req: DuisRequest = { ...outcome.request, definition };
    this.#deferSigning = o.deferSigning === true;
    try {
      return this.#process(endpoint, req);
    } catch (e) {
      return this.#reject(e, req);
    } finally {
      this.#deferSigning = false;
    }
  }

  #process(endpoint: DuisEndpoint, req: DuisRequest): DspReply {
    const h = req.header;
    const id = h.requestId;
    const cv = h.commandVariant;
    const def = req.definition;
    const srv = h.serviceReferenceVariant;

    // 3. user and role
    const user = this.#users.get(id.originator);
    if (!user) throw unknownUser(id.originator);
    if (user.status !== 'active') throw userStatus(user.eui, user.status);
    const eligible = eligibleRoles(srv, this.#eligibility);
    if (!user.roles.some((r) => eligible.includes(r))) throw roleNotEligible(user.eui, user.roles, srv);

    // 4. target
    let device: DspInventoryDevice | undefined;
    if (def.class === 'non-device') {
      if (id.target !== this.acb)
        throw unknownTarget(id.target, `a non-device Service Request targets the ACB ${this.acb}`);
    } else {
      device = this.inventory.get(id.target);
      if (!device) throw unknownTarget(id.target, 'not in the DSP inventory');
      if (!roleMayAddressDevice(user.roles, device.deviceType))
        throw notAuthorisedForDevice(user.eui, device.eui, device.deviceType);
      if (!supplierMayAddress(user, device, srv, this.registration.supplierOf))
        throw notRegisteredSupplier(user.eui, device.eui, this.registration.supplierOf(device.eui)!);
      // the GBCS roles of the use case the SR produces (access.ts)
      const gbcs = deviceSrGbcsAccess(
        srv,
        device.deviceType,
        user.roles.filter((r) => eligible.includes(r)),
      );
      if (!gbcs.ok) throw roleNotEligible(user.eui, user.roles, srv, gbcs.detail);
      // the target's device type must hold a cell for the command's originator (signer-cells.ts): E11, no command
      const noCell = signerCellRefusal(srv, device.deviceType, userGbcsRoles(user.roles, eligible));
      if (noCell) throw new DspNoOriginatorCellError(srv, device.deviceType, noCell);
      const optedOut = optOutRefusal(this.records.device(device.eui), this.clock.now());
      if (optedOut) throw deviceStatusRefused(optedOut);
    }

    // 5. counter
    const requestId = formatRequestId(id);
    const issued = this.#checkCounter(user, id, requestId, cv, srv);

    // 5a. a future-dated request whose ExecutionDateTime has passed (PROVISIONAL E30, execution-date.ts)
    const at = requestExecutionAt(req.body, issued?.executionAt);
    checkExecutionNotPast(srv, at, this.clock.now());

    // 6. Command Variant
    this.#checkCommandVariant(endpoint, req, user, at);

    switch (cv) {
      case 1:
      case 2:
      case 3:
        return this.#commandFromRequest(req, user, device!, requestId);
      case 4:
        return this.#preCommand(req, user, device!, requestId);
      case 5:
      case 6:
      case 7:
        return this.#commandFromSignedPreCommand(req, user, device!, requestId, issued);
      case 8: {
        const handler = nonDeviceHandler(srv);
        if (!handler)
          throw new DspUnsupportedServiceRequestError(
            srv,
            `non-device SR ${srv} is not answered by this DSP`,
          );
        const a = handler({
          req,
          user,
          requestId,
          now: this.clock.now(),
          inventory: this.inventory,
          records: this.records,
          schedules: this.schedules,
          brokerCredentials: this.#brokerCredentials(),
          wanCoverage: this.#wanCoverage,
          returnLocalCommandResponse: () => this.#returnLocalCommandResponse(req, user, requestId),
          sendFileToCh: (chf, target, file) =>
            this.#downlink.sendCommand({ requestId, target, chf, gbcs: file }),
        });
        if (srv !== '8.13') this.#completeNonDevice(req, user, requestId, a.code);
        return this.#reply(req, a.code, a.payload);
      }
    }
  }

  /**
   * A non-device request answered: its record (completed, with the code) and
   * the user's counter; a refusal (an E code) leaves neither, as any rejection.
   */
  #completeNonDevice(req: DuisRequest, user: DspUser, requestId: string, code: DuisResponseCode): void {
    if (code.startsWith('E')) {
      this.metrics.inc('nonDevice.refused');
      return;
    }
    const rec = this.#newRecord(req, user, undefined, requestId, 'received');
    transition(rec, 'completed', this.clock.now());
    rec.responseCode = code;
    this.#acceptCounter(user.eui, rec.counter);
    this.#index(rec);
    this.#save(rec);
    this.#armRetention(rec);
    this.metrics.inc('nonDevice.answered');
  }

  /**
   * Check 5. A new request's counter must exceed the user's last accepted
   * one. CV 5/6/7 carry the Request ID of the CV 4 request whose Pre-Command
   * was signed: they must find that Pre-Command still open (each is
   * completed once), or, if this DSP issued none, pass the counter rule.
   */
  #checkCounter(
    user: DspUser,
    id: RequestId,
    requestId: string,
    cv: CommandVariant,
    srv: string,
  ): DspRequestRecord | undefined {
    const last = this.#counters.get(user.eui);
    if (cv === 5 || cv === 6 || cv === 7) {
      const rec = this.#requests.get(requestId);
      if (rec) {
        if (rec.state !== 'pre-command-issued' || rec.user !== user.eui)
          throw new DspServiceError(
            'DSP_COUNTER_REPLAY',
            `Request ID ${requestId} was already used (request ${rec.state})`,
            { httpStatus: 409 },
          );
        if (rec.srv !== srv)
          throw new DspServiceError(
            'DSP_COUNTER_REPLAY',
            `Request ID ${requestId} was issued for SR ${rec.srv}, not ${srv}`,
            { httpStatus: 409 },
          );
        return rec;
      }
    }
    if (last !== undefined && id.counter <= last) throw counterReplay(user.eui, id.counter, last);
    const ceiling = BigInt(Math.floor(this.clock.now() + this.#counterWindowMs));
    if (id.counter > ceiling) throw counterOutOfWindow(user.eui, id.counter, ceiling);
    return undefined;
  }

  /** Check 6: URL (E13), SECMP0038 DSP-3 local-delivery policy (E17), CV allowed for the SR (E12). */
  #checkCommandVariant(
    endpoint: DuisEndpoint,
    req: DuisRequest,
    user: DspUser,
    at: number | undefined,
  ): void {
    const cv = req.header.commandVariant;
    const srv = req.header.serviceReferenceVariant;
    if (!ENDPOINT_COMMAND_VARIANTS[endpoint].includes(cv))
      throw wrongEndpoint(cv, `/api/v1/${endpoint}`, `/api/v1/${endpointForCommandVariant(cv)}`);
    // A CV neither DUIS nor the SRV table's policies define for the SR is E12 before any
    // local-delivery refusal (8.5: CV 1 only; 8.1.1's CV 6/7 exist under the no-WAN policy).
    const entry = srvEntry(srv);
    if (entry && !entry.duisCommandVariants.includes(cv) && !entry.refused.some((r) => r.cvs.includes(cv)))
      throw commandVariantNotAllowed(srv, cv, `DUIS allows ${entry.duisCommandVariants.join(', ')}`);
    if (isLocalDeliveryCommandVariant(cv)) {
      // The SRV table's refusals: firmware never locally (DSP-3, CH-3), 8.1.1 only under the no-WAN policy.
      const refusal = cvRefusal(srv, cv, user.policies);
      if (refusal) throw localDeliveryRefused(srv, cv, refusal.reason);
      // Decision "time without WAN" (3.1.1): future-dated work is not offered for local delivery.
      if (at !== undefined)
        throw localDeliveryRefused(
          srv,
          cv,
          `future-dated work (${new Date(at).toISOString()}) is not offered for local delivery (SECMP0038 3.1.1)`,
        );
    }
    const allowed = offeredCommandVariants(srv, user.policies);
    if (!allowed.includes(cv)) throw commandVariantNotAllowed(srv, cv, `allowed: ${allowed.join(', ')}`);
  }

  #newRecord(
    req: DuisRequest,
    user: DspUser,
    device: DspInventoryDevice | undefined,
    requestId: string,
    state: DspRequestState,
  ): DspRequestRecord {
    const now = this.clock.now();
    const h = req.header;
    return {
      requestId,
      user: user.eui,
      target: h.requestId.target,
      counter: h.requestId.counter,
      srv: h.serviceReferenceVariant,
      srClass: req.definition.class,
      cv: h.commandVariant,
      state,
      chf: device?.chf ?? null,
      csp: device?.csp ?? null,
      gbcsKey: null,
      useCase: null,
      messageCode: null,
      wan: false,
      localCopy: false,
      chIsolated: device ? this.inventory.isIsolated(device.chf) : false,
      commandSha256: null,
      commandHex: null,
      preCommandHex: null,
      cin: null,
      responseCode: null,
      responseRoute: null,
      responseCount: 0,
      createdAt: now,
      updatedAt: now,
      scheduledAt: null,
      executionAt: null,
      expiresAt: null,
      respondedAt: null,
    };
  }

  #acceptCounter(user: Eui, counter: bigint): void {
    const last = this.#counters.get(user);
    if (last !== undefined && counter <= last) return;
    this.#counters.set(user, counter);
    this.journal.putCounter(user, counter, this.clock.now());
  }

  /** The next ACB Originator Counter (persisted), for a command the DCC originates (transform, Set CH Time). */
  nextAcbCounter(): bigint {
    return this.#nextAcbCounter();
  }

  #nextAcbCounter(): bigint {
    const c = this.#acbCounter++;
    this.journal.putCounter(this.acb, c, this.clock.now());
    return c;
  }

  /** CV 1/2/3: a non-critical SR becomes a Command with the ACB MAC (DSP-2). */
  #commandFromRequest(
    req: DuisRequest,
    user: DspUser,
    device: DspInventoryDevice,
    requestId: string,
  ): DspReply {
    const result = transformServiceRequest(req, this.#transformContext);
    if (result.kind !== 'command')
      throw commandVariantNotAllowed(
        req.header.serviceReferenceVariant,
        req.header.commandVariant,
        'the SR is critical',
      );
    const rec = this.#newRecord(req, user, device, requestId, 'received');
    rec.useCase = result.useCase;
    rec.messageCode = result.messageCode;
    rec.gbcsKey = gbcsKey(result.originator, result.target, result.originatorCounter);
    if (result.cin !== undefined) rec.cin = result.cin;
    if (result.execution.kind === 'at') rec.executionAt = result.execution.at.getTime();
    const scheduledAt = result.dspScheduledAt?.getTime();
    if (scheduledAt !== undefined) rec.executionAt = scheduledAt;
    return this.#accepted(rec, user, device, this.#dispatch(req, rec, result.gbcs, scheduledAt));
  }

  /**
   * What an accepted device SR changes in the DSP's own records: 8.5 opts the
   * device out at its ExecutionDateTime (enrolment.ts) and removes its DSP
   * schedules; 6.23 (change of supplier) makes the requesting supplier the
   * meter's registered one (registration.ts) and removes the other suppliers'
   * schedules on the device (scheduler.ts, DSPScheduleRemoval).
   */
  #accepted(rec: DspRequestRecord, user: DspUser, device: DspInventoryDevice, reply: DspReply): DspReply {
    if (reply.error !== undefined) return reply;
    const now = this.clock.now();
    if (rec.srv === SERVICE_OPT_OUT_SRV) {
      optOut(this.records, this.inventory, device.eui, rec.executionAt ?? now, now);
      this.schedules.removeForDevice(device.eui, 'opted-out');
    } else if (rec.srv === CHANGE_OF_SUPPLIER_SRV) {
      this.registration.changeOfSupplier(user, device, now);
      const supplierRoles = user.roles.filter((r) => SUPPLIER_ROLES.includes(r));
      this.schedules.removeForDevice(
        device.eui,
        'change-of-supplier',
        (owner) =>
          owner !== user.eui &&
          (this.#users.get(owner)?.roles.some((r) => supplierRoles.includes(r)) ?? false),
      );
    }
    return reply;
  }

  /** CV 4: a critical SR becomes a Pre-Command for the user to sign. */
  #preCommand(req: DuisRequest, user: DspUser, device: DspInventoryDevice, requestId: string): DspReply {
    const result = transformServiceRequest(req, this.#transformContext);
    if (result.kind !== 'pre-command')
      throw commandVariantNotAllowed(req.header.serviceReferenceVariant, 4, 'the SR is not critical');
    const rec = this.#newRecord(req, user, device, requestId, 'received');
    rec.useCase = result.useCase;
    rec.messageCode = result.messageCode;
    rec.gbcsKey = gbcsKey(result.originator, result.target, result.originatorCounter);
    rec.preCommandHex = toHex(result.gbcs);
    if (result.execution.kind === 'at') rec.executionAt = result.execution.at.getTime();
    transition(rec, 'pre-command-issued', this.clock.now());
    rec.expiresAt = this.clock.now() + this.preCommandTimeoutMs;
    this.#acceptCounter(user.eui, rec.counter);
    this.#index(rec);
    this.#save(rec);
    this.#arm(rec);
    this.metrics.inc('cv4.preCommands');
    return this.#reply(req, 'I0', { type: 'PreCommand', gbcsVersion: this.#gbcsVersion, gbcs: result.gbcs });
  }

  /** CV 5/6/7: the user's Signed Pre-Command, checked (DSP-2), gets the ACB MAC. */
  #commandFromSignedPreCommand(
    req: DuisRequest,
    user: DspUser,
    device: DspInventoryDevice,
    requestId: string,
    issued: DspRequestRecord | undefined,
  ): DspReply {
    let body: ReturnType<typeof signedPreCommand>;
    try {
      body = signedPreCommand(req.body);
    } catch (e) {
      throw new DspServiceError('DSP_XSD_INVALID', `SignedPreCommand: ${errText(e)}`, {
        httpStatus: 400,
        cause: e,
      });
    }
    const expect: Parameters<typeof completeSignedPreCommandResult>[2] = {
      requestId: req.header.requestId,
      srv: req.header.serviceReferenceVariant,
    };
    if (issued?.preCommandHex) expect.issuedPreCommand = Buffer.from(issued.preCommandHex, 'hex');
    const result = completeSignedPreCommandResult(body.gbcsPayload, this.#transformContext, expect);
    const rec = issued ?? this.#newRecord(req, user, device, requestId, 'received');
    if (issued) {
      rec.cv = req.header.commandVariant;
      rec.chIsolated = rec.chIsolated || this.inventory.isIsolated(device.chf);
      this.#timers.get(rec.requestId)?.cancel();
    }
    rec.useCase = result.useCase;
    rec.messageCode = result.messageCode;
    rec.gbcsKey = gbcsKey(result.originator, result.target, result.originatorCounter);
    return this.#accepted(rec, user, device, this.#dispatch(req, rec, result.gbcs, undefined));
  }

  /** 8.6: the ACB's KA and DS certificates of the key store (DER). */
  #brokerCredentials(): BrokerCredentials {
    const out: BrokerCredentials = {};
    const ka = this.security.keyStore.certificate(this.acb, 'ka');
    const ds = this.security.keyStore.certificate(this.acb, 'ds');
    if (ka) out.ka = ka.der;
    if (ds) out.ds = ds.der;
    return out;
  }

  /** 5.1: the scheduled SR against the user's roles, the inventory and a dry transform (PROVISIONAL codes). */
  #checkSchedule(user: Eui, spec: ScheduleSpec): void {
    const u = this.#users.get(user)!;
    if (!u.roles.some((r) => eligibleRoles(spec.srv, this.#eligibility).includes(r)))
      throw new ScheduleError('E050103', `roles ${u.roles.join(',')} may not send SR ${spec.srv}`);
    const device = this.inventory.get(spec.device);
    if (!device) throw new ScheduleError('E050101', `device ${spec.device} is not in the inventory`);
    if (!roleMayAddressDevice(u.roles, device.deviceType))
      throw new ScheduleError('E050103', `roles ${u.roles.join(',')} may not address a ${device.deviceType}`);
    if (!supplierMayAddress(u, device, spec.srv, this.registration.supplierOf))
      throw new ScheduleError('E050103', `${u.eui} is not the registered supplier of ${device.eui}`);
    const eligible = eligibleRoles(spec.srv, this.#eligibility);
    const gbcs = deviceSrGbcsAccess(
      spec.srv,
      device.deviceType,
      u.roles.filter((r) => eligible.includes(r)),
    );
    if (!gbcs.ok) throw new ScheduleError('E050103', gbcs.detail);
    const at = this.clock.now();
    try {
      transformServiceRequest(
        scheduledRunRequest(user, spec, runCounter(undefined, at), at),
        this.#transformContext,
      );
    } catch (e) {
      throw new ScheduleError('E050107', `SR ${spec.srv} cannot be sent to ${spec.device}: ${errText(e)}`);
    }
  }

  /** A schedule's run: the device SR through the ordinary device path (CV 1), or a CommandFailure alert. */
  #issueScheduledRun(
    user: Eui,
    spec: ScheduleSpec,
    scheduleId: number,
    at: number,
  ): { requestId: string; error?: string } {
    const req = scheduledRunRequest(user, spec, runCounter(this.#counters.get(user), this.clock.now()), at);
    const requestId = formatRequestId(req.header.requestId);
    let error: string | undefined;
    const u = this.#users.get(user);
    const device = this.inventory.get(spec.device);
    if (u?.status !== 'active') error = `user ${user} is not an active user`;
    else if (!device) error = `device ${spec.device} is no longer in the inventory`;
    else {
      try {
        this.#commandFromRequest(req, u, device, requestId);
      } catch (e) {
        error = errText(e);
      }
    }
    if (error === undefined) return { requestId };
    const xml = this.#signedResponse({
      header: { responseCode: 'I0', responseDateTime: new Date(this.clock.now()) },
      body: {
        kind: 'DCCAlertMessage',
        dccAlertCode: SCHEDULE_ALERT_CODES.CommandFailure,
        alert: commandFailureAlert(requestId, scheduleId, spec.device),
      },
    });
    this.#post(user, 'alert', null, `schedule-failure:${requestId}`, xml);
    return { requestId, error };
  }

  /** A schedule the DSP removed itself: the DCC alert DSPScheduleRemoval to its user. */
  #scheduleRemoved(user: Eui, scheduleId: number, device: Eui): void {
    const xml = this.#signedResponse({
      header: { responseCode: 'I0', responseDateTime: new Date(this.clock.now()) },
      body: {
        kind: 'DCCAlertMessage',
        dccAlertCode: SCHEDULE_ALERT_CODES.DSPScheduleRemoval,
        alert: scheduleRemovalAlert(scheduleId, device),
      },
    });
    this.#post(user, 'alert', null, `schedule-removal:${scheduleId}`, xml);
  }

  /**
   * Sends and/or hands out a Command per the CV and answers: CV 1/5 I99; CV
   * 2/6 I0 with the Local Command; CV 3/7 I99 with the Local Command (the
   * device response follows asynchronously, docs/dsp.md).
   */
  #dispatch(
    req: DuisRequest,
    rec: DspRequestRecord,
    gbcs: Uint8Array,
    scheduledAt: number | undefined,
  ): DspReply {
    const cv = rec.cv;
    const now = this.clock.now();
    const wan = isWanCommandVariant(cv);
    const local = isLocalDeliveryCommandVariant(cv);
    rec.wan = wan;
    rec.localCopy = local;
    rec.commandSha256 = sha256Hex(gbcs);
    if (wan && scheduledAt !== undefined && scheduledAt > now) {
      // DSP future dating (e.g. 4.1.1 with ExecutionDateTime): the DSP holds the command until then.
      rec.scheduledAt = scheduledAt;
      rec.commandHex = toHex(gbcs);
      transition(rec, 'scheduled', now);
      rec.expiresAt = scheduledAt + this.responseTimeoutMs;
    } else {
      if (wan) this.#sendOverWan(rec, gbcs);
      transition(rec, wan && local ? 'sent-and-issued' : wan ? 'sent' : 'issued-local', now);
      rec.expiresAt = now + this.responseTimeoutMs;
    }
    this.#acceptCounter(rec.user, rec.counter);
    this.#index(rec);
    this.#save(rec);
    if (local) this.#logLocalDelivery(rec, gbcs);
    this.#arm(rec);
    this.metrics.inc(`cv${cv}.accepted`);
    if (local) return this.#reply(req, wan ? 'I99' : 'I0', { type: 'LocalCommand', gbcs });
    return this.#reply(req, 'I99');
  }

  #sendOverWan(rec: DspRequestRecord, gbcs: Uint8Array): void {
    // over the HAN tunnel's transfer size: GBT blocks, in order, under the one request (han-downlink.ts)
    let transfers: Uint8Array[];
    try {
      transfers = downlinkTransfers(gbcs, this.inventory.deviceTypeOf(rec.target));
    } catch (e) {
      throw new DspServiceError('DSP_GBT_SPLIT', `the command cannot be cut into GBT blocks: ${errText(e)}`, {
        httpStatus: 500,
        cause: e,
      });
    }
    try {
      for (const t of transfers)
        this.#downlink.sendCommand({ requestId: rec.requestId, target: rec.target, chf: rec.chf!, gbcs: t });
    } catch (e) {
      throw new DspServiceError('DSP_WAN_UNAVAILABLE', `the SM WAN refused the command: ${errText(e)}`, {
        responseCode: 'E20',
        cause: e,
      });
    }
    this.metrics.inc('wan.commands');
    if (transfers.length > 1) this.metrics.inc('wan.gbtBlocks', transfers.length);
  }

  /** SECMP0038 DSP-4 log entry and DSP-5 charge for a command handed out for local delivery. */
  #logLocalDelivery(rec: DspRequestRecord, gbcs: Uint8Array): void {
    const at = this.clock.now();
    const entry = {
      at,
      request_id: rec.requestId,
      user_eui: rec.user,
      target: rec.target,
      chf: rec.chf ?? '',
      csp: rec.csp ?? '',
      srv: rec.srv,
      cv: rec.cv,
      gbcs_sha256: sha256Hex(gbcs),
    };
    const charge = {
      at,
      user_eui: rec.user,
      request_id: rec.requestId,
      srv: rec.srv,
      sr_class: rec.srClass,
      cv: rec.cv,
      amount: localDeliveryCharge(this.tariff, rec.srClass, rec.cv),
      currency: this.tariff.currency,
    };
    this.journal.insert('dsp_local_delivery_log', entry);
    this.journal.insert('dsp_charges', charge);
    this.metrics.inc('localDelivery.issued');
  }

  /**
   * SR 8.13 Return Local Command Response: a device response the user
   * captured locally. Accepted only if it answers a command this DSP handed
   * out for local delivery to this user (Request ID, GBCS originator,
   * recipient and counter match; MAC and signature verify where the DSP
   * holds the keys); it then counts as that request's device response
   * (DSP-6: forwarded only if it is the first).
   */
  #returnLocalCommandResponse(req: DuisRequest, user: DspUser, requestId: string): NonDeviceAnswer {
    const E = RETURN_LOCAL_RESPONSE_ERRORS;
    let v: ReturnType<typeof returnLocalCommandResponse>;
    try {
      v = returnLocalCommandResponse(req.body);
    } catch (e) {
      throw new DspServiceError('DSP_XSD_INVALID', `ReturnLocalCommandResponse: ${errText(e)}`, {
        httpStatus: 400,
        cause: e,
      });
    }
    const reject = (code: DuisResponseCode, why: string) =>
      new DspServiceError('DSP_LOCAL_RESPONSE_REJECTED', `8.13: ${why}`, { responseCode: code });
    let msg: GbcsMessage;
    try {
      // an empty DeviceGBCSResponse is XSD-valid; it is no GBCS message (issue 17: it was called XSD-invalid)
      if (v.deviceGbcsResponse.length === 0) throw new Error('it is empty');
      msg = decodeMessage(v.deviceGbcsResponse);
    } catch (e) {
      throw reject(E.mismatch, `DeviceGBCSResponse is not a GBCS message (${errText(e)})`);
    }
    if (msg.cra !== 'response')
      throw reject(E.mismatch, `DeviceGBCSResponse is a ${msg.cra}, not a response`);
    const key = gbcsKey(msg.recipient, msg.originator, msg.originatorCounter);
    const byKey = this.#byGbcsKey.get(key);
    const orig = v.originalRequestId ? formatRequestId(v.originalRequestId) : undefined;
    const rec = orig !== undefined ? this.#requests.get(orig) : byKey;
    if (!rec || rec.user !== user.eui)
      throw reject(E.unknownRequest, `no request ${orig ?? key} of ${user.eui} is known to this DSP`);
    if (!rec.localCopy)
      throw reject(E.unknownRequest, `request ${rec.requestId} was not handed out for local delivery`);
    if (byKey !== rec)
      throw reject(
        E.mismatch,
        `the response (${msg.originator} -> ${msg.recipient}, counter ${msg.originatorCounter}) does not answer request ${rec.requestId}`,
      );
    const mac = this.security.verifyMac(msg);
    const sig = this.security.verifySignature(msg);
    if (mac === 'invalid' || sig === 'invalid')
      throw reject(E.integrity, `the response's ${mac === 'invalid' ? 'MAC' : 'signature'} does not verify`);
    // The 8.13 request itself: accepted and complete.
    const own = this.#newRecord(req, user, undefined, requestId, 'received');
    transition(own, 'completed', this.clock.now());
    own.responseCode = 'I99';
    this.#acceptCounter(user.eui, own.counter);
    this.#index(own);
    this.#save(own);
    this.#deviceResponse(rec, msg, 'local', null);
    this.metrics.inc('returnLocalResponse.accepted');
    // DUIS I99: a successful non-device SR with no XML data to return.
    return { code: 'I99' };
  }

  // ------------------------------------------------------------------ device messages

  /** DspDeviceMessageSink: a response or alert from a CH over the SM WAN (CSP). */
  /**
   * A device message from the SM WAN. Handled at once; the promise resolves
   * true once the journal holds what it changed, so the CH may drop its copy
   * (its uplink is confirmed: a crash before that re-sends it, matched once, DSP-6).
   */
  onDeviceMessage(m: { chf: Eui; gbcs: Uint8Array; at: number }): Promise<boolean> {
    this.#onDeviceMessage(m);
    return this.journal.flush().then(
      () => true,
      () => false,
    );
  }

  #onDeviceMessage(m: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    this.metrics.inc('wan.deviceMessages');
    let msg: GbcsMessage;
    try {
      msg = decodeMessage(m.gbcs);
    } catch (e) {
      this.#recordDeviceMessage('wan', m.chf, undefined, m.gbcs, null, 'malformed', errText(e));
      return;
    }
    if (msg.cra === 'alert') {
      this.#deviceAlert(msg, m.chf);
      return;
    }
    if (msg.cra !== 'response') {
      this.#recordDeviceMessage('wan', m.chf, msg, m.gbcs, null, 'ignored', `a ${msg.cra} reached the DSP`);
      return;
    }
    const rec = this.#byGbcsKey.get(gbcsKey(msg.recipient, msg.originator, msg.originatorCounter));
    if (!rec) {
      this.#recordDeviceMessage(
        'wan',
        m.chf,
        msg,
        m.gbcs,
        null,
        'unmatched',
        'no request with this originator, recipient and counter',
      );
      return;
    }
    const mac = this.security.verifyMac(msg);
    const sig = this.security.verifySignature(msg);
    if (mac === 'invalid' || sig === 'invalid') {
      this.#recordDeviceMessage(
        'wan',
        m.chf,
        msg,
        m.gbcs,
        rec.requestId,
        'rejected',
        `${mac === 'invalid' ? 'MAC' : 'signature'} does not verify`,
      );
      return;
    }
    this.#deviceResponse(rec, msg, 'wan', m.chf);
  }

  /**
   * SECMP0038 DSP-6: the first device response for a request is forwarded
   * (I0 with the GBCS payload); any later one (the meter's replay rejection
   * of the second copy, or the same response via 8.13 and the WAN) is
   * recorded and not forwarded.
   */
  #deviceResponse(
    rec: DspRequestRecord,
    msg: GbcsMessage,
    route: ResponseRoute,
    chf: Eui | null,
  ): DeviceMessageDisposition {
    const now = this.clock.now();
    rec.responseCount++;
    rec.updatedAt = now;
    let disposition: DeviceMessageDisposition;
    let reason: string | null = null;
    if (rec.state === 'responded') {
      disposition = 'duplicate';
      reason = `request already answered via ${rec.responseRoute} (DSP-6)`;
      this.metrics.inc('responses.duplicate');
    } else if (rec.state === 'expired' && !lateLocalAnswer(rec)) {
      disposition = 'late';
      reason = 'request had expired; the user was told E21';
    } else if (!AWAITING_RESPONSE.has(rec.state) && !lateLocalAnswer(rec)) {
      disposition = 'unexpected';
      reason = `request is ${rec.state}`;
    } else {
      transition(rec, 'responded', now);
      this.#backUpDeviceLogs(msg);
      rec.respondedAt = now;
      rec.responseRoute = route;
      rec.responseCode = 'I0';
      if (rec.chf && this.inventory.isIsolated(rec.chf)) rec.chIsolated = true;
      this.#timers.get(rec.requestId)?.cancel();
      this.#timers.delete(rec.requestId);
      const def = serviceRequest(rec.srv)!;
      // a DSP schedule's run: DSPScheduledMessage, no RequestID (the user sent none)
      const scheduleId = this.schedules.scheduleOfRequest(rec.requestId);
      const xml = this.#signedResponse({
        header: {
          ...(scheduleId === undefined ? { requestId: this.#requestIdOf(rec) } : {}),
          responseId: { originator: msg.originator, target: rec.user, counter: rec.counter },
          responseCode: 'I0',
          responseDateTime: new Date(now),
        },
        body: {
          kind: 'ResponseMessage',
          serviceReference: def.serviceReference,
          serviceReferenceVariant: rec.srv,
          payload:
            scheduleId !== undefined
              ? scheduledMessage(msg.bytes, scheduleId)
              : rec.cin !== null
                ? cinMessage(msg.bytes, rec.cin)
                : { type: 'GBCSPayload', gbcs: msg.bytes },
        },
      });
      disposition = this.#post(rec.user, 'response', rec.requestId, `response:${rec.requestId}`, xml)
        ? 'forwarded'
        : 'undeliverable';
      this.#armRetention(rec);
      this.metrics.inc(`responses.${route}`);
    }
    this.#save(rec);
    this.#recordDeviceMessage(route, chf ?? rec.chf, msg, msg.bytes, rec.requestId, disposition, reason);
    return disposition;
  }

  /**
   * A device alert goes to the remote party it is addressed to (or the business party behind the ACB);
   * one the CHF addresses to the ACB itself, as a DCC Alert where the DCC passes it on (alert-routing.ts).
   */
  #deviceAlert(msg: GbcsMessage, chf: Eui): void {
    const code = decodePayload(msg.content, msg.messageCode).alert?.code;
    const route = routeDeviceAlert(msg, code, this.#alertRouting);
    if (route.kind === 'dcc-kept') {
      // verified and fresh (alert-integrity.ts): the Device Log it carries becomes the CH's backup
      for (const part of this.deviceLogBackups.observe(msg, this.clock.now()))
        this.metrics.inc(`deviceLogBackups.${part}`);
      this.metrics.inc('alerts.kept');
      this.#recordDeviceMessage('wan', chf, msg, msg.bytes, null, 'alert-kept', route.useCase);
      return;
    }
    if (route.kind === 'unroutable') {
      this.#recordDeviceMessage(
        'wan',
        chf,
        msg,
        msg.bytes,
        null,
        route.rejected ? 'rejected' : 'alert-unroutable',
        route.reason,
      );
      return;
    }
    const id = `alert:${msg.originator}:${msg.originatorCounter}:${this.clock.now()}`;
    let ok: boolean;
    if (route.kind === 'device-alert') {
      ok = this.#post(
        route.user,
        'alert',
        null,
        id,
        this.#signedResponse(this.#alertResponse(msg, route.user, code!)),
      );
      this.metrics.inc('alerts.forwarded');
    } else {
      const xml = this.#signedResponse({
        header: { responseCode: 'I0', responseDateTime: new Date(this.clock.now()) },
        body: { kind: 'DCCAlertMessage', dccAlertCode: route.dccAlertCode, alert: route.alert },
      });
      ok = route.users.map((u) => this.#post(u, 'alert', null, `${id}:${u}`, xml)).every(Boolean);
      this.metrics.inc('alerts.forwarded', route.users.length);
      this.metrics.inc('alerts.dccAlerts', route.users.length);
    }
    this.#recordDeviceMessage(
      'wan',
      chf,
      msg,
      msg.bytes,
      null,
      ok ? 'alert-forwarded' : 'undeliverable',
      null,
    );
  }

  /** What alert-routing.ts reads of this DSP. */
  readonly #alertRouting: AlertRoutingView = {
    user: (eui) => this.#users.get(eui),
    devicesOnChf: (chf) => this.inventory.all().filter((d) => d.chf === chf),
    supplierOf: this.registration.supplierOf,
    firmwareDistributionTo: (device) => this.records.latestFirmwareDistribution(device),
    admitAcbAlert: (msg) => this.acbAlerts.admit(msg),
  };

  /**
   * The DUIS Response of a device alert: an 8F66 / 8F67 whose future-dated
   * command is known (its request, else the catalogue's one SRV for its
   * Message Code) is a ResponseMessage FutureDatedDeviceAlertMessage
   * (future-dated-alerts.ts), with the request's RequestID when the DSP
   * still holds it; every other alert a DeviceAlertMessage.
   */
  #alertResponse(msg: GbcsMessage, user: Eui, code: number): DuisResponseInput {
    const header = {
      responseId: { originator: msg.originator, target: user, counter: msg.originatorCounter },
      responseCode: 'I0' as const,
      responseDateTime: new Date(this.clock.now()),
    };
    const ref = FUTURE_DATED_ALERT_CODES.includes(code)
      ? futureDatedReference(msg.messageCode, msg.content)
      : undefined;
    const rec = ref && this.#byGbcsKey.get(gbcsKey(msg.recipient, msg.originator, ref.commandCounter));
    const srv = rec?.srv ?? srvOfMessageCode(ref?.commandMessageCode);
    const def = srv === undefined ? undefined : serviceRequest(srv);
    if (!ref || !def) {
      if (ref) this.metrics.inc('alerts.futureDatedUnmatched');
      return {
        header,
        body: {
          kind: 'DeviceAlertMessage',
          alertCode: code.toString(16).toUpperCase().padStart(4, '0'),
          gbcsPayload: msg.bytes,
        },
      };
    }
    this.metrics.inc('alerts.futureDated');
    return {
      header: rec ? { ...header, requestId: this.#requestIdOf(rec) } : header,
      body: {
        kind: 'ResponseMessage',
        serviceReference: def.serviceReference,
        serviceReferenceVariant: def.srv,
        payload: { type: 'Other', node: futureDatedAlertNode(ref, msg.bytes) },
      },
    };
  }

  /** A CCS07 response or GCS62 alert whose MAC verifies becomes a Device Log backup (8.12.x). */
  #backUpDeviceLogs(msg: GbcsMessage): void {
    if (!DeviceLogBackups.isSource(msg) || this.security.verifyMac(msg) !== 'valid') return;
    for (const part of this.deviceLogBackups.observe(msg, this.clock.now()))
      this.metrics.inc(`deviceLogBackups.${part}`);
  }

  #recordDeviceMessage(
    route: ResponseRoute,
    chf: Eui | null,
    msg: GbcsMessage | undefined,
    bytes: Uint8Array,
    requestId: string | null,
    disposition: DeviceMessageDisposition,
    reason: string | null,
  ): void {
    const row = {
      at: this.clock.now(),
      route,
      chf,
      cra: msg?.cra ?? null,
      originator: msg?.originator ?? null,
      recipient: msg?.recipient ?? null,
      counter: msg ? msg.originatorCounter.toString().padStart(20, '0') : null,
      message_code: msg?.messageCode ?? null,
      request_id: requestId,
      disposition,
      reason,
      gbcs_hex: toHex(bytes),
    };
    this.metrics.inc(`deviceMessages.${disposition}`);
    if (disposition !== 'forwarded' && disposition !== 'alert-forwarded')
      log.info('device message not forwarded', {
        disposition,
        reason,
        requestId,
        originator: row.originator,
      });
    this.journal.insert('dsp_device_messages', row);
  }

  // ------------------------------------------------------------------ timers

  #index(rec: DspRequestRecord): void {
    this.#requests.set(rec.requestId, rec);
    if (rec.gbcsKey) this.#byGbcsKey.set(rec.gbcsKey, rec);
  }

  #unindex(rec: DspRequestRecord): void {
    this.#requests.delete(rec.requestId);
    if (rec.gbcsKey && this.#byGbcsKey.get(rec.gbcsKey) === rec) this.#byGbcsKey.delete(rec.gbcsKey);
  }

  /** (Re-)arms a request's timer: DSP-scheduled send, expiry, or retention in memory. */
  #arm(rec: DspRequestRecord): void {
    this.#timers.get(rec.requestId)?.cancel();
    this.#timers.delete(rec.requestId);
    if (this.#closed) return;
    const now = this.clock.now();
    if (rec.state === 'scheduled' && rec.scheduledAt !== null) {
      this.#timers.set(
        rec.requestId,
        this.clock.setTimer(
          rec.scheduledAt - now,
          () => this.#sendScheduled(rec),
          `dsp-scheduled:${rec.requestId}`,
        ),
      );
    } else if (
      (AWAITING_RESPONSE.has(rec.state) || rec.state === 'pre-command-issued') &&
      rec.expiresAt !== null
    ) {
      this.#timers.set(
        rec.requestId,
        this.clock.setTimer(rec.expiresAt - now, () => this.#expire(rec), `dsp-expiry:${rec.requestId}`),
      );
    } else if (TERMINAL.has(rec.state)) {
      this.#armRetention(rec);
    }
  }

  /**
   * A record stays indexed `retentionMs` after its last change, or after its
   * execution date-time when later (a device future-dated command's 8F66 /
   * 8F67 alert then still finds its request).
   */
  #armRetention(rec: DspRequestRecord): void {
    this.#timers.get(rec.requestId)?.cancel();
    const until = Math.max(rec.updatedAt, rec.executionAt ?? 0) + this.retentionMs;
    const delay = until - this.clock.now();
    this.#timers.set(
      rec.requestId,
      this.clock.setTimer(
        Math.min(delay, MAX_TIMER_MS),
        () => {
          this.#timers.delete(rec.requestId);
          if (delay > MAX_TIMER_MS) this.#armRetention(rec);
          else this.#unindex(rec);
        },
        `dsp-retention:${rec.requestId}`,
      ),
    );
  }

  #sendScheduled(rec: DspRequestRecord): void {
    this.#timers.delete(rec.requestId);
    if (rec.state !== 'scheduled' || rec.commandHex === null) return;
    const gbcs = new Uint8Array(Buffer.from(rec.commandHex, 'hex'));
    try {
      this.#sendOverWan(rec, gbcs);
    } catch (e) {
      log.warn('scheduled command could not be sent; it expires', {
        requestId: rec.requestId,
        error: errText(e),
      });
      this.#expire(rec);
      return;
    }
    transition(rec, 'sent', this.clock.now());
    rec.commandHex = null;
    rec.expiresAt = this.clock.now() + this.responseTimeoutMs;
    this.#save(rec);
    this.#arm(rec);
  }

  /** No device response in time: E21 to the user for commands sent over the WAN. */
  #expire(rec: DspRequestRecord): void {
    this.#timers.delete(rec.requestId);
    if (!(AWAITING_RESPONSE.has(rec.state) || rec.state === 'pre-command-issued')) return;
    const wasAwaiting = AWAITING_RESPONSE.has(rec.state);
    transition(rec, 'expired', this.clock.now());
    rec.commandHex = null;
    if (wasAwaiting && rec.wan) {
      rec.responseCode = 'E21';
      const def = serviceRequest(rec.srv)!;
      const xml = this.#signedResponse({
        header: {
          requestId: this.#requestIdOf(rec),
          responseCode: 'E21',
          responseDateTime: new Date(this.clock.now()),
        },
        body: {
          kind: 'ResponseMessage',
          serviceReference: def.serviceReference,
          serviceReferenceVariant: rec.srv,
        },
      });
      this.#post(rec.user, 'error', rec.requestId, `expired:${rec.requestId}`, xml);
    }
    this.metrics.inc('requests.expired');
    this.#save(rec);
    this.#armRetention(rec);
  }

  // ------------------------------------------------------------------ output

  #requestIdOf(rec: DspRequestRecord): RequestId {
    return { originator: rec.user, target: rec.target, counter: rec.counter };
  }

  #save(rec: DspRequestRecord): void {
    this.journal.putRequest(rec);
  }

  #signedResponse(input: DuisResponseInput): string {
    return signBuiltDuis(buildDuisResponseDocument(input), this.#signer);
  }

  #post(user: Eui, kind: OutboxKind, requestId: string | null, id: string, xml: string): boolean {
    const u = this.#users.get(user);
    if (!u) {
      log.warn('no registered user to deliver to', { user, id });
      return false;
    }
    return this.outbox.enqueue({
      id,
      user,
      url: u.receiveUrl,
      kind,
      requestId,
      xml,
      createdAt: this.clock.now(),
    });
  }

  #reply(
    req: DuisRequest,
    code: DuisResponseCode,
    payload?: Extract<DuisResponseBody, { kind: 'ResponseMessage' }>['payload'],
  ): DspReply {
    const body: Extract<DuisResponseBody, { kind: 'ResponseMessage' }> = {
      kind: 'ResponseMessage',
      serviceReference: req.definition.serviceReference,
      serviceReferenceVariant: req.header.serviceReferenceVariant,
    };
    if (payload) body.payload = payload;
    const response: DuisResponseInput = {
      header: {
        requestId: req.header.requestId,
        responseCode: code,
        responseDateTime: new Date(this.clock.now()),
      },
      body,
    };
    const out: DspReply = {
      httpStatus: 200,
      contentType: 'application/xml',
      body: this.#deferSigning ? '' : this.#signedResponse(response),
      requestId: formatRequestId(req.header.requestId),
      responseCode: code,
    };
    if (this.#deferSigning) out.unsignedResponse = response;
    return out;
  }

  #httpReject(e: { code: string; message: string; httpStatus: number }, requestId?: string): DspReply {
    const out: DspReply = {
      httpStatus: e.httpStatus,
      contentType: 'text/plain',
      body: `${e.code}: ${e.message}`,
      error: e.code,
    };
    if (requestId !== undefined) out.requestId = requestId;
    return out;
  }

  /** A rejection: a signed DUIS error Response where DUIS has a code, else the HTTP status. */
  #reject(e: unknown, req: DuisRequest | undefined): DspReply {
    if (e instanceof DspUrpCredentialError) this.metrics.inc(`urp.refused.${e.reason}`);
    return this.#rejected(rejectionOf(e), req);
  }

  #rejected(r: Rejection, req: DuisRequest | undefined): DspReply {
    const requestId = req ? formatRequestId(req.header.requestId) : undefined;
    const { code, message, httpStatus, responseCode } = r;
    if (r.unexpected) log.error('unexpected error handling a DUIS request', { error: message, requestId });
    this.metrics.inc(`rejected.${code}`);
    log.debug('request rejected', { code, message, requestId });
    if (responseCode && req) {
      const reply = this.#reply(req, responseCode);
      reply.error = code;
      return reply;
    }
    return this.#httpReject({ code, message, httpStatus }, requestId);
  }
}

export type { ServiceRequestClass };

/**
 * A CV 2/6 request expires silently (the user was told nothing, docs/dsp.md):
 * a device response that arrives after that, from a CH whose WAN appeared
 * days later (SECMP0038 3.1.1, a home without WAN), is still the request's
 * one answer and is forwarded once (DSP-6).
 */
function lateLocalAnswer(rec: DspRequestRecord): boolean {
  return rec.state === 'expired' && (rec.cv === 2 || rec.cv === 6) && rec.responseRoute == null;
}
