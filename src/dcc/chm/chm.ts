/**
 * The CSP's Communications Hub Manager (SECMP0038 CSP-2, CSP-3, CSP-4;
 * assessment 3.1.3 and section 4).
 *
 * - Receives what the SM WAN routes to it (ChmMessageSink): CH alerts and
 *   the Responses to its own commands. Each message is decoded and checked
 *   (signature with the CHF's DS certificate, MAC with the CHF's and the
 *   alert recipient's KA keys where the CHM holds one of the private keys),
 *   stored (chm_alerts), and applied to the CH's state when verified.
 * - Sends Block / Unblock Buffer Feed (PROVISIONAL Message Codes 0x0F01 /
 *   0x0F02) as real GBCS critical Commands from the WAN provider role: signed
 *   with the WAN provider's DS key and MAC'd by the ACB (ACB KA with the CHF
 *   KA: the MAC every remote-party Command carries, GBCS 6.2.4) — what the
 *   CHF's verifier checks (devices/chf/chf.ts handleOwnCommand: checkCommand,
 *   then originator role 6).
 * - Tracks each CH's mode from the Responses and the standalone alerts;
 *   lists CHs in standalone mode; A20: an isolated CH re-joins (Unblock) only
 *   after an operator marked it cleared; A22: a CH that ran isolated keeps the
 *   flag and its periods (for the returns process, fault reason "DCC Fault").
 * - Imports the DSP's local-delivery logs (DSP-4) for billing and the
 *   performance exclusion list (CSP-4, A21).
 *
 * Work is serialised: every incoming message and every operator action runs
 * in order on one async queue (one writer); `whenIdle()` resolves when
 * everything received so far is stored. Time comes from the injected Clock.
 */

import { createHash } from 'node:crypto';
import { KvStore } from '../../adapters/store/kv.ts';
import type { Store } from '../../adapters/store/open.ts';
import {
  type BufferFeedAction,
  encodeBufferFeedCommand,
  PROVISIONAL_MESSAGE_CODE,
} from '../../gbcs/codes/provisional.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { GbcsError } from '../../gbcs/errors.ts';
import type { KeyStore } from '../../gbcs/keystore.ts';
import { decodeDlmsApdu, gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import { type CheckResult, SecurityContext } from '../../gbcs/security.ts';
import { DEFAULT_ACB_EUI, type GbcsMessage } from '../../gbcs/types.ts';
import { type Eui, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { Logger } from '../../runtime/logger.ts';
import { Metrics } from '../../runtime/metrics.ts';
import type { ChmMessageSink } from '../contracts.ts';
import type { LocalDeliveryTariff } from '../dsp/charges.ts';
import { CsvError, parseLocalDeliveryCsv } from '../dsp/local-delivery-csv.ts';
import type { DownlinkMessage, DownlinkOutcome } from '../wan/sm-wan.ts';
import { decodeChAlert } from './decode.ts';
import { ChmError } from './errors.ts';
import {
  type AlertFilter,
  type ChMode,
  type ChmAlert,
  type ChmCh,
  type ChmCommand,
  ChmRepository,
  type DspImport,
  type IsolationPeriod,
} from './repository.ts';

/** How the CHM reaches the CHs: the SM WAN (SmWan implements it). */
export interface ChmDownlink {
  send(msg: DownlinkMessage, onOutcome?: (o: DownlinkOutcome) => void): void;
  /** whether the CH is on this WAN (unknown CHs are refused up front when given) */
  hasCh?(chf: Eui): boolean;
  /** whether the CH's WAN connection is up now, when this downlink knows (the CSP's SM WAN does) */
  chWanUp?(chf: Eui): boolean | undefined;
}

/** The WAN provider of the RTDS keystore (certificate OU 6) and of the project's test profiles. */
export const DEFAULT_WAN_PROVIDER_EUI = '90B3D51F30000007';
const WAN_PROVIDER_ROLE = 6;

export interface ChmOptions {
  clock: Clock;
  store: Store;
  /**
   * Certificates of the CHs (to verify their alerts and Responses) and of the
   * WAN provider, with the WAN provider's DS private key (to sign) and the
   * ACB's KA private key (to MAC; in this model the DCC's ACB MAC function is
   * reached as a key the CHM may use).
   */
  keyStore: KeyStore;
  wanProvider?: Eui;
  acb?: Eui;
  downlink?: ChmDownlink;
  metrics?: Metrics;
  /** TTL of a Block / Unblock on the WAN (default 24 h). */
  commandTtlMs?: number;
  /**
   * The DCC's local-delivery tariff (DSP-5), for the charges in CSP billing
   * (CSP-4); none: billing counts local deliveries only (charges null).
   */
  tariff?: LocalDeliveryTariff;
}

export type ChmEvent =
  | { type: 'alert'; alert: ChmAlert }
  | { type: 'ch'; ch: ChmCh }
  | { type: 'command'; command: ChmCommand }
  | { type: 'import'; fileName: string; added: number };

/** A22: what the CH returns process needs to know. */
export interface ReturnsRecord {
  chf: string;
  ranIsolated: boolean;
  periods: IsolationPeriod[];
  /** A22: defaults to "DCC Fault" for a CH that was operated in isolated mode */
  faultReason: 'DCC Fault' | null;
}

export class Chm implements ChmMessageSink {
  readonly clock: Clock;
  readonly repo: ChmRepository;
  readonly security: SecurityContext;
  readonly wanProvider: Eui;
  readonly metrics: Metrics;
  private downlink: ChmDownlink | undefined;
  private readonly kv: KvStore;
  private readonly log: Logger;
  private readonly listeners = new Set<(e: ChmEvent) => void>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly commandTtlMs: number;
  readonly tariff: LocalDeliveryTariff | undefined;

  constructor(o: ChmOptions) {
    this.clock = o.clock;
    this.repo = new ChmRepository(o.store);
    this.wanProvider = normaliseEui(o.wanProvider ?? DEFAULT_WAN_PROVIDER_EUI);
    this.security = new SecurityContext({ keyStore: o.keyStore, acb: o.acb ?? DEFAULT_ACB_EUI });
    this.downlink = o.downlink;
    this.metrics = o.metrics ?? new Metrics();
    this.kv = new KvStore(o.store.db, 'chm', { now: () => this.now() });
    this.log = Logger.withClock('chm', () => this.clock.now());
    this.commandTtlMs = o.commandTtlMs ?? 24 * 3_600_000;
    this.tariff = o.tariff;
  }

  /** The clock's time in whole milliseconds (the store's timestamps are integers). */
  now(): number {
    return Math.round(this.clock.now());
  }

  setDownlink(d: ChmDownlink | undefined): void {
    this.downlink = d;
  }

  get hasDownlink(): boolean {
    return this.downlink !== undefined;
  }

  /** The CH's SM WAN connection as the CSP sees it now: up, down, or unknown (no SM WAN view here). */
  chWan(chf: Eui): 'up' | 'down' | 'unknown' {
    const up = this.downlink?.chWanUp?.(normaliseEui(chf));
    return up === undefined ? 'unknown' : up ? 'up' : 'down';
  }

  /** Observes alerts, CH changes, commands and imports as they are stored (the dashboard's live feed). */
  onEvent(listener: (e: ChmEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ChmEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.warn('event listener failed', { error: String(err) });
      }
    }
  }

  /** Runs `job` after everything queued before it (one writer). */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const p = this.chain.then(job, job);
    this.chain = p.catch(() => {});
    return p;
  }

  /** Resolves when every message received and every action requested so far is done. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const c = this.chain;
      await c;
      if (c === this.chain) return;
    }
  }

  // ------------------------------------------------------------ uplink (ChmMessageSink)

  /** A message from a CH, routed to the CHM by the SM WAN. Returns at once; the work is queued. */
  onChMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    this.metrics.inc('chm.rx');
    const bytes = msg.gbcs.slice();
    void this.enqueue(() => this.ingest(msg.chf, bytes, msg.at)).catch((err) => {
      this.metrics.inc('chm.rx.failed');
      this.log.error('CH message not processed', { chf: msg.chf, error: String(err) });
    });
  }

  /** Decodes, checks, stores and applies one message (awaitable form of onChMessage). */
  ingestNow(msg: { chf: Eui; gbcs: Uint8Array; at: number }): Promise<ChmAlert | ChmCommand | null> {
    return this.enqueue(() => this.ingest(msg.chf, msg.gbcs, msg.at));
  }

  private async ingest(chfIn: Eui, bytes: Uint8Array, atIn: number): Promise<ChmAlert | ChmCommand | null> {
    const chf = normaliseEui(chfIn);
    // whole milliseconds in the store (virtual HAN times can be fractional)
    const at = Math.round(atIn);
    let m: GbcsMessage;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      this.metrics.inc('chm.rx.malformed');
      this.log.warn('undecodable message from CH', {
        chf,
        error: e instanceof GbcsError ? e.code : String(e),
        size: bytes.length,
      });
      return null;
    }
    if (m.cra === 'response' && m.recipient === this.wanProvider) return this.onResponse(chf, m, at);
    if (m.cra === 'alert') return this.onAlert(chf, m, at);
    this.metrics.inc('chm.rx.unexpected');
    this.log.warn('message the CHM does not handle', { chf, cra: m.cra, recipient: m.recipient });
    return null;
  }

  private check(m: GbcsMessage): { signature: CheckResult; mac: CheckResult; verified: boolean } {
    const signature = this.security.verifySignature(m);
    const mac = this.security.verifyMac(m);
    // Critical alerts (Message Code 0x1000) must carry a valid CHF signature; otherwise at least
    // one check must pass and none may fail (the CHM may hold no key for the MAC).
    const critical = m.messageCode === 0x1000;
    const verified =
      signature !== 'invalid' &&
      mac !== 'invalid' &&
      (critical ? signature === 'valid' : signature === 'valid' || mac === 'valid');
    return { signature, mac, verified };
  }

  private async onAlert(chf: Eui, m: GbcsMessage, at: number): Promise<ChmAlert | null> {
    const c = this.check(m);
    const d = decodeChAlert(m);
    const sha256 = createHash('sha256').update(m.bytes).digest('hex').toUpperCase();
    const alert: Omit<ChmAlert, 'id'> = {
      receivedAt: at,
      alertAt: d.alertAt,
      chf,
      originator: m.originator,
      counter: m.originatorCounter.toString(),
      messageCode: m.messageCode,
      alertCode: d.alertCode,
      alertType: d.alertType,
      name: d.name,
      critical: m.messageCode === 0x1000,
      provisional: d.provisional,
      ppmid: d.ppmid,
      reason: d.reason,
      target: d.target,
      detail: d.detail,
      signature: c.signature,
      mac: c.mac,
      verified: c.verified,
    };
    const { changed, stored } = await this.repo.db.transaction().execute(async (tx) => {
      const r = await this.repo.insertAlert({ ...alert, sha256, gbcsHex: toHex(m.bytes) }, tx);
      if (r.duplicate) return { changed: null, stored: null };
      const stored: ChmAlert = { ...alert, id: r.id };
      if (!c.verified) return { changed: null, stored };
      const ch = await this.repo.ensureCh(chf, at, tx);
      const patch: Partial<ChmCh> = { lastAlertAt: at };
      if (d.alertType === 'ppmid-connected') {
        patch.lastPpmidConnectedAt = at;
        patch.ppmidConnected = ch.ppmidConnected + 1;
      } else if (d.alertType === 'ppmid-relay-rejected') {
        patch.relayRejected = ch.relayRejected + 1;
      } else if (d.alertType === 'standalone-entered') {
        await this.enteredStandalone(chf, ch, at, `alert:${r.id}:${d.reason}`, patch, tx);
      } else if (d.alertType === 'standalone-left') {
        await this.leftStandalone(chf, ch, at, `alert:${r.id}:${d.reason}`, patch, tx);
      }
      await this.repo.updateCh(chf, patch, at, tx);
      return { changed: await this.repo.ch(chf, tx), stored };
    });
    if (!stored) {
      this.metrics.inc('chm.alert.duplicate');
      return null;
    }
    this.metrics.inc(`chm.alert.${alert.alertType}`);
    if (!c.verified) {
      this.metrics.inc('chm.alert.unverified');
      this.log.warn('CH alert failed its checks: stored, not applied', {
        chf,
        alertType: alert.alertType,
        signature: c.signature,
        mac: c.mac,
      });
    }
    this.emit({ type: 'alert', alert: stored });
    if (changed) this.emit({ type: 'ch', ch: changed });
    return stored;
  }

  /** CH-6: the CH is in standalone mode (a Block Response or a standalone-entered alert). */
  private async enteredStandalone(
    chf: Eui,
    ch: ChmCh,
    at: number,
    by: string,
    patch: Partial<ChmCh>,
    tx: ChmRepository['db'],
  ): Promise<void> {
    if (ch.mode !== 'standalone' && ch.mode !== 'unblock-pending') {
      patch.mode = 'standalone';
      patch.modeSince = at;
      patch.standaloneSince = at;
      patch.cleared = false;
      patch.clearedAt = null;
      patch.clearedBy = null;
      patch.clearNote = null;
    }
    await this.repo.openIsolation(chf, at, by, tx);
    const pending = await this.repo.pendingCommand(chf, tx);
    if (pending?.action === 'block')
      await this.repo.updateCommand(pending.requestId, { status: 'succeeded' }, tx);
  }

  /** The CH left standalone mode: A22 keeps the flag and the period. */
  private async leftStandalone(
    chf: Eui,
    ch: ChmCh,
    at: number,
    by: string,
    patch: Partial<ChmCh>,
    tx: ChmRepository['db'],
  ): Promise<void> {
    if (ch.mode !== 'normal') {
      patch.mode = 'normal';
      patch.modeSince = at;
      patch.standaloneSince = null;
    }
    if (await this.repo.closeIsolation(chf, at, by, tx)) patch.ranIsolated = true;
    const pending = await this.repo.pendingCommand(chf, tx);
    if (pending?.action === 'unblock')
      await this.repo.updateCommand(pending.requestId, { status: 'succeeded' }, tx);
  }

  /** A Response to one of the CHM's commands (signed by the CHF: the command was critical). */
  private async onResponse(chf: Eui, m: GbcsMessage, at: number): Promise<ChmCommand | null> {
    const signature = this.security.verifySignature(m);
    if (signature !== 'valid' || m.originator !== chf) {
      this.metrics.inc('chm.response.unverified');
      this.log.warn('Response to a CHM command failed its checks', {
        chf,
        originator: m.originator,
        signature,
      });
      return null;
    }
    const cmd = await this.repo.commandByCounter(chf, m.originatorCounter);
    const code =
      m.messageCode === PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED
        ? 'block'
        : m.messageCode === PROVISIONAL_MESSAGE_CODE.UNBLOCK_BUFFER_FEED
          ? 'unblock'
          : null;
    if (!cmd || code !== cmd.action) {
      this.metrics.inc('chm.response.unmatched');
      this.log.warn('Response matches no CHM command', { chf, counter: m.originatorCounter.toString() });
      return null;
    }
    let result: number;
    try {
      const a = decodeDlmsApdu(m.content);
      if (a.apdu !== 'access-response' || a.results.length !== 1)
        throw new RangeError('not one action result');
      result = a.results[0].result;
    } catch (e) {
      this.metrics.inc('chm.response.malformed');
      this.log.warn('unreadable Response to a CHM command', { chf, error: String(e) });
      return null;
    }
    const ok = result === 0;
    const changed = await this.repo.db.transaction().execute(async (tx) => {
      await this.repo.updateCommand(
        cmd.requestId,
        { status: ok ? 'succeeded' : 'failed', respondedAt: at, result },
        tx,
      );
      const ch = await this.repo.ensureCh(chf, at, tx);
      const patch: Partial<ChmCh> = {};
      const by = `command:${cmd.requestId}`;
      if (ok && cmd.action === 'block') await this.enteredStandalone(chf, ch, at, by, patch, tx);
      else if (ok) await this.leftStandalone(chf, ch, at, by, patch, tx);
      else this.revertPending(ch, cmd.action, at, patch);
      await this.repo.updateCh(chf, patch, at, tx);
      return this.repo.ch(chf, tx);
    });
    this.metrics.inc(`chm.response.${ok ? 'ok' : 'failed'}`);
    const updated = (await this.repo.command(cmd.requestId))!;
    this.emit({ type: 'command', command: updated });
    if (changed) this.emit({ type: 'ch', ch: changed });
    return updated;
  }

  /** A pending command failed: the CH is back in the mode it was in before. */
  private revertPending(ch: ChmCh, action: BufferFeedAction, at: number, patch: Partial<ChmCh>): void {
    if (action === 'block' && ch.mode === 'block-pending') {
      patch.mode = 'normal';
      patch.modeSince = at;
    } else if (action === 'unblock' && ch.mode === 'unblock-pending') {
      patch.mode = 'standalone';
      patch.modeSince = at;
    }
  }

  // ------------------------------------------------------------ operator actions (CSP-3)

  /** Block Buffer Feed: the CH goes into standalone mode (section 4: a suspected compromised CH). */
  block(chf: Eui, o: { operator: string; note?: string }): Promise<ChmCommand> {
    return this.enqueue(() => this.sendBufferFeed(parseChf(chf), 'block', o));
  }

  /** Unblock Buffer Feed: A20 re-join of an isolated CH, only once an operator marked it cleared. */
  unblock(chf: Eui, o: { operator: string; note?: string }): Promise<ChmCommand> {
    return this.enqueue(() => this.sendBufferFeed(parseChf(chf), 'unblock', o));
  }

  /** A20: an operator records that the security concern about a standalone CH is addressed. */
  markCleared(chfIn: Eui, o: { operator: string; note?: string }): Promise<ChmCh> {
    return this.enqueue(async () => {
      const chf = parseChf(chfIn);
      const operator = requireOperator(o.operator);
      const ch = await this.repo.ch(chf);
      if (!ch) throw new ChmError('CHM_UNKNOWN_CH', `the CHM has no record of CH ${chf}`);
      if (ch.mode !== 'standalone')
        throw new ChmError('CHM_NOT_STANDALONE', `CH ${chf} is ${ch.mode}, not standalone: nothing to clear`);
      const now = this.now();
      await this.repo.updateCh(
        chf,
        { cleared: true, clearedAt: now, clearedBy: operator, clearNote: o.note ?? null },
        now,
      );
      const updated = (await this.repo.ch(chf))!;
      this.metrics.inc('chm.cleared');
      this.emit({ type: 'ch', ch: updated });
      return updated;
    });
  }

  private async sendBufferFeed(
    chf: Eui,
    action: BufferFeedAction,
    o: { operator: string; note?: string },
  ): Promise<ChmCommand> {
    const operator = requireOperator(o.operator);
    const downlink = this.downlink;
    if (!downlink)
      throw new ChmError('CHM_NO_WAN', 'no SM WAN is attached to this CHM: commands cannot be sent');
    if (downlink.hasCh && !downlink.hasCh(chf))
      throw new ChmError('CHM_UNKNOWN_CH', `CH ${chf} is not on the SM WAN`);
    const now = this.now();
    const ch = await this.repo.ensureCh(chf, now);
    const pending = await this.repo.pendingCommand(chf);
    if (pending)
      throw new ChmError(
        'CHM_COMMAND_PENDING',
        `CH ${chf} already has a ${pending.action} (${pending.requestId}) waiting for its outcome`,
      );
    if (action === 'block' && ch.mode === 'standalone')
      throw new ChmError('CHM_ALREADY_STANDALONE', `CH ${chf} is already in standalone mode`);
    if (action === 'unblock') {
      if (ch.mode !== 'standalone')
        throw new ChmError(
          'CHM_NOT_STANDALONE',
          `CH ${chf} is ${ch.mode}: only a standalone CH can be unblocked`,
        );
      if (!ch.cleared)
        throw new ChmError(
          'CHM_NOT_CLEARED',
          `CH ${chf} must be marked cleared before it may re-join (SECMP0038 A20)`,
        );
    }
    const counter = await this.nextCounter();
    const gbcs = this.buildBufferFeed(chf, action, counter);
    const requestId = `chm-${action}-${chf}-${counter}`;
    const cmd = await this.repo.insertCommand({
      chf,
      action,
      requestId,
      counter: counter.toString(),
      operator,
      note: o.note ?? null,
      issuedAt: now,
      status: 'queued',
      wanOutcome: null,
      wanOutcomeAt: null,
      respondedAt: null,
      result: null,
      gbcsHex: toHex(gbcs),
    });
    await this.repo.updateCh(
      chf,
      { mode: action === 'block' ? 'block-pending' : 'unblock-pending', modeSince: now },
      now,
    );
    this.metrics.inc(`chm.command.${action}`);
    this.log.info(`${action} buffer feed`, { chf, operator, requestId });
    this.emit({ type: 'command', command: cmd });
    this.emit({ type: 'ch', ch: (await this.repo.ch(chf))! });
    downlink.send({ chf, gbcs, requestId, origin: 'chm', ttlMs: this.commandTtlMs }, (outcome) => {
      void this.enqueue(() => this.onWanOutcome(cmd, outcome)).catch((err) =>
        this.log.error('WAN outcome not recorded', { requestId, error: String(err) }),
      );
    });
    return cmd;
  }

  private async onWanOutcome(cmd: ChmCommand, outcome: DownlinkOutcome): Promise<void> {
    const o = { ...outcome, at: Math.round(outcome.at) };
    const current = await this.repo.command(cmd.requestId);
    if (!current) return;
    const delivered = o.outcome === 'delivered';
    const status = delivered ? (current.status === 'queued' ? 'delivered' : current.status) : o.outcome;
    await this.repo.updateCommand(cmd.requestId, { status, wanOutcome: o.outcome, wanOutcomeAt: o.at });
    if (!delivered) {
      const ch = await this.repo.ch(cmd.chf);
      if (ch) {
        const patch: Partial<ChmCh> = {};
        this.revertPending(ch, cmd.action, o.at, patch);
        if (Object.keys(patch).length) await this.repo.updateCh(cmd.chf, patch, o.at);
        this.emit({ type: 'ch', ch: (await this.repo.ch(cmd.chf))! });
      }
      this.metrics.inc(`chm.command.${o.outcome}`);
    }
    this.emit({ type: 'command', command: (await this.repo.command(cmd.requestId))! });
  }

  /** The GBCS Block / Unblock Buffer Feed command for a CHF (critical: signed, then MAC'd by the ACB). */
  buildBufferFeed(chf: Eui, action: BufferFeedAction, counter: bigint): Uint8Array {
    const ks = this.security.keyStore;
    if (ks.role(this.wanProvider) !== WAN_PROVIDER_ROLE)
      throw new ChmError(
        'CHM_KEYS',
        `${this.wanProvider} has no WAN provider (role 6) certificate in the key store`,
      );
    if (!ks.privateKey(this.wanProvider, 'ds'))
      throw new ChmError('CHM_KEYS', `no DS private key for the WAN provider ${this.wanProvider}`);
    try {
      return this.security.seal(
        {
          cra: 'command',
          originatorCounter: counter,
          originator: this.wanProvider,
          recipient: chf,
          otherInfo: {
            messageCode:
              action === 'block'
                ? PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED
                : PROVISIONAL_MESSAGE_CODE.UNBLOCK_BUFFER_FEED,
          },
          content: encodeBufferFeedCommand(action, gbcsInvokeId(counter)),
        },
        { sign: true, mac: true },
      );
    } catch (e) {
      throw new ChmError(
        'CHM_KEYS',
        `cannot seal the ${action} command: ${e instanceof Error ? e.message : e}`,
        {
          cause: e,
        },
      );
    }
  }

  /**
   * The next Originator Counter of the WAN provider (GBCS 4.3.1: strictly
   * increasing per originator): time-based (clock ms x 1000) so a fresh
   * database still beats the counters a CH accepted before, and never below
   * the last one issued (kept in kv `chm` / `originator-counter`).
   */
  private async nextCounter(): Promise<bigint> {
    const last = BigInt((await this.kv.get<string>('originator-counter')) ?? '0');
    const timeBased = BigInt(Math.max(0, this.now())) * 1000n;
    const next = last >= timeBased ? last + 1n : timeBased;
    await this.kv.put('originator-counter', next.toString());
    return next;
  }

  // ------------------------------------------------------------ DSP-4 local-delivery logs (CSP-4)

  /**
   * Loads one DSP-4 local-delivery log file (the DSP's CSV format, parsed by
   * its codec). A file already loaded (same SHA-256) is not loaded twice;
   * rows already known from another file are counted as duplicates.
   */
  importDspLog(fileName: string, text: string): Promise<DspImport & { alreadyImported: boolean }> {
    return this.enqueue(async () => {
      const sha256 = createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
      const seen = await this.repo.importByHash(sha256);
      if (seen) return { ...seen, alreadyImported: true };
      let records: ReturnType<typeof parseLocalDeliveryCsv>;
      try {
        records = parseLocalDeliveryCsv(text);
      } catch (e) {
        if (e instanceof CsvError)
          throw new ChmError('CHM_IMPORT', `${fileName}: ${e.message}`, { cause: e });
        throw e;
      }
      const imp = await this.repo.importLocalDeliveries(
        { fileName: String(fileName).slice(0, 300), sha256, importedAt: this.now() },
        records.map((r) => ({
          at: r.issuedAt,
          requestId: r.requestId,
          userEui: r.user,
          target: r.target,
          chf: r.chf,
          csp: r.csp,
          srv: r.srv,
          cv: r.cv,
          gbcsSha256: r.gbcsSha256,
        })),
      );
      this.metrics.inc('chm.import.files');
      this.metrics.inc('chm.import.rows', imp.added);
      this.emit({ type: 'import', fileName: imp.fileName, added: imp.added });
      return { ...imp, alreadyImported: false };
    });
  }

  // ------------------------------------------------------------ queries

  alerts(f: AlertFilter, page?: { limit?: number; offset?: number }): Promise<ChmAlert[]> {
    return this.repo.alerts(f, page);
  }

  ch(chf: Eui): Promise<ChmCh | undefined> {
    return this.repo.ch(parseChf(chf));
  }

  chs(f?: { mode?: ChMode[]; ranIsolated?: boolean }): Promise<ChmCh[]> {
    return this.repo.chs(f);
  }

  /** CSP-3 report: the CHs in standalone mode (including those with an Unblock on its way). */
  standaloneChs(): Promise<ChmCh[]> {
    return this.repo.chs({ mode: ['standalone', 'unblock-pending'] });
  }

  /** A22: the returns-process record of a CH. */
  async returnsRecord(chfIn: Eui): Promise<ReturnsRecord> {
    const chf = parseChf(chfIn);
    const ch = await this.repo.ch(chf);
    const periods = await this.repo.isolationPeriods({ chf });
    const ranIsolated = (ch?.ranIsolated ?? false) || periods.length > 0;
    return { chf, ranIsolated, periods, faultReason: ranIsolated ? 'DCC Fault' : null };
  }
}

function parseChf(s: string): Eui {
  try {
    return normaliseEui(String(s));
  } catch {
    throw new ChmError('CHM_BAD_REQUEST', `not a CH EUI-64: ${JSON.stringify(s)}`);
  }
}

function requireOperator(s: unknown): string {
  if (typeof s !== 'string' || !s.trim())
    throw new ChmError('CHM_BAD_REQUEST', 'an operator name is required for every CHM action');
  return s.trim().slice(0, 200);
}
