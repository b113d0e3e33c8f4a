/**
 * The smoke check (`ppmid-relay up --check`): the whole system on ephemeral
 * ports, every PPMID provisioned through SU-3, then one top-up ordered from
 * the supplier on the PPMID route (CV 2): supplier -> DUIS/HTTP -> DSP ->
 * signed envelope -> MQTT/TLS -> PPMID (PP-2 checks) -> HAN tunnel -> CH
 * (CH-1) -> ESME (UTRN verified, credit applied) -> response over the SM WAN
 * (CH-4) -> DSP -> Receive Response POST -> supplier `responded`. Prints what
 * happened at each hop and returns whether it all did.
 */
import { TERMINAL_STATES } from '../supplier/command-states.ts';
import type { CommandRecord } from '../supplier/model.ts';
import type { SystemOptions } from './config.ts';
import { startSystem } from './system.ts';

export interface SmokeResult {
  ok: boolean;
  premisesId: string;
  commandId?: string;
  state?: string;
  route?: string;
  ppmidLeg?: string;
  esmeBalanceBefore: number;
  esmeBalanceAfter: number;
  elapsedMs: number;
  failure?: string;
  timeline?: string[];
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** Runs the check; writes a human report with `write`; true when the top-up was applied once and answered. */
export async function runSmokeCheck(
  opts: SystemOptions,
  write: (s: string) => void,
  o: { timeoutMs?: number } = {},
): Promise<boolean> {
  const r = await smokeCheck(opts, o);
  write(formatSmoke(r));
  return r.ok;
}

export function formatSmoke(r: SmokeResult): string {
  const gbp = (mp: number) => `£${(mp / 100_000).toFixed(2)}`;
  const lines = [
    `smoke check: ${r.ok ? 'OK' : 'FAILED'}`,
    `  premises        ${r.premisesId}`,
    ...(r.commandId
      ? [`  command         ${r.commandId} (route ${r.route ?? '?'}) -> ${r.state ?? '?'}`]
      : []),
    ...(r.ppmidLeg ? [`  PPMID leg       ${r.ppmidLeg}`] : []),
    `  ESME balance    ${gbp(r.esmeBalanceBefore)} -> ${gbp(r.esmeBalanceAfter)}`,
    `  elapsed         ${r.elapsedMs} ms`,
    ...(r.failure ? [`  failure         ${r.failure}`] : []),
    ...(r.timeline?.length ? ['  timeline', ...r.timeline.map((t) => `    ${t}`)] : []),
    '',
  ];
  return lines.join('\n');
}

export async function smokeCheck(opts: SystemOptions, o: { timeoutMs?: number } = {}): Promise<SmokeResult> {
  const t0 = Date.now();
  const sys = await startSystem({
    homes: 2,
    ...opts,
    ports: { dsp: 0, chm: 0, supplier: 0, mqtt: 0, start: 0, wan: 0 },
    workload: 'none',
    // a quick WAN for the check: the response still travels the SM WAN model
    wan: { latency: { kind: 'fixed', ms: 50 }, ...(opts.wan ?? {}) },
  });
  const home = sys.estate?.homes.find((h) => h.plan.wanClass === 'reliable') ?? sys.estate?.homes[0];
  const result: SmokeResult = {
    ok: false,
    premisesId: home?.premisesId ?? '-',
    esmeBalanceBefore: home?.esme.stateView.meterBalance ?? 0,
    esmeBalanceAfter: home?.esme.stateView.meterBalance ?? 0,
    elapsedMs: 0,
  };
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const supplier = sys.supplier;
    if (!home || !supplier) throw new Error('the smoke check needs the supplier and an estate with a home');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const failures = await Promise.race([sys.provisioned, timeout]);
    const mine = failures.find((f) => f.premisesId === home.premisesId);
    if (mine) throw new Error(`PPMID of ${home.premisesId} not provisioned: ${mine.error}`);
    result.esmeBalanceBefore = home.esme.stateView.meterBalance;
    let cmd: CommandRecord | undefined;
    const done = new Promise<CommandRecord>((resolve) => {
      const off = supplier.subscribe((e) => {
        if (e.type === 'command' && cmd && e.command.id === cmd.id && TERMINAL_STATES.has(e.command.state)) {
          off();
          resolve(e.command);
        }
      });
    });
    cmd = await supplier.submit({
      premisesId: home.premisesId,
      order: { kind: 'top-up', value: 1000, valueClass: 'pennies' },
      route: 'ppmid',
    });
    result.commandId = cmd.id;
    result.route = cmd.route;
    const final = TERMINAL_STATES.has(cmd.state) ? cmd : await Promise.race([done, timeout]);
    result.state = final.state;
    result.ppmidLeg = final.ppmid ? `${final.ppmid.ppmid} ${final.ppmid.status}` : undefined;
    result.esmeBalanceAfter = home.esme.stateView.meterBalance;
    const view = await supplier.command(final.id);
    result.timeline = view?.timeline.map((h) => {
      const d = (h.detail ?? {}) as Record<string, unknown>;
      const why = d.outcome ?? d.reason ?? d.route ?? d.commandVariant;
      return `${new Date(h.at).toISOString().slice(11, 23)} ${h.kind}${why !== undefined && why !== null ? ` (${String(why)})` : ''}`;
    });
    const credited = result.esmeBalanceAfter - result.esmeBalanceBefore;
    if (final.state !== 'responded') result.failure = `command ${final.state}: ${final.reason ?? ''}`;
    else if (credited !== 1000 * 1000)
      result.failure = `the ESME was credited ${credited} millipence, expected 1000000 (1000 pennies) once`;
    else result.ok = true;
  } catch (err) {
    result.failure = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
    result.elapsedMs = Date.now() - t0;
    await sys.stop();
  }
  return result;
}
