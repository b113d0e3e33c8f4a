/**
 * SECMP0038 DSP-5 (3.1.4): charges for local-delivery messaging. The DSP
 * charges each Service Request whose command it handed out for local
 * delivery (CV 2, 3, 6, 7) at a tariff per SR class and Command Variant,
 * fixed when the command is issued (a later tariff change does not rewrite
 * history). Amounts are integers in the currency's minor unit (pence).
 *
 * The change sets no price: DEFAULT_LOCAL_DELIVERY_TARIFF is a placeholder
 * for tests and demos, to be replaced by configuration.
 */
import type { CommandVariant, ServiceRequestClass } from '../../duis/index.ts';
import { DspServiceError } from './errors.ts';

export interface LocalDeliveryTariff {
  /** ISO 4217 code of the currency; amounts are in its minor unit. */
  currency: string;
  /** Minor units per request, by SR class and local-delivery Command Variant; a missing rate charges 0. */
  rates: Partial<Record<ServiceRequestClass, Partial<Record<CommandVariant, number>>>>;
}

export const DEFAULT_LOCAL_DELIVERY_TARIFF: LocalDeliveryTariff = Object.freeze({
  currency: 'GBP',
  rates: {
    'non-critical': { 2: 2, 3: 3 },
    critical: { 6: 4, 7: 5 },
  },
}) as LocalDeliveryTariff;

export function checkTariff(t: LocalDeliveryTariff): LocalDeliveryTariff {
  if (!/^[A-Z]{3}$/.test(t.currency))
    throw new DspServiceError('DSP_CONFIG', `tariff currency ${JSON.stringify(t.currency)} is not ISO 4217`);
  for (const [cls, byCv] of Object.entries(t.rates)) {
    if (!['critical', 'non-critical', 'non-device'].includes(cls))
      throw new DspServiceError('DSP_CONFIG', `tariff: unknown SR class ${cls}`);
    for (const [cv, amount] of Object.entries(byCv ?? {})) {
      if (!['2', '3', '6', '7'].includes(cv))
        throw new DspServiceError('DSP_CONFIG', `tariff: CV ${cv} is not a local-delivery variant`);
      if (!Number.isSafeInteger(amount) || (amount as number) < 0)
        throw new DspServiceError('DSP_CONFIG', `tariff: ${cls} CV ${cv} amount must be an integer >= 0`);
    }
  }
  return t;
}

/** The charge for one locally delivered SR. */
export function localDeliveryCharge(
  t: LocalDeliveryTariff,
  srClass: ServiceRequestClass,
  cv: CommandVariant,
): number {
  return t.rates[srClass]?.[cv] ?? 0;
}
