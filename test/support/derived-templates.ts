/**
 * DUIS requests for the SRVs no DCC template in ../shared shows, each
 * derived from the DCC template of a sibling SRV (same header, originator
 * and target; ServiceReference, ServiceReferenceVariant and body changed to
 * what the DUIS XSD defines for the SRV). They let the table-driven tests
 * (test/e2e/every-srv.test.ts, src/dcc/dsp/srv-command-variants.test.ts)
 * cover those SRVs; they are not reference data and have no RTDS twin.
 * Names: `<UseCase>_<SRV>_DERIVED_REQUEST_DUIS.XML` (no such file exists).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DUIS_DIR } from './fixtures.ts';
import { prepayElec, prepayGas, updateDebt } from './prepay-bodies.ts';
import { tariffPrimaryElec, tariffPrimaryGas } from './tariff-bodies.ts';

const TEMPLATES_DIR = join(DUIS_DIR, 'templates');

interface Derivation {
  useCase: string;
  srv: string;
  /** the DCC template it is derived from */
  from: string;
  /** the sr:Body content */
  body: string;
}

const STATE =
  '<sr:StartDateTime>2015-01-03T00:00:00.00Z</sr:StartDateTime><sr:EndDateTime>2015-01-03T01:00:00.00Z</sr:EndDateTime>' +
  '<sr:CommandedStateLevel>40</sr:CommandedStateLevel>';

/** An sr:Date (`year` undefined: every year). */
const srDate = (year: number | undefined, month: number, day: number) =>
  `<sr:Year>${year === undefined ? '<sr:NonSpecifiedYear/>' : `<sr:SpecifiedYear>${year}</sr:SpecifiedYear>`}</sr:Year>` +
  `<sr:Month><sr:SpecifiedMonth>${String(month).padStart(2, '0')}</sr:SpecifiedMonth></sr:Month>` +
  `<sr:DayOfMonth><sr:SpecifiedDayOfMonth>${String(day).padStart(2, '0')}</sr:SpecifiedDayOfMonth></sr:DayOfMonth>` +
  '<sr:DayOfWeek><sr:NonSpecifiedDayOfWeek/></sr:DayOfWeek>';

/** 6.14.2: switch 2 (an HCALCS) on at 18:00 on weekdays, off at 22:00 on weekdays and special day 1. */
const ALCS_SCHEDULER =
  '<sr:UpdateDeviceConfigurationALCScheduler>' +
  [
    ['ActivateSwitch', '18:00:00.00Z', ''],
    ['DeactivateSwitch', '22:00:00.00Z', '<sr:SpecialDaysApplicability index="1"/>'],
  ]
    .map(
      ([act, time, special]) =>
        `<sr:ALCSHCALCSConnectionSchedule><sr:ActivateDeactivateSwitch index="2"><sr:${act}/></sr:ActivateDeactivateSwitch>${special}` +
        `<sr:DaysOfWeekApplicability>${['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']
          .map(
            (d) =>
              `<sr:DayOfWeekApplicability><sr:DayOfWeekID>${d}</sr:DayOfWeekID></sr:DayOfWeekApplicability>`,
          )
          .join('')}</sr:DaysOfWeekApplicability>` +
        `<sr:ALCSScheduleDatesAndTime><sr:SwitchTime>${time}</sr:SwitchTime><sr:StartDate>${srDate(undefined, 6, 21)}</sr:StartDate>` +
        `<sr:EndDate>${srDate(undefined, 9, 21)}</sr:EndDate></sr:ALCSScheduleDatesAndTime></sr:ALCSHCALCSConnectionSchedule>`,
    )
    .join('') +
  `<sr:ALCSHCALCSSpecialDays><sr:ALCSHCALCSSpecialDay index="1">${srDate(undefined, 12, 25)}</sr:ALCSHCALCSSpecialDay>` +
  `<sr:ALCSHCALCSSpecialDay index="2">${srDate(2027, 4, 2)}</sr:ALCSHCALCSSpecialDay></sr:ALCSHCALCSSpecialDays>` +
  '<sr:SwitchTypeAndId index="1"><sr:ALCS/></sr:SwitchTypeAndId>' +
  '<sr:SwitchTypeAndId index="2"><sr:HCALCS>00-DB-12-34-56-78-90-97</sr:HCALCS></sr:SwitchTypeAndId>' +
  '</sr:UpdateDeviceConfigurationALCScheduler>';

const DERIVATIONS: readonly Derivation[] = [
  // the primary element's tariff to the ESME (critical, CV 4, like the 1.2.1 ECS01b template)
  {
    useCase: 'ECS01a',
    srv: '1.1.1',
    from: 'ECS01b_1.2.1_IMMEDIATE_BLOCK_SUCCESS_REQUEST_DUIS.XML',
    body: tariffPrimaryElec(),
  },
  // the primary element's tariff to the GSME (GCS01a, critical, CV 4, like the GCS40a template)
  { useCase: 'GCS01a', srv: '1.1.1', from: 'GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML', body: tariffPrimaryGas() },
  // prepayment to the GSME (critical, CV 4, like the GCS40a template)
  { useCase: 'GCS05', srv: '2.1', from: 'GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML', body: prepayGas() },
  { useCase: 'GCS04', srv: '2.3', from: 'GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML', body: updateDebt('Gas') },
  // prepayment to the ESME (critical, CV 4, like the ECS04a template)
  { useCase: 'ECS08a', srv: '2.1', from: 'ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML', body: prepayElec() },
  { useCase: 'ECS07', srv: '2.3', from: 'ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML', body: updateDebt('Elec') },
  {
    useCase: 'ECS47',
    srv: '7.6',
    from: 'ECS47Activate_7.5_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:DeactivateAuxiliaryLoad><sr:DeactivateALCSHCALCS index="1"><sr:Duration>30</sr:Duration></sr:DeactivateALCSHCALCS></sr:DeactivateAuxiliaryLoad>',
  },
  {
    useCase: 'ECS47',
    srv: '7.8',
    from: 'ECS47Activate_7.5_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ResetAuxiliaryLoad><sr:ResetALCSHCALCS index="1"/></sr:ResetAuxiliaryLoad>',
  },
  {
    useCase: 'ECS62',
    srv: '7.9',
    from: 'ECS62Remove_7.10_SUCCESS_REQUEST_DUIS.XML',
    body: `<sr:AddAuxiliaryLoadToBoostButton>${[1, 2, 3, 4, 5]
      .map((i) => `<sr:AddToBoostButton index="${i}">${i % 2 === 1}</sr:AddToBoostButton>`)
      .join('')}</sr:AddAuxiliaryLoadToBoostButton>`,
  },
  {
    useCase: 'ECS46c',
    srv: '6.14.2',
    from: 'ECS46a_6.14.1_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML',
    body: ALCS_SCHEDULER,
  },
  {
    useCase: 'ECS61d',
    srv: '7.14',
    from: 'ECS61a_7.7_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ReadAuxiliaryControllerConfigurationData/>',
  },
  {
    useCase: 'ECS61e',
    srv: '7.15',
    from: 'ECS61a_7.7_ALL_OPTIONALS_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ReadAuxiliaryControllerOperationalData/>',
  },
  {
    useCase: 'ECS47e',
    srv: '7.16',
    from: 'ECS47a_7.13_ALCS_ACTIVATE_SUCCESS_REQUEST_DUIS.XML',
    body: `<sr:LimitAPCLevel auxiliaryControllerN="5">${STATE}</sr:LimitAPCLevel>`,
  },
  // ECS17e (GBCS V3.1 tables): the TOU-with-blocks read, in the envelope of the 4.1.2 template
  {
    useCase: 'ECS17e',
    srv: '4.1.3',
    from: 'ECS17d_4.1.2_SINGLE_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ReadInstantaneousImportTOUWithBlocksMatrices/>',
  },
  // ECS39a / ECS39b (GBCS V3.1 tables): the ESME's MPANs, in the envelope of the 3.2 template (supplier, ESME)
  {
    useCase: 'ECS39a',
    srv: '6.20.1',
    from: 'ECS12_3.2_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:SetDeviceConfigurationImportMPxN><sr:ImportMPANs><sr:ImportMPAN>1234567890123</sr:ImportMPAN></sr:ImportMPANs></sr:SetDeviceConfigurationImportMPxN>',
  },
  {
    useCase: 'ECS39b',
    srv: '6.20.2',
    from: 'ECS12_3.2_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:SetDeviceConfigurationExportMPAN><sr:ExportMPAN>9876543210987</sr:ExportMPAN></sr:SetDeviceConfigurationExportMPAN>',
  },
  // device configuration (src/dcc/dsp/transform/device-config-srs.ts)
  {
    useCase: 'ECS28a',
    srv: '6.4.1',
    from: 'ECS43_7.2_SUCCESS_REQUEST_DUIS.XML',
    body:
      '<sr:UpdateDeviceConfigurationLoadLimitingGeneralSettings><sr:LoadLimitPeriod>600</sr:LoadLimitPeriod>' +
      '<sr:LoadLimitPowerThreshold>12000</sr:LoadLimitPowerThreshold><sr:LoadLimitRestorationPeriod>120</sr:LoadLimitRestorationPeriod>' +
      '<sr:LoadLimitSupplyState>Unchanged</sr:LoadLimitSupplyState></sr:UpdateDeviceConfigurationLoadLimitingGeneralSettings>',
  },
  {
    useCase: 'ECS28b',
    srv: '6.4.2',
    from: 'ECS27_4.15_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:UpdateDeviceConfigurationLoadLimitingCounterReset/>',
  },
  {
    useCase: 'ECS57',
    srv: '6.18.2',
    from: 'ECS37_6.18.1_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ResetMaximumDemandRegisters><sr:MaxDemandActivePowerImportValue/><sr:MaxDemandActivePowerExportValue/></sr:ResetMaximumDemandRegisters>',
  },
  {
    useCase: 'ECS30a',
    srv: '6.8',
    from: 'ECS43_7.2_SUCCESS_REQUEST_DUIS.XML',
    body:
      '<sr:UpdateDeviceConfigurationBillingCalendar><sr:ElectricityBillingCalendar><sr:BillingTime>06:30:00</sr:BillingTime>' +
      '<sr:Quarterly><sr:DayOfMonth>1</sr:DayOfMonth><sr:BillingPeriodStartMonth>2</sr:BillingPeriodStartMonth></sr:Quarterly>' +
      '</sr:ElectricityBillingCalendar></sr:UpdateDeviceConfigurationBillingCalendar>',
  },
  {
    useCase: 'GCS25a',
    srv: '6.8',
    from: 'GCS24_6.7_SUCCESS_REQUEST_DUIS.XML',
    body:
      '<sr:UpdateDeviceConfigurationBillingCalendar><sr:GasBillingCalendar><sr:BillingPeriodStart>2015-02-01T00:00:00Z</sr:BillingPeriodStart>' +
      '<sr:Periodicity>Monthly</sr:Periodicity></sr:GasBillingCalendar></sr:UpdateDeviceConfigurationBillingCalendar>',
  },
  {
    useCase: 'GCS46',
    srv: '6.2.7',
    from: 'GCS21k_6.2.3_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ReadDeviceConfigurationMPxN/>',
  },
  {
    useCase: 'GCS21a',
    srv: '6.2.8',
    from: 'GCS21k_6.2.3_SUCCESS_REQUEST_DUIS.XML',
    body: '<sr:ReadDeviceConfigurationGas/>',
  },
];

const fileOf = (d: Derivation) => `${d.useCase}_${d.srv}_DERIVED_REQUEST_DUIS.XML`;

function derive(d: Derivation): string {
  const sr = d.srv.split('.').slice(0, 2).join('.');
  return readFileSync(join(TEMPLATES_DIR, d.from), 'utf8')
    .replace(/<sr:ServiceReference>[^<]*</, `<sr:ServiceReference>${sr}<`)
    .replace(/<sr:ServiceReferenceVariant>[^<]*</, `<sr:ServiceReferenceVariant>${d.srv}<`)
    .replace(/<sr:Body>[\s\S]*<\/sr:Body>/, `<sr:Body>${d.body}</sr:Body>`);
}

/** The derived requests: file name, SRV and XML. */
export function derivedTemplates(): { file: string; srv: string; useCase: string; xml: string }[] {
  return DERIVATIONS.map((d) => ({ file: fileOf(d), srv: d.srv, useCase: d.useCase, xml: derive(d) }));
}

/** The XML of a DCC template file, or of a derived one by its name. */
export function templateXml(file: string): string {
  const d = DERIVATIONS.find((x) => fileOf(x) === file);
  return d ? derive(d) : readFileSync(join(TEMPLATES_DIR, file), 'utf8');
}
