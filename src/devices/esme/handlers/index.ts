/**
 * The ESME's use-case handlers, each registered against its catalogue row
 * (src/gbcs/use-cases/rows/esme.ts, asn1.ts) in the shared registry
 * (meter-common/use-case-registry.ts), and the runners of its future-dated
 * commands. A use case without a handler here gets the registry's
 * "unsupported" answer.
 */
import { UseCaseRegistry } from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import { paymentMode, runPaymentMode, topUp } from './account.ts';
import { setClock } from './clock.ts';
import { activateFirmware, runFirmwareActivation } from './firmware.ts';
import type { FutureDatedRunner } from './future-dated.ts';
import { runChargeActivation, setPrices } from './prices.ts';
import {
  readFirmwareVersion,
  readImportRegisters,
  readMeterBalance,
  readSupplyState,
  readTariff,
} from './reads.ts';
import { supplyControl } from './supply.ts';

export const ESME_HANDLERS = new UseCaseRegistry<EsmeServices>()
  .register('ECS17b', readImportRegisters)
  .register('ECS45', readSupplyState)
  .register('ECS52', readFirmwareVersion)
  .register('ECS82', readMeterBalance)
  .register('ECS24', readTariff)
  .register('CS01a', topUp)
  .registerAll(['ECS02', 'ECS03'], paymentMode)
  .registerAll(['ECS42', 'ECS43', 'ECS44'], supplyControl)
  .register('ECS70', setClock)
  .register('ECS01b', setPrices)
  .register('CS06', activateFirmware);

/** Who runs a future-dated entry, by its use case. */
export const ESME_FUTURE_DATED: Readonly<Record<string, FutureDatedRunner>> = {
  ECS01b: runChargeActivation,
  ECS02: runPaymentMode,
  ECS03: runPaymentMode,
  CS06: runFirmwareActivation,
};
