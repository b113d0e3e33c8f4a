/**
 * Device emulator benchmarks (RTDS ESME profile, one process, after warm-up):
 * - devices.esme.read: one ECS17b command end to end (decode, ACB MAC check,
 *   authority, replay, DLMS execution, payload encryption, MAC'd response);
 * - devices.esme.critical: one ECS43 (signature verify, signed response);
 * - devices.esme.reject: one tampered command (MAC fails, signed 8F1E alert,
 *   suppressed after the per-minute budget, so mostly the check itself).
 * Commands carry increasing counters, prepared in advance. Each figure is
 * commands per second and CPU ms per command (process CPU time over the
 * run, warm-up included, divided by the commands run).
 */

import { Esme } from '../src/devices/esme/esme.ts';
import {
  RecordingUplink,
  rebuildCommand,
  rtdsEsmeProfile,
} from '../src/devices/meter-common/test-support.ts';
import { RTDS_TIME } from '../src/devices/meter-common/time.ts';
import { RTDS_DEVICES } from '../src/devices/security/credentials.ts';
import { decodeMessage, loadKeyStoreDir } from '../src/gbcs/index.ts';
import { decodeCommand, encodeCommand } from '../src/gbcs/use-cases/index.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { configureLogging } from '../src/runtime/logger.ts';
import { RTDS_KEYSTORE, rtdsMessages } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  // rejections log a warning each: keep the bench output to its figures
  configureLogging({ spec: 'esme=error' });
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 100 : 300;
  const ks = loadKeyStoreDir(RTDS_KEYSTORE);
  const profile = await rtdsEsmeProfile(ks);
  const fx = (n: string) => decodeMessage(rtdsMessages().find((m) => m.name.endsWith(n))!.bytes);
  const read = fx('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
  const crit = fx('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX');
  const N = quick ? 2000 : 20000;
  const reads = Array.from({ length: N }, (_, i) =>
    rebuildCommand(profile.remote, read, { counter: 0x1000n + BigInt(i) }),
  );
  const crits = Array.from({ length: quick ? 300 : 3000 }, (_, i) =>
    rebuildCommand(profile.remote, crit, { counter: 0x1000n + BigInt(i) }),
  );
  // CS02g: two load controller cells replaced, each certificate's path verified to the Root (3 ECDSA verifies with the command's)
  const cred = fx(
    '6.15.1_CS02gLoadControllerBySupplier/CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX',
  );
  const credFields = decodeCommand('CS02gLoadControllerBySupplier', cred.content).fields as {
    authorisingRemotePartyControl: { authorisingRemotePartySeqNumber: bigint };
  };
  const creds = Array.from({ length: quick ? 200 : 1000 }, (_, i) => {
    const counter = 0x1000n + BigInt(i);
    const f = structuredClone(credFields);
    f.authorisingRemotePartyControl.authorisingRemotePartySeqNumber = counter;
    const content = encodeCommand('CS02gLoadControllerBySupplier', f as never, { header: {} });
    return rebuildCommand(profile.remote, cred, { counter, content });
  });
  const bad = new Uint8Array(reads[0]);
  bad[bad.length - 1] ^= 1;

  const make = () => {
    const clock = new VirtualClock(RTDS_TIME);
    const esme = new Esme({
      eui: RTDS_DEVICES.esme,
      clock,
      credentials: profile.credentials,
      trustAnchors: profile.trustAnchors,
      maxEvents: 100,
    });
    const up = new RecordingUplink();
    esme.attachUplink(up);
    return { esme, up };
  };
  const cycle = (cmds: Uint8Array[]) => {
    let d = make();
    let i = 0;
    return () => {
      if (i >= cmds.length) {
        d = make();
        i = 0;
      }
      d.esme.onRemotePartyMessage(cmds[i++]);
      d.up.sent.length = 0;
      return 1;
    };
  };
  /** measure() plus the process CPU time per command (warm-up included in both counts). */
  const withCpu = (name: string, batch: () => number): BenchResult => {
    let ops = 0;
    const counted = () => {
      const n = batch();
      ops += n;
      return n;
    };
    const cpu0 = process.cpuUsage();
    const r = measure({ name, warmupMs, budgetMs, batch: counted });
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerOp = (cpu.user + cpu.system) / 1000 / ops;
    return { ...r, extra: { ...r.extra, cpuMsPerCommand: Number(cpuMsPerOp.toFixed(3)) } };
  };
  const results = [
    withCpu('devices.esme.read', cycle(reads)),
    withCpu('devices.esme.critical', cycle(crits)),
    withCpu('devices.esme.reject', cycle(Array(1000).fill(bad))),
    withCpu('devices.esme.credentials', cycle(creds)),
  ];
  return results;
}
