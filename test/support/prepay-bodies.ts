/**
 * XSD-shaped DUIS bodies of the prepayment SRVs that have no DCC template
 * (2.1 Update Prepay Configuration, 2.3 Update Debt): the transform unit
 * tests (src/dcc/dsp/transform/prepay-srs.test.ts) and the every-SRV e2e
 * test send them.
 */

const recovery = (fuel: 'Gas' | 'Elec', n: number, rate: number, period: string) =>
  `<sr:${fuel}DebtRecovery${n}><sr:DebtRecoveryRate>${rate}</sr:DebtRecoveryRate>` +
  (fuel === 'Elec' ? '<sr:DebtRecoveryRatePriceScale>-2</sr:DebtRecoveryRatePriceScale>' : '') +
  `<sr:DebtRecoveryRatePeriod>${period}</sr:DebtRecoveryRatePeriod></sr:${fuel}DebtRecovery${n}>`;

export function updateDebt(fuel: 'Gas' | 'Elec', perPayment = 2500) {
  return (
    '<sr:UpdateDebt><sr:TimeDebtRegister1>1500</sr:TimeDebtRegister1>' +
    '<sr:TimeDebtRegister2>-300</sr:TimeDebtRegister2><sr:PaymentDebtRegister>90000</sr:PaymentDebtRegister>' +
    `<sr:DebtRecoveryPerPayment>${perPayment}</sr:DebtRecoveryPerPayment>` +
    recovery(fuel, 1, 12, 'HOURLY') +
    recovery(fuel, 2, 100, 'DAILY') +
    '</sr:UpdateDebt>'
  );
}

export const gasDate = (month: number, day: number, year?: number) =>
  `<sr:GasYearWithWildcards>${year ? `<sr:SpecifiedYear>${year}</sr:SpecifiedYear>` : '<sr:NonSpecifiedYear/>'}</sr:GasYearWithWildcards>` +
  `<sr:GasMonthWithWildcards><sr:SpecifiedMonth>${month}</sr:SpecifiedMonth></sr:GasMonthWithWildcards>` +
  `<sr:GasDayOfMonthWithWildcards><sr:SpecifiedDayOfMonth>${day}</sr:SpecifiedDayOfMonth></sr:GasDayOfMonthWithWildcards>` +
  '<sr:GasDayOfWeekWithWildcards><sr:NonSpecifiedDayOfWeek/></sr:GasDayOfWeekWithWildcards>';

/** A gas prepay configuration: the friendly credit calendar of the RTDS GCS21b response's first two days. */
export function prepayGas(opts: { sundayDay?: number; start?: string } = {}) {
  const day = (name: number, off: string, on: string) =>
    '<sr:GasNonDisablementDayProfile>' +
    `<sr:TimeStartAction><sr:StartTime>${opts.start ?? '00:00:00'}</sr:StartTime><sr:NonDisablementAction>START</sr:NonDisablementAction></sr:TimeStartAction>` +
    `<sr:TimeStartAction><sr:StartTime>${off}</sr:StartTime><sr:NonDisablementAction>STOP</sr:NonDisablementAction></sr:TimeStartAction>` +
    `<sr:TimeStartAction><sr:StartTime>${on}</sr:StartTime><sr:NonDisablementAction>START</sr:NonDisablementAction></sr:TimeStartAction>` +
    `<sr:GasDayName>${name}</sr:GasDayName></sr:GasNonDisablementDayProfile>`;
  const week = [1, 1, 1, 1, 1, 2, opts.sundayDay ?? 2]
    .map((d, k) => `<sr:ReferencedDayName index="${k + 1}">${d}</sr:ReferencedDayName>`)
    .join('');
  return (
    '<sr:UpdatePrepayConfiguration><sr:UpdatePrepayConfigGas>' +
    '<sr:DebtRecoveryRateCap>1000000</sr:DebtRecoveryRateCap>' +
    '<sr:EmergencyCreditLimit>1000000</sr:EmergencyCreditLimit>' +
    '<sr:EmergencyCreditThreshold>200000</sr:EmergencyCreditThreshold>' +
    '<sr:LowCreditThreshold>500000</sr:LowCreditThreshold>' +
    '<sr:GasNonDisablementCalendar><sr:DayProfiles>' +
    day(1, '08:00:00', '18:00:00') +
    day(2, '07:00:00', '17:00:00') +
    '</sr:DayProfiles><sr:WeekProfiles><sr:WeekProfile><sr:WeekName>1</sr:WeekName>' +
    week +
    '</sr:WeekProfile></sr:WeekProfiles><sr:SeasonProfiles><sr:Season><sr:SeasonStartDate>' +
    gasDate(3, 29) +
    '</sr:SeasonStartDate><sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr:Season></sr:SeasonProfiles>' +
    '<sr:SpecialDays><sr:SpecialDay><sr:Date>' +
    gasDate(4, 5, 2015) +
    '</sr:Date><sr:ReferencedDayName>2</sr:ReferencedDayName></sr:SpecialDay></sr:SpecialDays>' +
    '</sr:GasNonDisablementCalendar>' +
    '<sr:MaxMeterBalance>10000000</sr:MaxMeterBalance><sr:MaxCreditThreshold>5000000</sr:MaxCreditThreshold>' +
    '</sr:UpdatePrepayConfigGas></sr:UpdatePrepayConfiguration>'
  );
}

const srDate = (month: number, day: number, year?: number) =>
  `<sr:Year>${year ? `<sr:SpecifiedYear>${year}</sr:SpecifiedYear>` : '<sr:NonSpecifiedYear/>'}</sr:Year>` +
  `<sr:Month><sr:SpecifiedMonth>${month}</sr:SpecifiedMonth></sr:Month>` +
  `<sr:DayOfMonth><sr:SpecifiedDayOfMonth>${day}</sr:SpecifiedDayOfMonth></sr:DayOfMonth>` +
  '<sr:DayOfWeek><sr:NonSpecifiedDayOfWeek/></sr:DayOfWeek>';

/**
 * An electricity prepay configuration: two special days (Christmas every
 * year, 2027-04-02), non-disablement from 18:00 on weekdays and the special
 * days, back off at 08:00 on weekdays (`specialDay`: the special day the
 * second entry names, 0 none).
 */
export function prepayElec(opts: { specialDay?: number; cap?: number } = {}) {
  const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']
    .map(
      (d) => `<sr:DayOfWeekApplicability><sr:DayOfWeekID>${d}</sr:DayOfWeekID></sr:DayOfWeekApplicability>`,
    )
    .join('');
  const entry = (script: string, special: number[], time: string) =>
    `<sr:ElectricityNonDisablementSchedule><sr:NonDisablementScript>${script}</sr:NonDisablementScript>` +
    `<sr:SpecialDaysApplicability>${special
      .map(
        (d) =>
          `<sr:SpecialDayApplicability><sr:SpecialDayID>${d}</sr:SpecialDayID></sr:SpecialDayApplicability>`,
      )
      .join('')}</sr:SpecialDaysApplicability>` +
    `<sr:DaysOfWeekApplicability>${weekdays}</sr:DaysOfWeekApplicability>` +
    `<sr:ScheduleDatesAndTime><sr:SwitchTime>${time}</sr:SwitchTime><sr:StartDate>2026-01-01</sr:StartDate>` +
    '<sr:EndDate>2027-12-31</sr:EndDate></sr:ScheduleDatesAndTime></sr:ElectricityNonDisablementSchedule>';
  return (
    '<sr:UpdatePrepayConfiguration><sr:UpdatePrepayConfigElectricity>' +
    `<sr:DebtRecoveryRateCap>${opts.cap ?? 20}</sr:DebtRecoveryRateCap>` +
    '<sr:EmergencyCreditLimit>1500000</sr:EmergencyCreditLimit>' +
    '<sr:EmergencyCreditThreshold>250000</sr:EmergencyCreditThreshold>' +
    '<sr:LowCreditThreshold>300000</sr:LowCreditThreshold>' +
    '<sr:ElectricityNonDisablementCalendar><sr:ElectricitySpecialDays>' +
    `<sr:SpecialDay index="1"><sr:Date>${srDate(12, 25)}</sr:Date></sr:SpecialDay>` +
    `<sr:SpecialDay index="2"><sr:Date>${srDate(4, 2, 2027)}</sr:Date></sr:SpecialDay>` +
    '</sr:ElectricitySpecialDays>' +
    entry('START', [1, 2], '18:00:00') +
    entry('STOP', opts.specialDay ? [opts.specialDay] : [], '08:00:00') +
    '</sr:ElectricityNonDisablementCalendar>' +
    '<sr:MaxMeterBalance>25000000</sr:MaxMeterBalance><sr:MaxCreditThreshold>10000000</sr:MaxCreditThreshold>' +
    '</sr:UpdatePrepayConfigElectricity></sr:UpdatePrepayConfiguration>'
  );
}
