/**
 * Which emulated device runs which catalogue use case (docs/use-cases.md, `gbcs use-cases`).
 *
 * Derived from the devices' handler registries (one handler per catalogue row), never
 * listed again: a use case "runs" on a device type when that device's registry has a
 * handler for it, the row targets the type and its payload is known. Everything else
 * gets the device's GBCS "unsupported" answer.
 */
import { rowHasNoPayload, type UseCaseRow } from '../gbcs/use-cases/index.ts';
import { CHF_HANDLERS } from './chf/commands.ts';
import type { DeviceType } from './contracts.ts';
import { ESME_HAN_USE_CASES } from './esme/han-commands.ts';
import { AUX_LOAD_USE_CASES } from './esme/handlers/aux-load.ts';
import { ESME_HANDLERS } from './esme/handlers/index.ts';
import { GPF_HANDLERS } from './gpf/gpf.ts';
import { GSME_HANDLERS } from './gsme/handlers/index.ts';
import { HanOwnUseCases } from './han-device/own-use-cases.ts';

const REGISTRIES: readonly (readonly [DeviceType, () => readonly string[]])[] = [
  ['ESME', () => ESME_HANDLERS.useCases()],
  ['GSME', () => GSME_HANDLERS.useCases()],
  ['GPF', () => GPF_HANDLERS.useCases()],
  ['CHF', () => CHF_HANDLERS.useCases()],
  ['PPMID', () => HanOwnUseCases.runs()],
  ['HCALCS', () => HanOwnUseCases.runs()],
];

/** The HAN Only (ZSE specified) use cases each device type takes. */
const HAN_ONLY: readonly (readonly [DeviceType, readonly string[]])[] = [['ESME', ESME_HAN_USE_CASES]];

/** The emulated device types that execute a row (empty: no emulator runs it yet). */
export function emulatorsRunning(row: UseCaseRow): DeviceType[] {
  // a HAN Only "ZSE specified" row (PECS01-03, HECS01) runs where a device takes its ZSE command
  if (row.zseCommand)
    return HAN_ONLY.filter(
      ([type, list]) => (row.targets as readonly string[]).includes(type) && list.includes(row.useCase),
    ).map(([t]) => t);
  if (rowHasNoPayload(row)) return [];
  const targets = row.targets as readonly string[];
  return REGISTRIES.filter(
    ([type, list]) => (targets.includes('ANY') || targets.includes(type)) && list().includes(row.useCase),
  ).map(([type]) => type);
}

/**
 * HAN devices an emulator drives while it runs the row (not GBCS targets of
 * it): the ESME's ALCS use cases switch an HCALCS over the HAN
 * (esme/hcalcs-driver.ts, docs/devices.md "HCALCS in a home").
 */
export function emulatorsDriven(row: UseCaseRow): DeviceType[] {
  return (AUX_LOAD_USE_CASES as readonly string[]).includes(row.useCase) &&
    emulatorsRunning(row).includes('ESME')
    ? ['HCALCS']
    : [];
}
