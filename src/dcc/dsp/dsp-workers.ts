/**
 * The DSP on several cores behind one port (issue 17 "Performance";
 * `startDspHttp({ workers: N })`, `dsp serve --workers N`).
 *
 * The DSP's state (users, counters, open requests, Pre-Commands, the
 * outbox, the store) stays on the main thread, in one DspService: counters,
 * replay refusals and exactly-once completion are decided in one place, in
 * the order requests reach it, exactly as with one thread. What does not need
 * that state runs on N worker threads (front-worker.ts), which is most of
 * the CPU a request costs:
 *   - checks 0-2 (front.ts): the cheap checks, the DUIS XSD (libxml2-wasm,
 *     compiled once per worker), XML-DSig verify and parse;
 *   - building and signing the synchronous DUIS Response.
 * Per request: HTTP (main) -> checks (a worker) -> DspService.handleVerified
 * (main: checks 3-6, transform, ACB MAC, journal) -> sign (a worker) -> the
 * store commit -> HTTP answer. Workers hold a copy of the users and their
 * certificates, sent again on every change (DspService.onTrustChange); an
 * outcome computed against an older copy is checked again on the main thread.
 * A worker that dies fails its requests in flight with HTTP 500 and is
 * replaced.
 *
 * Checks and signatures are posted in batches: the calls made during one
 * turn of the event loop go to each worker as one message (`setImmediate`),
 * and a worker answers a batch with one message. A message between threads
 * wakes the other thread, which on a busy machine costs more than the
 * structured clone; under load several requests share each wake-up.
 */

import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Eui } from '../../runtime/bytes.ts';
import { Logger } from '../../runtime/logger.ts';
import { DspServiceError } from './errors.ts';
import type { FrontOutcome } from './front.ts';
import type { PrecheckLimits } from './precheck.ts';
import type { DspReply, DspService, DuisCaller, DuisEndpoint, DuisResponseInput } from './service.ts';

const log = Logger.get('dsp:workers');

export interface FrontWorkerInit {
  limits: PrecheckLimits;
  xsd: boolean;
  signerKey: KeyObject;
  signerCertDer: Uint8Array;
}

export type FrontWorkerCall =
  | { type: 'check'; id: number; input: string | Uint8Array; tlsUser: Eui | undefined; now: number }
  | { type: 'sign'; id: number; response: DuisResponseInput };

/** What the main thread posts: the users, or a batch of calls (answered by one array of replies). */
export type FrontWorkerRequest =
  | { type: 'users'; generation: number; users: Array<{ eui: Eui; certificates: string[] }> }
  | { type: 'batch'; calls: FrontWorkerCall[] };

export type FrontWorkerReply =
  | { id: number; generation: number; outcome: FrontOutcome }
  | { id: number; xml: string }
  | { id: number; error: string };

/** Most calls one turn gives one worker before the next worker takes the rest (#pick). */
const TURN_BATCH = 8;

/** Most worker threads (a bigger number is refused: more threads than cores only add switching). */
export const MAX_DSP_WORKERS = 64;

interface Call {
  resolve(r: FrontWorkerReply): void;
  reject(e: Error): void;
}

class FrontWorker {
  readonly calls = new Map<number, Call>();
  /** Calls of this turn not yet posted, and the buffers they move. */
  batch: FrontWorkerCall[] = [];
  transfer: ArrayBuffer[] = [];
  constructor(readonly worker: Worker) {}
}

export class DspFrontWorkers {
  readonly #dsp: DspService;
  readonly #init: FrontWorkerInit;
  readonly #workers: FrontWorker[] = [];
  #nextId = 1;
  #closed = false;
  #flushScheduled = false;
  /** The worker taking this turn's calls (#pick), until the turn's flush. */
  #turnWorker: FrontWorker | undefined;
  /** Messages posted to the workers (batches), against `calls`: how many calls a wake-up carried. */
  posts = 0;
  /** Calls (checks and signatures) each worker slot took so far. */
  readonly calls: number[] = [];
  readonly #unsubscribe: () => void;

  private constructor(dsp: DspService, init: FrontWorkerInit) {
    this.#dsp = dsp;
    this.#init = init;
    this.#unsubscribe = dsp.onTrustChange(() => {
      for (const w of this.#workers) w.worker.postMessage(this.#usersMessage());
    });
  }

  /** Starts `count` workers and waits until each is ready (XSD schema compiled). */
  static async start(dsp: DspService, count: number): Promise<DspFrontWorkers> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_DSP_WORKERS)
      throw new DspServiceError('DSP_CONFIG', `workers must be 1..${MAX_DSP_WORKERS}, got ${count}`);
    if (dsp.xsdEngine === 'xmllint')
      throw new DspServiceError(
        'DSP_CONFIG',
        'DSP workers validate the XSD in process: the xmllint engine runs on one thread only',
      );
    const signer = dsp.xmlSigner;
    const pool = new DspFrontWorkers(dsp, {
      limits: dsp.precheckLimits,
      xsd: dsp.xsdEngine === 'in-process',
      signerKey: signer.privateKey,
      signerCertDer: new Uint8Array(signer.certificate.certificate.raw),
    });
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => pool.#spawn(i)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.#workers.length;
  }

  #usersMessage(): FrontWorkerRequest {
    return {
      type: 'users',
      generation: this.#dsp.trustGeneration,
      users: this.#dsp.users().map((u) => ({ eui: u.eui, certificates: [...u.xmlSigningCertificates] })),
    };
  }

  #spawn(slot: number): Promise<void> {
    const ts = import.meta.url.endsWith('.ts');
    const file = new URL(ts ? './front-worker.ts' : './front-worker.js', import.meta.url);
    // From the sources (tests, benchmarks) the worker registers tsx's loader first; dist/ runs as is.
    const worker = ts
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); });`,
          { eval: true, workerData: this.#init },
        )
      : new Worker(file, { workerData: this.#init });
    const w = new FrontWorker(worker);
    this.#workers[slot] = w;
    this.calls[slot] ??= 0;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FrontWorkerReply[] | { ready: true }) => {
        if (!Array.isArray(m)) {
          ready = true;
          worker.postMessage(this.#usersMessage());
          resolve();
          return;
        }
        for (const reply of m) {
          const call = w.calls.get(reply.id);
          if (!call) continue;
          w.calls.delete(reply.id);
          call.resolve(reply);
        }
      });
      const fail = (e: Error) => {
        for (const c of w.calls.values()) c.reject(e);
        w.calls.clear();
        if (!ready) {
          reject(
            new DspServiceError('DSP_CONFIG', `a DSP worker failed to start: ${e.message}`, { cause: e }),
          );
          return;
        }
        if (this.#closed || this.#workers[slot] !== w) return;
        log.error('a DSP worker died; replacing it', { slot, error: e.message });
        this.#spawn(slot).catch((err: Error) =>
          log.error('a DSP worker could not be replaced', { slot, error: err.message }),
        );
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.#closed) fail(new Error(`worker exited with code ${code}`));
      });
    });
  }

  /**
   * The worker for a call: the one already taking this turn's calls while its batch holds fewer
   * than TURN_BATCH, else the least busy (calls in flight). So one turn's calls go to one worker in
   * one message, and the workers take turns: with the calls split over every worker instead, each
   * message carried fewer calls, and a message (a wake-up of each thread) costs about as much CPU
   * as the structured clone of its calls (docs/dsp.md "Performance").
   */
  #pick(): FrontWorker {
    const open = this.#turnWorker;
    if (open && open.batch.length < TURN_BATCH && this.#workers.includes(open)) return open;
    let best = this.#workers[0];
    for (const w of this.#workers) if (w.calls.size < best.calls.size) best = w;
    this.#turnWorker = best;
    return best;
  }

  #call(msg: FrontWorkerCall, transfer?: ArrayBuffer): Promise<FrontWorkerReply> {
    if (this.#closed) return Promise.reject(new Error('the DSP workers are closed'));
    const w = this.#pick();
    const slot = this.#workers.indexOf(w);
    this.calls[slot] = (this.calls[slot] ?? 0) + 1;
    return new Promise<FrontWorkerReply>((resolve, reject) => {
      w.calls.set(msg.id, { resolve, reject });
      w.batch.push(msg);
      if (transfer) w.transfer.push(transfer);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Posts each worker the calls of this turn, as one message. */
  #flush(): void {
    this.#flushScheduled = false;
    this.#turnWorker = undefined;
    for (const w of this.#workers) {
      if (!w || w.batch.length === 0) continue;
      const calls = w.batch;
      const transfer = w.transfer;
      w.batch = [];
      w.transfer = [];
      this.posts++;
      try {
        w.worker.postMessage({ type: 'batch', calls } satisfies FrontWorkerRequest, transfer);
      } catch (e) {
        for (const c of calls) {
          w.calls.get(c.id)?.reject(e as Error);
          w.calls.delete(c.id);
        }
      }
    }
  }

  /** One DUIS request: checks 0-2 on a worker, the DSP here, the Response signed on a worker. */
  async handle(endpoint: DuisEndpoint, input: string | Uint8Array, o: DuisCaller = {}): Promise<DspReply> {
    let checked: FrontWorkerReply;
    try {
      // A request body is usually a view of a larger buffer (a socket read, Node's pool): posting
      // the view would copy all of that buffer. Its own bytes are copied once and moved instead.
      const sent = typeof input === 'string' ? input : new Uint8Array(input);
      checked = await this.#call(
        { type: 'check', id: this.#nextId++, input: sent, tlsUser: o.tlsUser, now: this.#dsp.clock.now() },
        typeof sent === 'string' ? undefined : (sent.buffer as ArrayBuffer),
      );
    } catch (e) {
      return internal(e);
    }
    if (!('outcome' in checked))
      return internal(new Error('a DSP worker answered a check without an outcome'));
    const reply = this.#dsp.handleVerified(endpoint, input, checked.outcome, checked.generation, {
      ...o,
      deferSigning: true,
    });
    const response = reply.unsignedResponse;
    if (!response) return reply;
    delete reply.unsignedResponse;
    let signed: FrontWorkerReply;
    try {
      signed = await this.#call({ type: 'sign', id: this.#nextId++, response });
    } catch (e) {
      return internal(e);
    }
    if (!('xml' in signed))
      return internal(new Error(`signing the Response failed: ${'error' in signed ? signed.error : '?'}`));
    reply.body = signed.xml;
    return reply;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    const workers = this.#workers.splice(0);
    for (const w of workers) {
      for (const c of w.calls.values()) c.reject(new Error('the DSP workers are closed'));
      w.calls.clear();
    }
    await Promise.all(workers.filter(Boolean).map((w) => w.worker.terminate()));
  }
}

function internal(e: unknown): DspReply {
  const message = e instanceof Error ? e.message : String(e);
  log.error('a DSP worker call failed', { error: message });
  return {
    httpStatus: 500,
    contentType: 'text/plain',
    body: `DSP_INTERNAL: ${message}`,
    error: 'DSP_INTERNAL',
  };
}
