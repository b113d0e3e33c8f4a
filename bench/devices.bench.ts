/**
 * Device emulator benchmarks (RTDS ESME profile, one process, after warm-up):
 * - devices.esme.read: one ECS17b command end to end (decode, ACB MAC check,
 *   authority, replay, DLMS execution, payload encryption, MAC'd response);
 * - devices.esme.critical: one ECS43 (signature verify, signed response);
 * - devices.esme.reject: one tampered command (MAC fails, signed 8F1E alert,
 *   suppressed after the per-minute budget, so mostly the check itself).
 * - devices.gsme.read / devices.gsme.critical: GCS13a (payload-encrypted
 *   Read Attributes Response) and GCS39 (signature verify, signed response)
 *   through the GSME's registry, delivered straight to the GSME (what its
 *   mailbox poll hands it), generated keys;
 * - devices.chf.read / devices.chf.write: ECS26i (CHF configuration read)
 *   and CCS06 (a CHF DLMS write) into the CHF of an `rtds` ATPS home
 *   (`receiveFromWan`: routing, the CHF's security checks, execution, MAC'd
 *   response onto the WAN uplink); the CHF runs no critical use case of the
 *   RTDS set (CS02bWPByWP answers "unsupported");
 * - devices.hcalcs.read / devices.hcalcs.join: CS08 and CS03A2 then CS04AC
 *   (join log written and emptied) on the HCALCS's own use cases
 *   (han-device/own-use-cases.ts, shared with the PPMID), generated keys;
 * - devices.ppmid.read: CS08 to the PPMID application (its own use cases,
 *   same checks), generated keys. No PPMID critical figure: no critical
 *   use case of the RTDS set runs on the PPMID.
 * - devices.gpf.read: GCS13a addressed to the GPF (the CHF hands it straight
 *   to the GPF: `onRemotePartyMessage`), answered from the gas mirror
 *   through the GSME's read handlers (payload-encrypted Read Attributes
 *   Response, MAC'd), generated keys.
 * Commands carry increasing counters, prepared in advance. Each figure is
 * commands per second and CPU ms per command (process CPU time over the
 * run, warm-up included, divided by the commands run).
 */

import { Atps } from '../src/atps/api.ts';
import { defaultDeviceApps } from '../src/atps/devices.ts';
import { Esme } from '../src/devices/esme/esme.ts';
import { GasMirror } from '../src/devices/gpf/gas-mirror.ts';
import { Gpf } from '../src/devices/gpf/gpf.ts';
import { Gsme } from '../src/devices/gsme/gsme.ts';
import { Hcalcs } from '../src/devices/hcalcs/hcalcs.ts';
import {
  RecordingUplink,
  rebuildCommand,
  rtdsEsmeProfile,
} from '../src/devices/meter-common/test-support.ts';
import { RTDS_TIME } from '../src/devices/meter-common/time.ts';
import { Ppmid } from '../src/devices/ppmid/ppmid.ts';
import { FakeUplink, makePpmidKit } from '../src/devices/ppmid/testing.ts';
import { RTDS_DEVICES, TrustAnchors } from '../src/devices/security/credentials.ts';
import { generatedWorld } from '../src/devices/security/profiles.ts';
import { decodeMessage, type GbcsMessage, loadKeyStoreDir, SecurityContext } from '../src/gbcs/index.ts';
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
  const n = quick ? 300 : 3000;
  const gsme = await gsmeCases(fx, n);
  results.push(withCpu('devices.gsme.read', gsme.read), withCpu('devices.gsme.critical', gsme.critical));
  const chf = await chfCases(fx, n);
  results.push(withCpu('devices.chf.read', chf.read), withCpu('devices.chf.write', chf.write));
  const hcalcs = await hcalcsCases(fx, n);
  results.push(withCpu('devices.hcalcs.read', hcalcs.read), withCpu('devices.hcalcs.join', hcalcs.join));
  const ppmid = await ppmidCases(fx, n);
  results.push(withCpu('devices.ppmid.read', ppmid.read));
  const gpf = await gpfCases(fx, n);
  results.push(withCpu('devices.gpf.read', gpf.read));
  return results;
}

type Fixture = (name: string) => GbcsMessage;

let checks = 0;
/** The first commands of each case must have been executed (a bench of rejections would measure the wrong thing). */
function executed(events: readonly object[], device: string): void {
  if (checks++ % 500 !== 0) return;
  const e = events.at(-1) as { decision?: string; reason?: string; kind?: string } | undefined;
  // a meter or HAN device records the accepted command; the CHF the response it put on the WAN uplink
  const ok =
    e &&
    ((e.decision === 'accepted' && e.reason !== 'UNSUPPORTED' && e.reason !== 'FAILED') ||
      (e.kind === 'uplink' && e.reason === 'chf-response'));
  if (!ok) throw new Error(`${device} did not execute the bench command: ${JSON.stringify(e)}`);
}

/** Runs `cmds` in order on `make()`'s device, a fresh one when they run out (counters start again). */
function cycleOn(make: () => (bytes: Uint8Array) => void, cmds: Uint8Array[]): () => number {
  let send = make();
  let i = 0;
  return () => {
    if (i >= cmds.length) {
      send = make();
      i = 0;
    }
    send(cmds[i++]!);
    return 1;
  };
}

async function gsmeCases(fx: Fixture, n: number) {
  const G = RTDS_DEVICES.gsme;
  const P = RTDS_DEVICES.ppmid;
  const world = await generatedWorld([G, P]);
  const protect = (m: GbcsMessage, i: number) =>
    rebuildCommand(world.remote, m, { counter: 0x1000n + BigInt(i) });
  const read = fx('4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_COMMAND_GBCS.HEX');
  const crit = fx('7.3_GCS39/GCS39_7.3_SUCCESS_COMMAND_GBCS.HEX');
  const make = () => {
    const clock = new VirtualClock(RTDS_TIME);
    const gsme = new Gsme({
      eui: G,
      clock,
      credentials: world.credentials(G),
      trustAnchors: world.trustAnchors([world.peer(P, 'PPMID')]),
      pollIntervalMs: 30 * 60_000,
      maxEvents: 100,
    });
    const up = new RecordingUplink(() => clock.now()).bind(gsme);
    gsme.attachUplink(up);
    return (bytes: Uint8Array) => {
      gsme.onRemotePartyMessage(bytes);
      up.sent.length = 0;
      executed(gsme.events, 'GSME');
    };
  };
  return {
    read: cycleOn(
      make,
      Array.from({ length: n }, (_, i) => protect(read, i)),
    ),
    critical: cycleOn(
      make,
      Array.from({ length: n }, (_, i) => protect(crit, i)),
    ),
  };
}

/** GCS13a to the GPF, answered from its gas mirror (the GSME's values as installed), generated keys. */
async function gpfCases(fx: Fixture, n: number) {
  const F = RTDS_DEVICES.gpf;
  const world = await generatedWorld([F]);
  const read = fx('4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_COMMAND_GBCS.HEX');
  const cmds = Array.from({ length: n }, (_, i) =>
    rebuildCommand(world.remote, read, { counter: 0x1000n + BigInt(i), recipient: F }),
  );
  const make = () => {
    const clock = new VirtualClock(RTDS_TIME);
    const gpf = new Gpf({
      eui: F,
      clock,
      credentials: world.credentials(F),
      trustAnchors: world.trustAnchors(),
      mirror: new GasMirror(),
      maxEvents: 100,
    });
    const up = new RecordingUplink(() => clock.now()).bind(gpf);
    gpf.attachUplink(up);
    return (bytes: Uint8Array) => {
      gpf.onRemotePartyMessage(bytes);
      up.sent.length = 0;
      executed(gpf.events, 'GPF');
    };
  };
  return { read: cycleOn(make, cmds) };
}

async function chfCases(fx: Fixture, n: number) {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const p = await atps.profile('rtds');
  const ctx = new SecurityContext({ keyStore: p.world, acb: p.acb });
  const build = (m: GbcsMessage) =>
    Array.from({ length: n }, (_, i) => rebuildCommand(ctx, m, { counter: 0x10000n + BigInt(i) }));
  const { id } = await atps.createHome({ profile: 'rtds' });
  const make = () => {
    // the home built again per cycle: the CHF's replay marks start again
    atps.resetHome(id);
    const chf = atps.home(id).chf;
    return (bytes: Uint8Array) => {
      chf.receiveFromWan(bytes);
      executed(chf.events, 'CHF');
    };
  };
  return {
    read: cycleOn(make, build(fx('6.2.4_ECS26i/ECS26i_6.2.4_SUCCESS_COMMAND_GBCS.HEX'))),
    write: cycleOn(make, build(fx('8.9_CCS06/CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX'))),
  };
}

async function hcalcsCases(fx: Fixture, n: number) {
  const H = RTDS_DEVICES.hcalcs;
  const world = await generatedWorld([H]);
  const all = world.trustAnchors([]);
  const anchors = new TrustAnchors(
    Object.fromEntries(all.cellEntries().filter(([c]) => c !== 'supplier' && c !== 'networkOperator')),
    [],
  );
  const protect = (m: GbcsMessage, i: number) =>
    rebuildCommand(world.remote, m, { counter: 0x1000n + BigInt(i), recipient: H });
  const read = fx('11.2_CS08/CS08_11.2_SUCCESS_COMMAND_GBCS.HEX');
  const join = fx('8.7.2_CS03A2NonCritical/CS03A2NonCritical_8.7.2_SUCCESS_COMMAND_GBCS.HEX');
  const unjoin = fx('8.8.2_CS04ACNonCritical/CS04ACNonCritical_8.8.2_SUCCESS_COMMAND_GBCS.HEX');
  const make = () => {
    const clock = new VirtualClock(RTDS_TIME);
    const hcalcs = new Hcalcs({
      clock,
      credentials: world.credentials(H),
      trustAnchors: anchors,
      maxEvents: 100,
    });
    const up = new FakeUplink(clock);
    hcalcs.attachUplink(up);
    return (bytes: Uint8Array) => {
      hcalcs.onRemotePartyMessage(bytes);
      up.sent.length = 0;
      executed(hcalcs.events, 'HCALCS');
    };
  };
  return {
    read: cycleOn(
      make,
      Array.from({ length: n }, (_, i) => protect(read, i)),
    ),
    join: cycleOn(
      make,
      Array.from({ length: n }, (_, i) => protect(i % 2 ? unjoin : join, i)),
    ),
  };
}

/** CS08 (read firmware version) to the PPMID's own use cases, through the Ppmid application (generated keys). */
async function ppmidCases(fx: Fixture, n: number) {
  const P = RTDS_DEVICES.ppmid;
  const world = await generatedWorld([P]);
  const all = world.trustAnchors([]);
  const anchors = new TrustAnchors(
    Object.fromEntries(all.cellEntries().filter(([c]) => c !== 'supplier' && c !== 'networkOperator')),
    [],
  );
  const read = fx('11.2_CS08/CS08_11.2_SUCCESS_COMMAND_GBCS.HEX');
  const cmds = Array.from({ length: n }, (_, i) =>
    rebuildCommand(world.remote, read, { counter: 0x1000n + BigInt(i), recipient: P }),
  );
  const kit = await makePpmidKit();
  const make = () => {
    const clock = new VirtualClock(RTDS_TIME);
    const ppmid = new Ppmid({
      ...kit.options,
      clock,
      credentials: world.credentials(P),
      trustAnchors: anchors,
      maxEvents: 100,
    });
    const up = new FakeUplink(clock);
    ppmid.attachUplink(up);
    return (bytes: Uint8Array) => {
      ppmid.onRemotePartyMessage(bytes);
      up.sent.length = 0;
      executed(ppmid.events, 'PPMID');
    };
  };
  return { read: cycleOn(make, cmds) };
}
