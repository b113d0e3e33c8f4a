/**
 * A DUIS 1.1.1 Update Import Tariff (Primary Element) body for an ESME
 * (DUIS Schema V5.4 TariffPrimaryElement; no DCC template shows one): the
 * switching table and special days of the 1.1.2 template (day 3 a block
 * tariff action), a threshold matrix of eight columns, and TOU price
 * elements as 1.2.1's. Not reference data.
 */
import { templateBody } from './xsd-shaped.ts';

const SECONDARY = templateBody('ECS01c_1.1.2_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML');

/** The 1.1.2 template's SwitchingTable and SpecialDays, day 3 running block tariff column 2. */
export const PRIMARY_TABLE = SECONDARY.slice(
  SECONDARY.indexOf('<sr:SwitchingTable>'),
  SECONDARY.indexOf('<sr:PriceElements>'),
).replace(
  '<sr:DayName>3</sr:DayName><sr:ProfileSchedule><sr:StartTime>00:00:00.00Z</sr:StartTime><sr:TOUTariffAction>04</sr:TOUTariffAction>',
  '<sr:DayName>3</sr:DayName><sr:ProfileSchedule><sr:StartTime>00:00:00.00Z</sr:StartTime><sr:BlockTariffAction>2</sr:BlockTariffAction>',
);

/** Column n: threshold 1000 n; column 2 also 9000. */
export const PRIMARY_THRESHOLDS = [1, 2, 3, 4, 5, 6, 7, 8]
  .map(
    (n) =>
      `<sr:Thresholds index="${n}"><sr:BlockThreshold index="1">${1000 * n}</sr:BlockThreshold>` +
      (n === 2 ? '<sr:BlockThreshold index="2">9000</sr:BlockThreshold>' : '') +
      '</sr:Thresholds>',
  )
  .join('');

const PRICES =
  '<sr:PriceElements><sr:ElectricityPriceElements><sr:StandingCharge>2500</sr:StandingCharge>' +
  '<sr:StandingChargeScale>-4</sr:StandingChargeScale><sr:PriceScale>-5</sr:PriceScale><sr:TOUTariff>' +
  '<sr:TOUPrice index="1">1500</sr:TOUPrice><sr:TOUPrice index="4">3100</sr:TOUPrice></sr:TOUTariff>' +
  '</sr:ElectricityPriceElements></sr:PriceElements>';

/** The body (`at`: an sr:ExecutionDateTime element or ''). */
export function tariffPrimaryElec(at = '', currency = 'GBP', thresholds = PRIMARY_THRESHOLDS): string {
  return (
    `<sr:UpdateImportTariffPrimaryElement>${at}<sr:ElecTariffElements><sr:CurrencyUnits>${currency}</sr:CurrencyUnits>` +
    `${PRIMARY_TABLE}<sr:ThresholdMatrix>${thresholds}</sr:ThresholdMatrix></sr:ElecTariffElements>${PRICES}` +
    '</sr:UpdateImportTariffPrimaryElement>'
  );
}
