/**
 * HAN benchmarks: (a) the CPU cost of carrying a 1500-byte tunnel transfer
 * through APS fragmentation + CCM* (level 5) + verification + reassembly;
 * (b) the modelled delivery time of a 1,500-byte TransferData on the HAN at
 * 2.4 GHz and sub-GHz (virtual time, from the airtime model), and how many
 * such simulated transfers the medium runs per CPU second.
 */
import { measureTunnelTransfer } from '../src/devices/han/index.ts';
import { SeededRandom } from '../src/runtime/random.ts';
import {
  type ApsHeader,
  ApsReassembler,
  blockExtendedHeader,
  encodeTunnelFrame,
  fragmentAsdu,
  linkKeyFromInstallCode,
  OutgoingFrameCounter,
  secureApsFrame,
  unsecureApsFrame,
  withInstallCodeCrc,
} from '../src/zigbee/index.ts';
import { type BenchResult, measure } from './harness.ts';

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 50 : 300;
  const rnd = new SeededRandom('han-bench');
  const key = linkKeyFromInstallCode(withInstallCodeCrc(rnd.bytes(16)));
  const asdu = encodeTunnelFrame(
    { dir: 's2c', cmd: 'TransferData', tunnelId: 1, data: rnd.bytes(1500) },
    { transactionSequenceNumber: 1 },
  );
  const counter = new OutgoingFrameCounter();
  const header: ApsHeader = {
    frameType: 'data',
    deliveryMode: 'unicast',
    security: false,
    ackRequest: true,
    destinationEndpoint: 1,
    clusterId: 0x0704,
    profileId: 0x0109,
    sourceEndpoint: 1,
    counter: 1,
  };
  const ppmid = '00DB1234567890A4';
  const fsr = measure({
    name: 'han.fragmentSecureReassemble',
    warmupMs,
    budgetMs,
    batch: () => {
      const r = new ApsReassembler({ maxSize: 1600 });
      for (const b of fragmentAsdu(asdu, 61)) {
        const f = secureApsFrame({
          header: { ...header, extended: blockExtendedHeader(b) },
          payload: b.payload,
          linkKey: key,
          sourceEui: ppmid,
          frameCounter: counter.next(),
        });
        const u = unsecureApsFrame(f, { linkKeyFor: () => key });
        r.add(u.header.extended!, u.payload);
      }
      if (r.finish().length !== asdu.length) throw new Error('reassembly mismatch');
      return 1;
    },
  });
  fsr.extra = { asduBytes: asdu.length, blocks: 25, blockBytes: 61 };

  const fast = measureTunnelTransfer({ bytes: 1500, band: '2.4GHz', seed: 1 });
  const slow = measureTunnelTransfer({ bytes: 1500, band: 'subGHz', seed: 1 });
  const lossy = measureTunnelTransfer({ bytes: 1500, band: '2.4GHz', seed: 1, lossProbability: 0.1 });
  if (!fast.intact || !slow.intact || !lossy.intact) throw new Error('transfer not intact');
  let seed = 0;
  const sim = measure({
    name: 'han.transfer1500',
    warmupMs,
    budgetMs,
    batch: () => {
      measureTunnelTransfer({ bytes: 1500, seed: seed++ });
      return 1;
    },
  });
  sim.extra = {
    deliveryMs_2_4GHz: round(fast.report.transferMs!),
    deliveryMs_subGHz: round(slow.report.transferMs!),
    deliveryMs_2_4GHz_loss10: round(lossy.report.transferMs!),
    blocks: fast.report.blocks,
    senderAirtimeMs_2_4GHz: round(fast.medium.airtime(fast.report.from).airtimeMs),
    senderAirtimeMs_subGHz: round(slow.medium.airtime(slow.report.from).airtimeMs),
  };
  return [fsr, sim];
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
