/**
 * DUIS XSD validation with xmllint for a busy DSP (the DSP validates in
 * process by default, src/duis/xsd-inprocess.ts; this is the xmllint
 * engine, `xsdValidator: new DuisXsdValidator()`): xmllint compiles the DUIS schema on
 * every start (about 20 ms), which caps one-process-per-document validation
 * (src/duis/xsd.ts, synchronous) near 50 documents/s. `BatchingXsdValidator`
 * runs one xmllint for many documents: requests that arrive while a run is
 * going wait for the next run, which validates all of them (up to
 * `maxBatch`) against one compiled schema. Asynchronous: this is an I/O edge
 * of the DSP (http.ts uses it through `DspService.handleRequestAsync`).
 *
 * Each document is screened first exactly as the DUIS codec screens input
 * (size, UTF-8, no DOCTYPE/entities), written to a private temporary
 * directory, and attributed xmllint's per-file verdict ("<file> validates" /
 * "<file> fails to validate", errors prefixed by the file name).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DuisXsdOptions,
  DuisXsdUnavailableError,
  DuisXsdValidator,
  screenXmlText,
  type XsdValidationResult,
  xmllintUnavailable,
  xmllintVerdicts,
} from '../../duis/index.ts';

interface Pending {
  text: string;
  resolve: (r: XsdValidationResult) => void;
  reject: (e: unknown) => void;
}

export interface BatchingXsdOptions extends DuisXsdOptions {
  /** Documents per xmllint run at most (default 256). */
  maxBatch?: number;
  /** Runs at once (default 2: one per core of a small machine). */
  maxConcurrentRuns?: number;
}

export class BatchingXsdValidator {
  readonly maxBatch: number;
  readonly maxConcurrentRuns: number;
  readonly #sync: DuisXsdValidator;
  readonly #limits: DuisXsdOptions;
  readonly #queue: Pending[] = [];
  #running = 0;
  #scheduled = false;
  #seq = 0;
  /** Verdicts are handed out in arrival order, even when a later run finishes first. */
  #delivered: Promise<void> = Promise.resolve();
  /** Documents validated and xmllint runs made (batching efficiency). */
  readonly stats = { documents: 0, runs: 0 };

  constructor(opts: BatchingXsdOptions = {}) {
    this.#sync = new DuisXsdValidator(opts);
    this.#limits = opts;
    this.maxBatch = opts.maxBatch ?? 256;
    this.maxConcurrentRuns = opts.maxConcurrentRuns ?? 2;
  }

  /** Validates one document; the promise settles when its batch's xmllint run ends. */
  validate(input: string | Uint8Array): Promise<XsdValidationResult> {
    let text: string;
    try {
      text = screenXmlText(input, this.#limits);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ text, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.maxConcurrentRuns || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Let the requests of this tick join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#running < this.maxConcurrentRuns && this.#queue.length > 0)
        this.#run(this.#queue.splice(0, this.maxBatch));
    });
  }

  #run(batch: Pending[]): void {
    this.#running++;
    this.stats.runs++;
    this.stats.documents += batch.length;
    let settle!: (deliver: () => void) => void;
    const outcome = new Promise<() => void>((r) => {
      settle = r;
    });
    this.#delivered = this.#delivered.then(() => outcome).then((deliver) => deliver());
    let dir: string | undefined;
    const finish = (deliver: () => void) => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      this.#running--;
      settle(deliver);
      this.#schedule();
    };
    const failAll = (e: unknown) =>
      finish(() => {
        for (const p of batch) p.reject(e);
      });
    let schema: string;
    try {
      schema = this.#sync.wrapperSchemaPath();
      dir = mkdtempSync(join(tmpdir(), 'ppmid-dsp-xsd-'));
    } catch (e) {
      failAll(e);
      return;
    }
    const files = batch.map((p, i) => {
      const f = join(dir!, `d${++this.#seq}-${i}.xml`);
      writeFileSync(f, p.text);
      return f;
    });
    const child = spawn(this.#sync.xmllint, ['--noout', '--nonet', '--schema', schema, ...files], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let failed = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (e: Error) => {
      failed = true;
      failAll(xmllintUnavailable(this.#sync.xmllint, e));
    });
    child.on('close', (status) => {
      if (failed) return;
      if (status === 5 || status === null) {
        failAll(
          new DuisXsdUnavailableError(
            `xmllint could not validate (status ${status}): ${stderr.slice(0, 500)}`,
          ),
        );
        return;
      }
      const verdicts = xmllintVerdicts(stderr, files);
      finish(() => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(verdicts[i]);
      });
    });
  }
}
