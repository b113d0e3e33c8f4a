/**
 * DSP transform benchmarks (one process, after warm-up), over the DUIS
 * templates of the supported SRs (the same set test/dsp-transform.test.ts
 * checks against the RTDS bytes), round robin:
 * - dsp.transform: transformServiceRequest on already parsed requests (parse
 *   EXCLUDED): body reading, payload building, APDU, and for non-critical SRs
 *   the ACB MAC (KDF + GMAC; the ECDH secret is cached per key pair);
 * - dsp.parseTransform: the same with DUIS parsing INCLUDED (XML text in);
 * - dsp.completeSignedPreCommand: CV 5 on the RTDS critical commands' signed
 *   APDUs (decode, ECDSA P-256 verify, MAC).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  completeSignedPreCommand,
  SUPPORTED_TRANSFORMS,
  transformServiceRequest,
} from '../src/dcc/dsp/transform/index.ts';
import { parseDuisRequest } from '../src/duis/index.ts';
import { decodeMessage } from '../src/gbcs/index.ts';
import { contextFor, rtdsContext, supportedTemplates } from '../test/support/dsp-transform.ts';
import { RTDS_MESSAGES } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 100 : 300;
  const templates = supportedTemplates();
  const contexts = templates.map((t) => contextFor(t));
  const parsed = templates.map((t) => parseDuisRequest(t.xml));
  let i = 0;
  const transform = measure({
    name: 'dsp.transform',
    warmupMs,
    budgetMs,
    batch: () => {
      for (let k = 0; k < 50; k++) {
        const n = i++ % parsed.length;
        transformServiceRequest(parsed[n], contexts[n]);
      }
      return 50;
    },
  });
  transform.extra = { templates: templates.length, parse: 'excluded' };
  let j = 0;
  const parseTransform = measure({
    name: 'dsp.parseTransform',
    warmupMs,
    budgetMs,
    batch: () => {
      for (let k = 0; k < 20; k++) {
        const n = j++ % templates.length;
        transformServiceRequest(parseDuisRequest(templates[n].xml), contexts[n]);
      }
      return 20;
    },
  });
  parseTransform.extra = { templates: templates.length, parse: 'included' };

  const folders = new Set(SUPPORTED_TRANSFORMS.filter((t) => t.critical).map((t) => `${t.srv}_${t.useCase}`));
  const signed: Uint8Array[] = [];
  for (const folder of readdirSync(RTDS_MESSAGES)) {
    if (!folders.has(folder)) continue;
    for (const f of readdirSync(join(RTDS_MESSAGES, folder))) {
      if (!f.includes('_COMMAND_')) continue;
      const hex = readFileSync(join(RTDS_MESSAGES, folder, f), 'utf8').trim();
      signed.push(decodeMessage(Uint8Array.from(Buffer.from(hex, 'hex'))).apdu);
    }
  }
  const ctx = rtdsContext();
  let s = 0;
  const complete = measure({
    name: 'dsp.completeSignedPreCommand',
    warmupMs,
    budgetMs,
    batch: () => {
      for (let k = 0; k < 10; k++) completeSignedPreCommand(signed[s++ % signed.length], ctx);
      return 10;
    },
  });
  complete.extra = { commands: signed.length };
  return [transform, parseTransform, complete];
}
