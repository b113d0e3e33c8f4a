/**
 * The modules the estate simulator's benchmark and profiles run: the
 * compiled JavaScript in dist/ that `ppmid-relay sim run` runs (rebuilt first
 * when src/ changed, as bin/ppmid-relay.js does), not the sources under tsx.
 * tsx compiles with esbuild's keepNames, which gives every closure a `name`
 * property through `__name` (a dictionary-mode property store per closure:
 * about 28 KB more heap per home and a call per closure created, measured at
 * 300 homes) that the command never pays.
 */
import { build, isStale } from '../scripts/build.mjs';

export interface SimModules {
  VirtualClock: typeof import('../src/runtime/clock.ts').VirtualClock;
  configureLogging: typeof import('../src/runtime/logger.ts').configureLogging;
  pumpPromise: typeof import('../src/sim/pump.ts').pumpPromise;
  pumpUntil: typeof import('../src/sim/pump.ts').pumpUntil;
  Workload: typeof import('../src/sim/workload.ts').Workload;
  InProcessSupplierPort: typeof import('../src/system/ports.ts').InProcessSupplierPort;
  startSystem: typeof import('../src/system/system.ts').startSystem;
}

export async function loadSimModules(): Promise<SimModules> {
  if (isStale()) build({ quiet: true });
  const d = (p: string) => import(new URL(`../dist/${p}`, import.meta.url).href);
  const [clock, logger, pump, workload, ports, system] = await Promise.all([
    d('runtime/clock.js'),
    d('runtime/logger.js'),
    d('sim/pump.js'),
    d('sim/workload.js'),
    d('system/ports.js'),
    d('system/system.js'),
  ]);
  return {
    VirtualClock: clock.VirtualClock,
    configureLogging: logger.configureLogging,
    pumpPromise: pump.pumpPromise,
    pumpUntil: pump.pumpUntil,
    Workload: workload.Workload,
    InProcessSupplierPort: ports.InProcessSupplierPort,
    startSystem: system.startSystem,
  };
}

type Estate = Awaited<ReturnType<SimModules['startSystem']>>;

/**
 * The sim bench's estate on virtual clock `vc`: `homes` homes in process
 * (seed 'bench-sim', no workload, no XSD validation, 32 provisioning at a
 * time), returned once every home is provisioned; a home that fails throws.
 */
export async function provisionedEstate(
  m: Pick<SimModules, 'pumpPromise' | 'startSystem'>,
  vc: InstanceType<SimModules['VirtualClock']>,
  homes: number,
): Promise<Estate> {
  const sys = await m.pumpPromise(
    vc,
    m.startSystem({
      clock: vc,
      transport: 'in-process',
      ephemeral: true,
      homes,
      seed: 'bench-sim',
      workload: 'none',
      xsdValidation: false,
      provisionConcurrency: 32,
    }),
  );
  const failures = await m.pumpPromise(vc, sys.provisioned);
  if (failures.length) throw new Error(`provisioning failed: ${failures[0]!.error}`);
  return sys;
}
