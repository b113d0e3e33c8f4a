/**
 * GBCS payload codecs: decode and encode of every RTDS payload, per format.
 * Figures are printed, never asserted.
 */

import { decodeMessage } from '../src/gbcs/decode.ts';
import {
  decodePayload,
  encodeDer,
  encodeDlmsApdu,
  encodeGbz,
  renderPayload,
} from '../src/gbcs/payload/index.ts';
import { rtdsMessages } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 50 : 300;
  const all = rtdsMessages().map((m) => decodeMessage(m.bytes));
  const results: BenchResult[] = [];
  for (const kind of ['dlms', 'gbz', 'asn1'] as const) {
    const set = all.filter((g) => decodePayload(g.content, g.messageCode).kind === kind);
    const decoded = set.map((g) => decodePayload(g.content, g.messageCode));
    const bytes = set.reduce((n, g) => n + g.content.length, 0);
    const dec = measure({
      name: `gbcs.payload.decode.${kind}`,
      warmupMs,
      budgetMs,
      batch: () => {
        for (const g of set) decodePayload(g.content, g.messageCode);
        return set.length;
      },
    });
    dec.extra = { payloads: set.length, 'avg bytes': Math.round(bytes / set.length) };
    results.push(dec);
    results.push(
      measure({
        name: `gbcs.payload.encode.${kind}`,
        warmupMs,
        budgetMs,
        batch: () => {
          for (const p of decoded) {
            if (p.dlms) encodeDlmsApdu(p.dlms);
            else if (p.gbz) encodeGbz(p.gbz);
            else if (p.asn1) encodeDer(p.asn1);
          }
          return decoded.length;
        },
      }),
    );
  }
  const sample = all.map((g) => decodePayload(g.content, g.messageCode));
  results.push(
    measure({
      name: 'gbcs.payload.render',
      warmupMs,
      budgetMs,
      batch: () => {
        for (const p of sample) renderPayload(p);
        return sample.length;
      },
    }),
  );
  return results;
}
