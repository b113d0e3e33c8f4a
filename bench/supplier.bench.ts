/**
 * Supplier (issue 6): the synchronous parts on the hot path of a command.
 * - supplier.classifyWan: SU-1 classification of a premises from a full window (20 WAN commands).
 * - supplier.tracker: SU-2 create -> sending -> in-flight -> responded in memory (persistence a no-op).
 * - supplier.duis.buildSigned: a 2.2 request built and XML-signed (the DUIS client's part of a send).
 * - supplier.envelope: a Local Command wrapped in a signed delivery envelope (PPMID leg).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPair } from '../src/delivery/index.ts';
import { topUpDeviceBody, XmlSigningCertificateStore, xmlSigner } from '../src/duis/index.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { supplierConfig } from '../src/supplier/config.ts';
import { DuisClient } from '../src/supplier/duis-client.ts';
import { buildPpmidLeg } from '../src/supplier/ppmid-leg.ts';
import { classifyWan } from '../src/supplier/route-planner.ts';
import { CommandTracker } from '../src/supplier/tracker.ts';
import { DUIS_DIR } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

const SUPPLIER = '90B3D51F30010000';
const ESME = '00DB1234567890A0';

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 50 : 300;
  const out: BenchResult[] = [];
  const cfg = supplierConfig().wan;
  const now = Date.UTC(2026, 0, 10);
  const obs = Array.from({ length: 40 }, (_, i) => ({
    sentAt: now - (i + 1) * 3600_000,
    ...(i % 3 ? { answeredAt: now - (i + 1) * 3600_000 + 60_000 } : {}),
  }));
  out.push(
    measure({
      name: 'supplier.classifyWan',
      warmupMs,
      budgetMs,
      batch: () => {
        for (let i = 0; i < 100; i++)
          classifyWan({ observations: obs, lastWanResponseAt: now - 1000 }, now, cfg);
        return 100;
      },
    }),
  );

  const clock = new VirtualClock();
  const tracker = new CommandTracker({
    clock,
    persistence: {
      saveCommand: async () => {},
      openCommands: async () => [],
      getCommand: async () => undefined,
      getCommandByRequestId: async () => undefined,
    },
  });
  let n = 0;
  out.push(
    measure({
      name: 'supplier.tracker (create..responded, 6 hops)',
      warmupMs,
      budgetMs,
      batch: () => {
        for (let i = 0; i < 100; i++) {
          const id = String(++n);
          tracker.create({
            id,
            premisesId: 'P1',
            target: ESME,
            srv: '4.1.1',
            order: { kind: 'read-registers' },
            createdAt: clock.now(),
            expiresAt: clock.now() + 3600_000,
          });
          tracker.move(id, 'sending', 'dispatched');
          tracker.assignRequestId(id, { originator: SUPPLIER, target: ESME, counter: BigInt(n) });
          tracker.move(id, 'in-flight', 'in-flight');
          tracker.hop(id, 'device-response');
          tracker.finish(id, 'responded', 'I0');
        }
        return 100;
      },
    }),
  );

  const keys = join(DUIS_DIR, 'xml-sign-keys');
  const duis = new DuisClient({
    supplierEui: SUPPLIER,
    signer: xmlSigner(
      new Uint8Array(readFileSync(join(keys, 'xml-sign-90B3D51F30010000-ds.key'))),
      readFileSync(join(keys, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
    ),
    dspTrust: new XmlSigningCertificateStore(),
    transport: { post: async () => ({ status: 500, body: '' }) },
    clock,
  });
  let counter = 1n << 32n;
  out.push(
    measure({
      name: 'supplier.duis.buildSigned (2.2, CV 1)',
      warmupMs,
      budgetMs,
      batch: () => {
        duis.buildSigned({
          requestId: { originator: SUPPLIER, target: ESME, counter: counter++ },
          commandVariant: 1,
          srv: '2.2',
          body: topUpDeviceBody({ utrn: '73941569907863060480' }),
        });
        return 1;
      },
    }),
  );

  const key = generateSigningKeyPair().privateKey;
  const gbcs = new Uint8Array(180).fill(0xdd);
  out.push(
    measure({
      name: 'supplier.envelope (180-byte Local Command, signed)',
      warmupMs,
      budgetMs,
      batch: () => {
        buildPpmidLeg({
          supplierEui: SUPPLIER,
          ppmid: '00DB1234567890A4',
          requestId: { originator: SUPPLIER, target: ESME, counter: counter++ },
          gbcs,
          envelopeId: 'AB'.repeat(16),
          now: 0,
          expiresAt: 1,
          deliveryKey: key,
        });
        return 1;
      },
    }),
  );
  return out;
}
