/**
 * The ESME's use-case handlers, each registered against its catalogue row
 * (src/gbcs/use-cases/rows/esme.ts, asn1.ts) in the shared registry
 * (meter-common/use-case-registry.ts), and the runners of its future-dated
 * commands. A use case without a handler here gets the registry's
 * "unsupported" answer.
 */
import { type DlmsCommandRow, rowHasNoPayload, useCaseRows } from '../../../gbcs/use-cases/index.ts';
import { registerCredentialUseCases, updateUseCasesFor } from '../../meter-common/credential-handlers.ts';
import { UseCaseRegistry } from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import { adjustBalance, paymentMode, resetBalance, runPaymentMode, topUp } from './account.ts';
import { auxiliaryControllerCalendar, runAuxiliaryCalendarActivation } from './aux-calendar.ts';
import { AUX_LOAD_USE_CASES, auxiliaryLoadControl } from './aux-load.ts';
import { setBillingCalendar } from './billing.ts';
import { configureDailyBlockReset, resetBlockCounterMatrix } from './block-counters.ts';
import { setClock } from './clock.ts';
import { readAttributes, writeAttributes } from './cosem.ts';
import { esmeCredentialHost, runCredentialUpdate } from './credentials.ts';
import { manageDebt } from './debt.ts';
import { activateEmergencyCreditRemotely } from './emergency-credit.ts';
import { activateFirmware, runFirmwareActivation } from './firmware.ts';
import type { FutureDatedRunner } from './future-dated.ts';
import { esmeJoin } from './join.ts';
import { runLoadLimitActivation, setLoadLimitConfiguration } from './load-limit.ts';
import { setImportMpans } from './mpan.ts';
import { runPrepaySettingActivation, updatePrepayConfiguration } from './prepay-config.ts';
import { runChargeActivation, setPrices } from './prices.ts';
import { protectedRead } from './protected.ts';
import {
  runSecondaryTariffActivation,
  setSecondaryPrice,
  setSecondaryTariffAndPrice,
} from './secondary-tariff.ts';
import { supplyControl } from './supply.ts';
import { runTariffActivation, setTariffAndPrice } from './tariff-set.ts';

/** The Update Security Credentials use cases an ESME runs (every mode whose target cells an ESME holds). */
const CREDENTIAL_UPDATES = updateUseCasesFor('ESME');

export const ESME_HANDLERS = new UseCaseRegistry<EsmeServices>()
  .register('CS01a', topUp)
  .registerAll(['ECS02', 'ECS03'], paymentMode)
  .registerAll(['ECS42', 'ECS43', 'ECS44'], supplyControl)
  .registerAll(AUX_LOAD_USE_CASES, auxiliaryLoadControl)
  .register('ECS46c', auxiliaryControllerCalendar)
  .register('ECS46d', auxiliaryControllerCalendar)
  .registerAll(['ECS30', 'ECS30a'], setBillingCalendar)
  .register('ECS70', setClock)
  .register('ECS01b', setPrices)
  .register('ECS01a', setTariffAndPrice)
  .register('ECS01c', setSecondaryTariffAndPrice)
  .register('ECS01d', setSecondaryPrice)
  .register('ECS39a', setImportMpans)
  .register('CS06', activateFirmware)
  .register('ECS04a', adjustBalance)
  .register('ECS04b', resetBalance)
  .register('ECS05', resetBlockCounterMatrix)
  .register('ECS48', configureDailyBlockReset)
  .register('ECS07', manageDebt)
  .register('ECS09', activateEmergencyCreditRemotely)
  .register('ECS08a', updatePrepayConfiguration)
  .register('ECS28a', setLoadLimitConfiguration)
  .register('CS03A1', esmeJoin.methodA)
  .register('CS03B', esmeJoin.methodB)
  .registerAll(['CS04AC', 'CS04B'], esmeJoin.unjoin)
  .register('CS07', esmeJoin.read);
registerCredentialUseCases(ESME_HANDLERS, esmeCredentialHost, {
  updates: CREDENTIAL_UPDATES,
  deviceKeys: (esme) => esme,
});

/**
 * Every other ESME DLMS row with a catalogued payload runs on the generic
 * object model (cosem.ts): reads answer from it, sets write it, resets clear.
 * Protected reads (get_protected_attributes) run protected.ts. The HAN Only
 * rows (PECS01-03, HECS01) carry no GBCS payload: their ZSE commands run in
 * ../han-commands.ts.
 */
for (const row of useCaseRows()) {
  if (row.family !== 'dlms' || row.kind !== 'command' || rowHasNoPayload(row)) continue;
  if (!row.targets.includes('ESME') || ESME_HANDLERS.runs(row.useCase)) continue;
  const kinds = new Set((row as DlmsCommandRow).accesses.map((a) => a.kind));
  if ((row as DlmsCommandRow).accesses.some((a) => a.member === 'getProtectedAttributes')) {
    ESME_HANDLERS.register(row.useCase, protectedRead);
    continue;
  }
  if ([...kinds].every((k) => k === 'get' || k === 'get-range'))
    ESME_HANDLERS.register(row.useCase, readAttributes);
  else if (!kinds.has('get') && !kinds.has('get-range')) ESME_HANDLERS.register(row.useCase, writeAttributes);
}

/** Who runs a future-dated entry, by its use case. */
export const ESME_FUTURE_DATED: Readonly<Record<string, FutureDatedRunner>> = {
  ECS01b: runChargeActivation,
  ECS01a: runTariffActivation,
  ECS01c: runSecondaryTariffActivation,
  ECS01d: runSecondaryTariffActivation,
  ECS08a: runPrepaySettingActivation,
  ECS28a: runLoadLimitActivation,
  ECS46c: runAuxiliaryCalendarActivation,
  ECS46d: runAuxiliaryCalendarActivation,
  ECS02: runPaymentMode,
  ECS03: runPaymentMode,
  CS06: runFirmwareActivation,
  ...Object.fromEntries(CREDENTIAL_UPDATES.map((u) => [u, runCredentialUpdate])),
};
