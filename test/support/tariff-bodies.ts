/**
 * A DUIS 1.1.1 Update Import Tariff (Primary Element) body for an ESME
 * (DUIS Schema V5.4 TariffPrimaryElement; no DCC template shows one): the
 * switching table and special days of the 1.1.2 template (day 3 a block
 * tariff action), a threshold matrix of eight columns, and TOU price
 * elements as 1.2.1's. Not reference data.
 */
import { gasDate } from './prepay-bodies.ts';
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

const GCS01B_TOU = templateBody('GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML');
const GCS01B_BLOCK = templateBody('GCS01b_1.2.1_FUTURE_DATED_BLOCK_SUCCESS_REQUEST_DUIS.XML');
const priceElements = (t: string) =>
  t.slice(t.indexOf('<sr:PriceElements>'), t.indexOf('</sr:PriceElements>') + '</sr:PriceElements>'.length);

/** Gas thresholds of the body (index 1..3). */
export const GAS_THRESHOLDS = [1000, 2000, 3000];

/**
 * A DUIS 1.1.1 body for a GSME (DUIS Schema V5.4 GasTariffElements; no DCC
 * template shows one): TOU (days 1 and 2 at rates 2 and 1; weekdays day 1,
 * weekend day 2; one season from 1 January; 25 December a special day 2)
 * or block (the same table, every day BlockTariff), with the price elements
 * of the GCS01b 1.2.1 templates (TOU: 4 prices; block: 4 prices, 3
 * thresholds). Not reference data.
 */
export function tariffPrimaryGas(
  at = '',
  kind: 'tou' | 'block' = 'tou',
  thresholds = GAS_THRESHOLDS,
): string {
  const action = (n: number) =>
    kind === 'tou' ? `<sr:TOUTariffAction>${n}</sr:TOUTariffAction>` : '<sr:BlockTariff/>';
  const day = (name: number, rate: number) =>
    `<sr:DayProfile><sr:DayName>${name}</sr:DayName>${action(rate)}</sr:DayProfile>`;
  const week = [1, 1, 1, 1, 1, 2, 2]
    .map((d, k) => `<sr:ReferencedDayName index="${k + 1}">${d}</sr:ReferencedDayName>`)
    .join('');
  return (
    `<sr:UpdateImportTariffPrimaryElement>${at}<sr:GasTariffElements><sr:SwitchingTable>` +
    `<sr:DayProfiles>${day(1, 2)}${day(2, 1)}</sr:DayProfiles>` +
    `<sr:WeekProfiles><sr:WeekProfile><sr:WeekName>1</sr:WeekName>${week}</sr:WeekProfile></sr:WeekProfiles>` +
    `<sr:Seasons><sr:Season><sr:SeasonStartDate>${gasDate(1, 1)}</sr:SeasonStartDate><sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr:Season></sr:Seasons>` +
    '</sr:SwitchingTable>' +
    `<sr:SpecialDays><sr:SpecialDay><sr:Date>${gasDate(12, 25)}</sr:Date><sr:ReferencedDayName>2</sr:ReferencedDayName></sr:SpecialDay></sr:SpecialDays>` +
    `<sr:ThresholdMatrix>${thresholds.map((v, k) => `<sr:BlockThreshold index="${k + 1}">${v}</sr:BlockThreshold>`).join('')}</sr:ThresholdMatrix>` +
    `</sr:GasTariffElements>${priceElements(kind === 'tou' ? GCS01B_TOU : GCS01B_BLOCK)}` +
    '</sr:UpdateImportTariffPrimaryElement>'
  );
}
