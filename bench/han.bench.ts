/**
 * HAN benchmarks: (a) the CPU cost of carrying a 1500-byte tunnel transfer
 * through APS fragmentation + CCM* (level 5) + verification + reassembly;
 * (b) the modelled delivery time of a 1,500-byte TransferData on the HAN at
 * 2.4 GHz and sub-GHz (virtual time, from the airtime model), and how many
 * such simulated transfers the medium runs per CPU second; (c) one secured
 * APS frame of a GSME mailbox poll (the GET, 6 bytes of ZCL, and an APS
 * ack, no payload), secured and then checked and decrypted, against the
 * floor: node:crypto's own AES-128-CCM (a KeyObject made once, M = 4, the
 * same nonce, AAD and message sizes) encrypting and decrypting the same
 * bytes, measured interleaved in one run.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
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
import { type BenchResult, measure, measureInterleaved } from './harness.ts';

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
  return [fsr, sim, ...frameAgainstFloor(key, budgetMs, warmupMs)];
}

/** (c): per frame, secure + unsecure (the APS layer as the HAN medium calls it) against bare AES-128-CCM. */
function frameAgainstFloor(key: Uint8Array, budgetMs: number, warmupMs: number): BenchResult[] {
  const source = '00DB1234567890A4';
  const get: ApsHeader = {
    frameType: 'data',
    deliveryMode: 'unicast',
    security: false,
    ackRequest: true,
    destinationEndpoint: 1,
    clusterId: 0x0704,
    profileId: 0x0109,
    sourceEndpoint: 1,
    counter: 7,
  };
  const ack: ApsHeader = { ...get, frameType: 'ack', ackFormat: false, ackRequest: false };
  // the GSME's GET: ZCL header (3), tunnel id (2), mailbox GET (1)
  const getAsdu = encodeTunnelFrame(
    { dir: 'c2s', cmd: 'TransferData', tunnelId: 1, data: Uint8Array.of(1) },
    { transactionSequenceNumber: 1 },
  );
  const counter = new OutgoingFrameCounter();
  const linkKeyFor = () => key;
  const keyObject = createSecretKey(key);
  const nonce = new Uint8Array(13).fill(0x5a);
  const floorCase = (name: string, aadBytes: number, messageBytes: number) => {
    const aad = new Uint8Array(aadBytes).fill(0x11);
    const m = new Uint8Array(messageBytes).fill(0x22);
    return {
      name,
      budgetMs: budgetMs / 3,
      warmupMs,
      batch: () => {
        for (let k = 0; k < 50; k++) {
          const c = createCipheriv('aes-128-ccm', keyObject, nonce, { authTagLength: 4 });
          c.setAAD(aad, { plaintextLength: m.length });
          const ct = c.update(m);
          c.final();
          const tag = c.getAuthTag();
          const d = createDecipheriv('aes-128-ccm', keyObject, nonce, { authTagLength: 4 });
          d.setAuthTag(tag);
          d.setAAD(aad, { plaintextLength: ct.length });
          d.update(ct);
          d.final(); // throws if the tag does not verify
        }
        return 50;
      },
    };
  };
  const apsCase = (name: string, header: ApsHeader, payload: Uint8Array) => ({
    name,
    budgetMs: budgetMs / 3,
    warmupMs,
    batch: () => {
      for (let k = 0; k < 50; k++) {
        const f = secureApsFrame({
          header,
          payload,
          linkKey: key,
          sourceEui: source,
          frameCounter: counter.next(),
        });
        const u = unsecureApsFrame(f, { linkKeyFor, sourceEui: source });
        if (u.payload.length !== payload.length) throw new Error('frame mismatch');
      }
      return 50;
    },
  });
  // AAD = APS header (8) + auxiliary header with the extended nonce (13)
  const results = measureInterleaved(
    [
      apsCase('han.frame.get.secureUnsecure', get, getAsdu),
      floorCase('han.frame.get.aesCcmFloor', 21, getAsdu.length),
      apsCase('han.frame.ack.secureUnsecure', ack, new Uint8Array(0)),
      floorCase('han.frame.ack.aesCcmFloor', 21, 0),
    ],
    3,
  );
  for (let i = 0; i < results.length; i += 2) {
    const aps = results[i];
    aps.extra = {
      cpuUsPerFrame: round(aps.cpuMsPerOp! * 1000),
      vsFloor: round(aps.cpuMsPerOp! / results[i + 1].cpuMsPerOp!),
    };
    results[i + 1].extra = { cpuUsPerFrame: round(results[i + 1].cpuMsPerOp! * 1000) };
  }
  return results;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
