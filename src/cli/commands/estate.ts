/**
 * `ppmid-relay estate`: the estate and the CSP's SM WAN as a process of their
 * own (ARCHITECTURE "Scaling out"): homes with a CH, ESME, GSME and an
 * enhanced PPMID each, in real time; the PPMIDs provisioned through the
 * supplier of another process (`--supplier-url`) and connected to its broker
 * (`MQTT_URL`); the SM WAN reached by the DSP and the CHM of another process
 * through the WAN link (`--dsp-wan-url`, `--chm-wan-url`, served on
 * `--wan-port`). `--plan` prints the estate plan (every process of a split
 * deployment derives the same one from --homes, --wan-mix and --seed).
 * See docs/running.md "Separate processes".
 */
import type { Command } from 'commander';
import { configureLogging } from '../../runtime/logger.ts';
import { formatWanMix, parseWanMix, planEstate, planFingerprint } from '../../sim/plan.ts';
import { DEFAULT_HOMES } from '../../system/config.ts';
import { startSystem } from '../../system/system.ts';
import { commandGroup } from '../main.ts';
import { addSystemOptions, describeUrls, systemOptionsFrom, type UpFlags, untilSignal } from './up.ts';

export function register(program: Command): void {
  const estate = commandGroup(program, 'estate');
  // This process listens for the start page, the WAN link and the embedded MQTT broker only.
  addSystemOptions(estate, { only: ['start', 'wan', 'mqtt'], xsd: false })
    .option(
      '--supplier-url <url>',
      'the supplier service (SU-3 provisioning, workload), e.g. http://127.0.0.1:8070',
    )
    .option('--dsp-wan-url <url>', 'the WAN link endpoint of the DSP process, e.g. http://127.0.0.1:8083')
    .option('--chm-wan-url <url>', 'the WAN link endpoint of the CHM process (default: --dsp-wan-url)')
    .option('--plan', 'print the estate plan as JSON and exit')
    .action(async (f: UpFlags & { plan?: boolean }) => {
      if (f.plan) {
        const homes = f.homes ?? DEFAULT_HOMES;
        const plan = planEstate({
          homes,
          mix: f.wanMix ? parseWanMix(f.wanMix, homes) : undefined,
          seed: f.seed,
        });
        const mix = { reliable: 0, intermittent: 0, none: 0 };
        for (const h of plan.homes) mix[h.wanClass]++;
        process.stdout.write(
          `${JSON.stringify(
            {
              seed: plan.seed,
              fingerprint: planFingerprint(plan),
              wanMix: formatWanMix(mix),
              csp: plan.csp,
              homes: plan.homes.map((h) => ({
                premisesId: h.premisesId,
                wanClass: h.wanClass,
                chf: h.chf,
                gpf: h.gpf,
                esme: h.esme,
                gsme: h.gsme,
                ppmid: h.ppmid,
              })),
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (!process.env.PPMID_LOG) configureLogging({ spec: 'warn,system=info,sim=info,wan-link=info' });
      if (!f.supplierUrl)
        throw new Error('estate needs --supplier-url (the supplier service of another process)');
      if (!f.dspWanUrl)
        throw new Error('estate needs --dsp-wan-url (the WAN link endpoint of the DSP process)');
      const sys = await startSystem({ ...systemOptionsFrom({ ...f, parties: 'estate' }) });
      process.stdout.write(describeUrls(sys));
      void sys.provisioned.then((failures) =>
        process.stdout.write(
          failures.length
            ? `${failures.length} PPMID(s) not provisioned: ${failures.map((x) => `${x.premisesId} (${x.error})`).join('; ')}\n`
            : `estate ready: ${sys.plan.homes.length} PPMIDs provisioned (SU-3) and relay-enabled\n`,
        ),
      );
      await untilSignal(sys);
    });
}
