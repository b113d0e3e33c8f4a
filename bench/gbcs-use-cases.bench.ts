/**
 * The use-case catalogue (docs/use-cases.md) over the RTDS fixture mix that
 * has rows (every RTDS payload: DLMS, GBZ, ASN.1), beside today's structural
 * decode of the same payloads:
 * - gbcs.useCases.structural: decodePayload (structure only);
 * - gbcs.useCases.decodeNamed: decodeNamedPayload (structure + named fields);
 * - gbcs.useCases.encodeNamed: encodeNamed (named fields back to bytes).
 * Each reports payloads/s and CPU µs per payload. Figures are printed, never asserted.
 */
import { decodeMessage } from '../src/gbcs/decode.ts';
import { decodePayload } from '../src/gbcs/payload/index.ts';
import {
  decodeNamedPayload,
  encodeNamed,
  type NamedPayload,
  useCaseByCode,
} from '../src/gbcs/use-cases/index.ts';
import { rtdsMessages } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

/** CPU time (user + system) per operation of `batch`, in µs, over a fixed number of rounds. */
function cpuMicrosPerOp(batch: () => number, rounds: number): number {
  const before = process.cpuUsage();
  let ops = 0;
  for (let i = 0; i < rounds; i++) ops += batch();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / ops;
}

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 50 : 300;
  const rounds = quick ? 5 : 20;
  const mix = rtdsMessages()
    .map((m) => decodeMessage(m.bytes))
    .filter((g) => {
      const row = useCaseByCode(g.messageCode);
      return row && !row.payloadUnknown;
    });
  const named: NamedPayload[] = mix.map((g) => decodeNamedPayload(g.messageCode, g.cra, g.content));
  const n = mix.length;
  let sink = 0;
  const cases: [string, () => number][] = [
    [
      'gbcs.useCases.structural',
      () => {
        for (const g of mix) sink += decodePayload(g.content, g.messageCode).kind.length;
        return n;
      },
    ],
    [
      'gbcs.useCases.decodeNamed',
      () => {
        for (const g of mix) sink += decodeNamedPayload(g.messageCode, g.cra, g.content).code;
        return n;
      },
    ],
    [
      'gbcs.useCases.encodeNamed',
      () => {
        for (const p of named) sink += encodeNamed(p).length;
        return n;
      },
    ],
  ];
  const results: BenchResult[] = [];
  for (const [name, batch] of cases) {
    const r = measure({ name, warmupMs, budgetMs, batch });
    r.extra = { payloads: n, 'cpu µs/payload': cpuMicrosPerOp(batch, rounds) };
    results.push(r);
  }
  if (sink === -1) console.log(sink);
  return results;
}
