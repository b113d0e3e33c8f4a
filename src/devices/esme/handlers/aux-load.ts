/**
 * Auxiliary load control on the ESME: ECS47 (DUIS 7.5 / 7.6 / 7.8: switch N
 * on, off, back to calendar control), ECS47a (7.13: controller N to a
 * level) and ECS47e (7.16: controller N limited to a level). Each runs the
 * script of the ALCS state script table (gbcs/use-cases/alcs-scripts.ts)
 * on the switch's output state (alcsN.outputState, which ECS61a and ECS61e
 * read back), after storing the command's objects as the generic model does
 * (cosem.ts). A script that is not the use case's kind is refused (8F1E,
 * nothing changes).
 *
 * PROVISIONAL (docs/devices.md "Auxiliary load control"): a switch is on at
 * level 100 and off at any other level (the DUIS XSD: "anything but 100 will
 * switch off an ALCS or HCALCS"); a limit switches an on switch off unless
 * it is 100 and never switches one on; "calendar control" is the state the
 * meter holds without an override (the RTDS ESME's); ECS47a / ECS47e apply
 * at once (their period objects are stored, their end is not scheduled);
 * the InputFromControlledLoad variants change no output state. Every change
 * then runs through alcs.ts (ALCS event log, HCALCS over the HAN, 0x8131 /
 * 0x811A); an ECS47 holds the switch against the calendar for its Duration.
 */
import { type AlcsScript, decodeAlcsScript, encodeAlcsScript } from '../../../gbcs/use-cases/alcs-scripts.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { clearAttribute, getAttribute, setAttribute } from '../attribute-store.ts';
import { isHcalcsId } from '../hcalcs-driver.ts';
import type { EsmeServices } from '../services.ts';
import { writeAttributes } from './cosem.ts';

/** The ALCS use cases this handler runs; each drives an HCALCS switch over the HAN (hcalcs-driver.ts). */
export const AUX_LOAD_USE_CASES = ['ECS47', 'ECS47a', 'ECS47e'] as const;

const outputKey = (n: number) => `alcs${n}.outputState`;

/** The output state switch / controller N has now. */
export const alcsOutputState = (esme: EsmeServices, n: number): boolean =>
  getAttribute(esme.state, outputKey(n)) === true;

/** A script a command runs now (a scheduledSwitch one only runs from the ALCS schedule). */
type CommandedScript = Exclude<AlcsScript, { kind: 'scheduledSwitch' }>;

/** The output state `script` leaves switch N in (undefined: back to calendar control). */
function nextState(useCase: string, script: CommandedScript, now: boolean): boolean | undefined {
  if (script.kind === 'switch') return script.action === 'reset' ? undefined : script.action === 'activate';
  if (script.input) return now;
  return useCase === 'ECS47e' ? now && script.level === 100 : script.level === 100;
}

/** The script of the command, checked against its use case (ECS47: a switch script; ECS47a/b: an unscheduled controller one). */
function scriptOf(call: UseCaseCall): CommandedScript {
  // ECS47 / ECS47a run 0-0:10.0.103.255, ECS47e its own 0-0:10.0.107.255 (GBCS later use-case table, c5d22f4e)
  const f = call.fields as Record<string, { execute?: unknown } | undefined>;
  const id = (call.row.useCase === 'ECS47e' ? f.apcLimitScripts : f.alcsStateScripts)?.execute;
  const script = typeof id === 'number' ? decodeAlcsScript(id) : undefined;
  const want = call.row.useCase === 'ECS47' ? 'switch' : 'controller';
  if (
    !script ||
    script.kind === 'scheduledSwitch' ||
    script.kind !== want ||
    (script.kind === 'controller' && script.scheduled)
  )
    throw new CommandContentError(
      `${call.row.useCase}: script ${String(id)} is not a ${want} script it runs`,
    );
  return script;
}

export function auxiliaryLoadControl(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const script = scriptOf(call);
  const from = alcsOutputState(esme, script.n);
  const to = nextState(call.row.useCase, script, from);
  const written = writeAttributes(call, esme);
  if (written.outcome !== 'applied') return written;
  const alcs = esme.alcs;
  if (script.kind === 'switch' && alcs) {
    // the Duration (ECS47 alcsStateScriptSelector, PROVISIONAL minutes) times the override (alcs.ts)
    const minutes = (call.fields as { alcsStateScriptSelector?: { value?: unknown } }).alcsStateScriptSelector
      ?.value;
    alcs.command(
      script.n,
      script.action,
      typeof minutes === 'number' ? minutes : 0,
      encodeAlcsScript(script),
    );
  } else if (alcs) alcs.controllerSet(script.n, to ?? from, encodeAlcsScript(script));
  else if (to === undefined) clearAttribute(esme.state, outputKey(script.n));
  else setAttribute(esme.state, outputKey(script.n), to);
  const now = alcsOutputState(esme, script.n);
  const hcalcs = getAttribute(esme.state, `alcsDeviceId${script.n}.value`);
  return {
    ...written,
    detail: {
      ...written.detail,
      alcs: { n: script.n, from, to: now, ...(isHcalcsId(hcalcs) ? { hcalcs } : {}) },
    },
  };
}
