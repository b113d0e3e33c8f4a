/**
 * The attributes of the RTDS reference ESME (00DB1234567890A0) as its
 * reference responses report them: the initial value of every COSEM
 * attribute the ESME's state model keeps in its attribute store
 * (state.ts `attributes`), by catalogue object and member
 * (`object.member`, src/gbcs/use-cases/cosem-objects.ts), named values in
 * the catalogue's JSON form. Commands change them (writes), reads report
 * them; attributes the meter computes (registers, balance, supply state,
 * clock, firmware version) and the tariff (tariff.ts) are not here.
 * One table, data only: each entry says which RTDS response shows it.
 */

export const RTDS_ESME_ATTRIBUTES: Readonly<Record<string, unknown>> = {
  // ECS23 SUCCESS
  'rmsVoltageSagCount.value': 147,
  // ECS23 SUCCESS
  'rmsVoltageSagCount.scalerUnit': { scaler: 0, unit: 255 },
  // ECS23 SUCCESS
  'rmsVoltageSwellCount.value': 239,
  // ECS23 SUCCESS
  'rmsVoltageSwellCount.scalerUnit': { scaler: 0, unit: 255 },
  // ECS23 SUCCESS
  'averageRmsVoltageProfile.buffer': [
    { time: 473212800, averageRmsVoltage: 81 },
    { time: 473216400, averageRmsVoltage: 15 },
    { time: 473220000, averageRmsVoltage: 176 },
    { time: 473223600, averageRmsVoltage: 126 },
    { time: 473227200, averageRmsVoltage: 202 },
    { time: 473230800, averageRmsVoltage: 223 },
    { time: 473234400, averageRmsVoltage: 121 },
    { time: 473238000, averageRmsVoltage: 195 },
    { time: 473241600, averageRmsVoltage: 65 },
    { time: 473245200, averageRmsVoltage: 8 },
    { time: 473248800, averageRmsVoltage: 189 },
    { time: 473252400, averageRmsVoltage: 98 },
    { time: 473256000, averageRmsVoltage: 162 },
    { time: 473259600, averageRmsVoltage: 69 },
    { time: 473263200, averageRmsVoltage: 171 },
    { time: 473266800, averageRmsVoltage: 17 },
    { time: 473270400, averageRmsVoltage: 127 },
    { time: 473274000, averageRmsVoltage: 48 },
    { time: 473277600, averageRmsVoltage: 108 },
    { time: 473281200, averageRmsVoltage: 234 },
    { time: 473284800, averageRmsVoltage: 132 },
    { time: 473288400, averageRmsVoltage: 132 },
    { time: 473292000, averageRmsVoltage: 74 },
    { time: 473295600, averageRmsVoltage: 48 },
    { time: 473299200, averageRmsVoltage: 177 },
    { time: 473302800, averageRmsVoltage: 179 },
    { time: 473306400, averageRmsVoltage: 144 },
    { time: 473310000, averageRmsVoltage: 184 },
    { time: 473313600, averageRmsVoltage: 161 },
    { time: 473317200, averageRmsVoltage: 101 },
    { time: 473320800, averageRmsVoltage: 203 },
    { time: 473324400, averageRmsVoltage: 242 },
    { time: 473328000, averageRmsVoltage: 116 },
    { time: 473331600, averageRmsVoltage: 124 },
    { time: 473335200, averageRmsVoltage: 240 },
    { time: 473338800, averageRmsVoltage: 190 },
    { time: 473342400, averageRmsVoltage: 219 },
    { time: 473346000, averageRmsVoltage: 106 },
    { time: 473349600, averageRmsVoltage: 131 },
    { time: 473353200, averageRmsVoltage: 30 },
    { time: 473356800, averageRmsVoltage: 115 },
    { time: 473360400, averageRmsVoltage: 192 },
    { time: 473364000, averageRmsVoltage: 0 },
    { time: 473367600, averageRmsVoltage: 149 },
    { time: 473371200, averageRmsVoltage: 6 },
    { time: 473374800, averageRmsVoltage: 171 },
    { time: 473378400, averageRmsVoltage: 167 },
    { time: 473382000, averageRmsVoltage: 133 },
    { time: 473385600, averageRmsVoltage: 220 },
  ],
  // ECS23 SUCCESS
  'averageRmsVoltageProfile.capturePeriod': 3600,
  // ECS24 SUCCESS
  'blockThresholdsTou1.thresholds': [10000, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou2.thresholds': [10000, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou3.thresholds': [4294967295, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou4.thresholds': [4294967295, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou5.thresholds': [4294967295, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou6.thresholds': [4294967295, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou7.thresholds': [4294967295, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'blockThresholdsTou8.thresholds': [4294967295, 4294967295, 4294967295],
  // ECS24 SUCCESS
  'currencyUnit.valueActive': true,
  // ECS24b SUCCESS
  'secondaryPriceCharge.unitChargeActive': {
    chargePerUnitScaling: { commodityScale: 3, priceScale: -5 },
    commodity: { classId: 3, logicalName: '1-20:1.8.0.255', attributeIndex: 2 },
    chargeTable: [
      { index: '01', chargePerUnit: 10000 },
      { index: '02', chargePerUnit: 11000 },
      { index: '03', chargePerUnit: 12000 },
      { index: '04', chargePerUnit: 13000 },
    ],
  },
  // ECS24b SUCCESS
  'consumptionThresholdRegisterSecondary.value': 10000,
  // ECS24b SUCCESS
  'consumptionThresholdRegisterSecondary.scalerUnit': { scaler: -5, unit: 254 },
  // ECS24b SUCCESS
  'specialDaysSecondary.entries': [
    { index: 0, specialDayDate: '****-12-25', dayId: 4 },
    { index: 1, specialDayDate: '****-05-01', dayId: 4 },
    { index: 2, specialDayDate: '****-06-10', dayId: 4 },
  ],
  // ECS24b SUCCESS
  'activityCalendarSecondary.seasonProfileActive': [
    { seasonProfileName: '737072696E67', seasonStart: '2015-03-20T22:45:00', weekName: '01' },
    { seasonProfileName: '73756D6D6572', seasonStart: '2015-06-21T16:38:00', weekName: '01' },
    { seasonProfileName: '66616C6C', seasonStart: '2015-09-23T08:21:00', weekName: '02' },
    { seasonProfileName: '77696E746572', seasonStart: '2015-12-21T23:03:00', weekName: '02' },
  ],
  // ECS24b SUCCESS
  'activityCalendarSecondary.weekProfileActive': [
    {
      weekProfileName: '01',
      monday: 1,
      tuesday: 1,
      wednesday: 1,
      thursday: 1,
      friday: 1,
      saturday: 2,
      sunday: 2,
    },
    {
      weekProfileName: '02',
      monday: 3,
      tuesday: 3,
      wednesday: 3,
      thursday: 3,
      friday: 3,
      saturday: 4,
      sunday: 4,
    },
  ],
  // ECS24b SUCCESS
  'activityCalendarSecondary.dayProfileActive': [
    {
      dayId: 1,
      daySchedule: [
        { startTime: '00:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 201 },
        { startTime: '12:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 202 },
      ],
    },
    {
      dayId: 2,
      daySchedule: [
        { startTime: '00:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 202 },
        { startTime: '12:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 203 },
      ],
    },
    {
      dayId: 3,
      daySchedule: [
        { startTime: '00:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 203 },
        { startTime: '12:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 204 },
      ],
    },
    {
      dayId: 4,
      daySchedule: [
        { startTime: '00:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 204 },
        { startTime: '12:00:00', scriptLogicalName: '0-0:10.0.100.255', scriptSelector: 201 },
      ],
    },
  ],
  // ECS18b SUCCESS
  'maximumDemandPeriodStart.value': '2014-12-31T00:00:00',
  // ECS18b SUCCESS
  'maximumDemandPeriodStartSecondary.value': '2014-12-31T00:00:00',
  // ECS18b SUCCESS
  'maximumDemandImport.value': 4775,
  // ECS18b SUCCESS
  'maximumDemandImport.scalerUnit': { scaler: 0, unit: 27 },
  // ECS18b SUCCESS
  'maximumDemandImport.captureTime': '2014-12-31T09:30:00',
  // ECS18b SUCCESS
  'maximumDemandImportSecondary.value': 12122,
  // ECS18b SUCCESS
  'maximumDemandImportSecondary.scalerUnit': { scaler: 0, unit: 27 },
  // ECS18b SUCCESS
  'maximumDemandImportSecondary.captureTime': '2014-12-31T11:30:00',
  // ECS18b SUCCESS
  'maximumDemandConfigurableTimePeriod.entries': [
    {
      index: 1,
      enable: true,
      scriptLogicalName: '0-0:10.128.100.255',
      scriptSelector: 1,
      switchTime: '12:00:00',
      validityWindow: 65535,
      execWeekdays: '1111111',
      execSpecdays: '',
      beginDate: '0000-01-**',
      endDate: '****-**-**',
    },
    {
      index: 2,
      enable: true,
      scriptLogicalName: '0-0:10.128.100.255',
      scriptSelector: 2,
      switchTime: '09:00:00',
      validityWindow: 65535,
      execWeekdays: '1111111',
      execSpecdays: '',
      beginDate: '0000-01-**',
      endDate: '****-**-**',
    },
  ],
  // ECS18a SUCCESS
  'maximumDemandExportPeriodStart.value': '2014-12-31T00:00:00',
  // ECS18a SUCCESS
  'maximumDemandExport.value': 4775,
  // ECS18a SUCCESS
  'maximumDemandExport.scalerUnit': { scaler: 0, unit: 27 },
  // ECS18a SUCCESS
  'maximumDemandExport.captureTime': '2014-12-30T20:37:00',
  // ECS27 SUCCESS
  'loadLimitSupplyStateOnExceed.value': false,
  // ECS27 SUCCESS
  'loadLimitCounter.value': 30,
  // ECS27 SUCCESS
  'loadLimitCounter.scalerUnit': { scaler: 0, unit: 255 },
  // ECS27 SUCCESS
  'loadLimitLimiter.thresholdNormal': 6900,
  // ECS27 SUCCESS
  'loadLimitLimiter.minOverThresholdDuration': 300,
  // ECS27 SUCCESS
  'loadLimitLimiter.minUnderThresholdDuration': 30,
  // ECS17c SUCCESS
  'instantaneousActivePower.value': {
    activePowerImport: 10,
    scalerUnit: { scaler: 0, unit: 27 },
    activePowerExport: 10,
  },
  // ECS17a SUCCESS
  'activeEnergyExport.scalerUnit': { scaler: 0, unit: 30 },
  // ECS17a SUCCESS
  'reactiveEnergyExport.scalerUnit': { scaler: 0, unit: 32 },
  // ECS21c SUCCESS
  'dailyReadLogExport.buffer': [
    { time: 470707200, activeEnergyExport: 10 },
    { time: 470793600, activeEnergyExport: 80 },
    { time: 470880000, activeEnergyExport: 180 },
    { time: 470966400, activeEnergyExport: 229 },
    { time: 471052800, activeEnergyExport: 270 },
    { time: 471139200, activeEnergyExport: 370 },
    { time: 471225600, activeEnergyExport: 504 },
    { time: 471312000, activeEnergyExport: 741 },
    { time: 471398400, activeEnergyExport: 897 },
    { time: 471484800, activeEnergyExport: 1112 },
    { time: 471571200, activeEnergyExport: 1143 },
    { time: 471657600, activeEnergyExport: 1337 },
    { time: 471744000, activeEnergyExport: 1344 },
    { time: 471830400, activeEnergyExport: 1381 },
    { time: 471916800, activeEnergyExport: 1453 },
    { time: 472003200, activeEnergyExport: 1485 },
    { time: 472089600, activeEnergyExport: 1647 },
    { time: 472176000, activeEnergyExport: 1843 },
    { time: 472262400, activeEnergyExport: 2011 },
    { time: 472348800, activeEnergyExport: 2101 },
    { time: 472435200, activeEnergyExport: 2336 },
    { time: 472521600, activeEnergyExport: 2347 },
    { time: 472608000, activeEnergyExport: 2379 },
    { time: 472694400, activeEnergyExport: 2444 },
    { time: 472780800, activeEnergyExport: 2517 },
    { time: 472867200, activeEnergyExport: 2596 },
    { time: 472953600, activeEnergyExport: 2735 },
    { time: 473040000, activeEnergyExport: 2976 },
    { time: 473126400, activeEnergyExport: 3224 },
    { time: 473212800, activeEnergyExport: 3429 },
    { time: 473299200, activeEnergyExport: 3477 },
  ],
  // ECS22c SUCCESS
  'profileDataReactiveImport.buffer': [
    { time: 465469200, reactiveEnergyImport: 95 },
    { time: 465471000, reactiveEnergyImport: 203 },
    { time: 465472800, reactiveEnergyImport: 243 },
    { time: 465474600, reactiveEnergyImport: 46 },
    { time: 465476400, reactiveEnergyImport: 187 },
    { time: 465478200, reactiveEnergyImport: 199 },
    { time: 465480000, reactiveEnergyImport: 153 },
    { time: 465481800, reactiveEnergyImport: 152 },
    { time: 465483600, reactiveEnergyImport: 39 },
    { time: 465485400, reactiveEnergyImport: 114 },
    { time: 465487200, reactiveEnergyImport: 39 },
    { time: 465489000, reactiveEnergyImport: 25 },
    { time: 465490800, reactiveEnergyImport: 14 },
    { time: 465492600, reactiveEnergyImport: 117 },
    { time: 465494400, reactiveEnergyImport: 221 },
    { time: 465496200, reactiveEnergyImport: 85 },
    { time: 465498000, reactiveEnergyImport: 153 },
    { time: 465499800, reactiveEnergyImport: 36 },
    { time: 465501600, reactiveEnergyImport: 181 },
    { time: 465503400, reactiveEnergyImport: 166 },
    { time: 465505200, reactiveEnergyImport: 5 },
    { time: 465507000, reactiveEnergyImport: 14 },
    { time: 465508800, reactiveEnergyImport: 248 },
    { time: 465510600, reactiveEnergyImport: 184 },
    { time: 465512400, reactiveEnergyImport: 213 },
    { time: 465514200, reactiveEnergyImport: 240 },
    { time: 465516000, reactiveEnergyImport: 54 },
    { time: 465517800, reactiveEnergyImport: 0 },
    { time: 465519600, reactiveEnergyImport: 46 },
    { time: 465521400, reactiveEnergyImport: 254 },
    { time: 465523200, reactiveEnergyImport: 46 },
    { time: 465525000, reactiveEnergyImport: 158 },
    { time: 465526800, reactiveEnergyImport: 77 },
    { time: 465528600, reactiveEnergyImport: 156 },
    { time: 465530400, reactiveEnergyImport: 134 },
    { time: 465532200, reactiveEnergyImport: 1 },
    { time: 465534000, reactiveEnergyImport: 110 },
    { time: 465535800, reactiveEnergyImport: 5 },
    { time: 465537600, reactiveEnergyImport: 74 },
    { time: 465539400, reactiveEnergyImport: 134 },
    { time: 465541200, reactiveEnergyImport: 156 },
    { time: 465543000, reactiveEnergyImport: 102 },
    { time: 465544800, reactiveEnergyImport: 35 },
    { time: 465546600, reactiveEnergyImport: 11 },
    { time: 465548400, reactiveEnergyImport: 74 },
    { time: 465550200, reactiveEnergyImport: 249 },
    { time: 465552000, reactiveEnergyImport: 93 },
    { time: 465553800, reactiveEnergyImport: 59 },
    { time: 465555600, reactiveEnergyImport: 116 },
  ],
  // ECS22a SUCCESS
  'profileDataExport.buffer': [
    { time: 465471000, activeEnergyExport: 81, reactiveEnergyExport: 56 },
    { time: 465472800, activeEnergyExport: 15, reactiveEnergyExport: 10 },
    { time: 465474600, activeEnergyExport: 176, reactiveEnergyExport: 123 },
    { time: 465476400, activeEnergyExport: 126, reactiveEnergyExport: 88 },
    { time: 465478200, activeEnergyExport: 202, reactiveEnergyExport: 141 },
    { time: 465480000, activeEnergyExport: 223, reactiveEnergyExport: 156 },
    { time: 465481800, activeEnergyExport: 121, reactiveEnergyExport: 84 },
    { time: 465483600, activeEnergyExport: 195, reactiveEnergyExport: 136 },
    { time: 465485400, activeEnergyExport: 65, reactiveEnergyExport: 45 },
    { time: 465487200, activeEnergyExport: 8, reactiveEnergyExport: 5 },
    { time: 465489000, activeEnergyExport: 189, reactiveEnergyExport: 132 },
    { time: 465490800, activeEnergyExport: 98, reactiveEnergyExport: 68 },
    { time: 465492600, activeEnergyExport: 162, reactiveEnergyExport: 113 },
    { time: 465494400, activeEnergyExport: 69, reactiveEnergyExport: 48 },
    { time: 465496200, activeEnergyExport: 171, reactiveEnergyExport: 119 },
    { time: 465498000, activeEnergyExport: 17, reactiveEnergyExport: 11 },
    { time: 465499800, activeEnergyExport: 127, reactiveEnergyExport: 88 },
    { time: 465501600, activeEnergyExport: 48, reactiveEnergyExport: 33 },
    { time: 465503400, activeEnergyExport: 108, reactiveEnergyExport: 75 },
    { time: 465505200, activeEnergyExport: 234, reactiveEnergyExport: 163 },
    { time: 465507000, activeEnergyExport: 132, reactiveEnergyExport: 92 },
    { time: 465508800, activeEnergyExport: 132, reactiveEnergyExport: 92 },
    { time: 465510600, activeEnergyExport: 74, reactiveEnergyExport: 51 },
    { time: 465512400, activeEnergyExport: 48, reactiveEnergyExport: 33 },
    { time: 465514200, activeEnergyExport: 177, reactiveEnergyExport: 123 },
    { time: 465516000, activeEnergyExport: 179, reactiveEnergyExport: 125 },
    { time: 465517800, activeEnergyExport: 144, reactiveEnergyExport: 100 },
    { time: 465519600, activeEnergyExport: 184, reactiveEnergyExport: 128 },
    { time: 465521400, activeEnergyExport: 161, reactiveEnergyExport: 112 },
    { time: 465523200, activeEnergyExport: 101, reactiveEnergyExport: 70 },
    { time: 465525000, activeEnergyExport: 203, reactiveEnergyExport: 142 },
    { time: 465526800, activeEnergyExport: 242, reactiveEnergyExport: 169 },
    { time: 465528600, activeEnergyExport: 116, reactiveEnergyExport: 81 },
    { time: 465530400, activeEnergyExport: 124, reactiveEnergyExport: 86 },
    { time: 465532200, activeEnergyExport: 240, reactiveEnergyExport: 168 },
    { time: 465534000, activeEnergyExport: 190, reactiveEnergyExport: 133 },
    { time: 465535800, activeEnergyExport: 219, reactiveEnergyExport: 153 },
    { time: 465537600, activeEnergyExport: 106, reactiveEnergyExport: 74 },
    { time: 465539400, activeEnergyExport: 131, reactiveEnergyExport: 91 },
    { time: 465541200, activeEnergyExport: 30, reactiveEnergyExport: 21 },
    { time: 465543000, activeEnergyExport: 115, reactiveEnergyExport: 80 },
    { time: 465544800, activeEnergyExport: 192, reactiveEnergyExport: 134 },
    { time: 465546600, activeEnergyExport: 0, reactiveEnergyExport: 0 },
    { time: 465548400, activeEnergyExport: 149, reactiveEnergyExport: 104 },
    { time: 465550200, activeEnergyExport: 6, reactiveEnergyExport: 4 },
    { time: 465552000, activeEnergyExport: 171, reactiveEnergyExport: 119 },
    { time: 465553800, activeEnergyExport: 167, reactiveEnergyExport: 116 },
    { time: 465555600, activeEnergyExport: 133, reactiveEnergyExport: 93 },
    { time: 465557400, activeEnergyExport: 220, reactiveEnergyExport: 154 },
  ],
  // ECS35e SUCCESS
  'powerEventLog.buffer': [
    { time: 473299200, eventCode: 32770, eventData: 1 },
    { time: 473301757, eventCode: 32771, eventData: 2 },
    { time: 473305188, eventCode: 32772, eventData: 3 },
    { time: 473307010, eventCode: 32773, eventData: 4 },
    { time: 473309078, eventCode: 32774, eventData: 5 },
    { time: 473312238, eventCode: 32775, eventData: 6 },
    { time: 473314216, eventCode: 32776, eventData: 7 },
    { time: 473316488, eventCode: 32777, eventData: 8 },
    { time: 473319556, eventCode: 32800, eventData: 9 },
    { time: 473321591, eventCode: 32801, eventData: 10 },
    { time: 473325068, eventCode: 32802, eventData: 11 },
    { time: 473327990, eventCode: 32803, eventData: 12 },
    { time: 473330962, eventCode: 32804, eventData: 13 },
    { time: 473333089, eventCode: 32805, eventData: 14 },
    { time: 473334977, eventCode: 32806, eventData: 15 },
    { time: 473337717, eventCode: 32807, eventData: 16 },
    { time: 473340187, eventCode: 32808, eventData: 17 },
    { time: 473342915, eventCode: 32809, eventData: 18 },
    { time: 473345448, eventCode: 32810, eventData: 19 },
    { time: 473348376, eventCode: 32811, eventData: 20 },
    { time: 473351973, eventCode: 32812, eventData: 21 },
    { time: 473354748, eventCode: 32813, eventData: 22 },
    { time: 473357102, eventCode: 32814, eventData: 23 },
    { time: 473360237, eventCode: 32815, eventData: 24 },
    { time: 473362979, eventCode: 36661, eventData: 25 },
    { time: 473365940, eventCode: 36662, eventData: 26 },
    { time: 473368991, eventCode: 36663, eventData: 27 },
    { time: 473370893, eventCode: 36664, eventData: 28 },
    { time: 473374275, eventCode: 36665, eventData: 29 },
    { time: 473377241, eventCode: 36666, eventData: 30 },
    { time: 473379130, eventCode: 36667, eventData: 31 },
    { time: 473381647, eventCode: 36668, eventData: 32 },
    { time: 473383505, eventCode: 36696, eventData: 33 },
  ],
  // ECS35f SUCCESS
  'alcsEventLog.buffer': [
    { time: 471916800, switchNumberAndAction: 529, outcome: 0, hanCommandId: 1418601600 },
    { time: 471916805, switchNumberAndAction: 512, outcome: 1, hanCommandId: 1418601600 },
    { time: 472002473, switchNumberAndAction: 544, outcome: 0, hanCommandId: 1418687273 },
    { time: 472002478, switchNumberAndAction: 512, outcome: 1, hanCommandId: 1418687273 },
    { time: 472100314, switchNumberAndAction: 786, outcome: 1, hanCommandId: 0 },
    { time: 472202128, switchNumberAndAction: 544, outcome: 0, hanCommandId: 1418886928 },
    { time: 472202133, switchNumberAndAction: 512, outcome: 2, hanCommandId: 1418886928 },
    { time: 472248358, switchNumberAndAction: 274, outcome: 2, hanCommandId: 0 },
    { time: 472398089, switchNumberAndAction: 1312, outcome: 1, hanCommandId: 0 },
    { time: 472462950, switchNumberAndAction: 785, outcome: 2, hanCommandId: 0 },
    { time: 472486405, switchNumberAndAction: 530, outcome: 0, hanCommandId: 1419171205 },
    { time: 472486410, switchNumberAndAction: 512, outcome: 1, hanCommandId: 1419171205 },
    { time: 472546763, switchNumberAndAction: 785, outcome: 1, hanCommandId: 0 },
    { time: 472610282, switchNumberAndAction: 1042, outcome: 2, hanCommandId: 0 },
    { time: 472756826, switchNumberAndAction: 800, outcome: 1, hanCommandId: 0 },
    { time: 472821552, switchNumberAndAction: 1297, outcome: 2, hanCommandId: 0 },
    { time: 472853191, switchNumberAndAction: 786, outcome: 1, hanCommandId: 0 },
    { time: 472895170, switchNumberAndAction: 1312, outcome: 2, hanCommandId: 0 },
    { time: 472970854, switchNumberAndAction: 529, outcome: 0, hanCommandId: 1419655654 },
    { time: 472970859, switchNumberAndAction: 512, outcome: 1, hanCommandId: 1419655654 },
    { time: 473011758, switchNumberAndAction: 1056, outcome: 1, hanCommandId: 0 },
    { time: 473086319, switchNumberAndAction: 529, outcome: 0, hanCommandId: 1419771119 },
    { time: 473086324, switchNumberAndAction: 512, outcome: 2, hanCommandId: 1419771119 },
    { time: 473195637, switchNumberAndAction: 288, outcome: 2, hanCommandId: 0 },
    { time: 473280330, switchNumberAndAction: 1297, outcome: 1, hanCommandId: 0 },
  ],
  // ECS25r1 SUCCESS
  'supplierNonCriticalAlerts1.value':
    '0000000000000000000000000000000000000000000000000000000000110011011111110000111111111111111100110000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010000000000110000000000000',
  // ECS25r1 SUCCESS
  'supplierNonCriticalAlerts2.value':
    '0000000000000000000000000000000000000000000000000000000000010000000000000000000000001100000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000010000000000010000000000000',
  // ECS25r1 SUCCESS
  'supplierNonCriticalAlerts3.value':
    '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
  // ECS25r1 SUCCESS
  'supplierNonCriticalAlerts4.value':
    '0000000000000000000000000000000000000000000000000000000001110011011111110000111111111111111111110000000000000000000000000000100000000000000000000000000000000110000000000011000000000000001000000000000000000000000000000000000000000000000000000000000000000000',
  // ECS26k SUCCESS
  'voltageLimiter1.thresholdNormal': 287,
  // ECS26k SUCCESS
  'voltageLimiter1.minOverThresholdDuration': 30,
  // ECS26k SUCCESS
  'voltageLimiter2.thresholdNormal': 180,
  // ECS26k SUCCESS
  'voltageLimiter2.minOverThresholdDuration': 30,
  // ECS26k SUCCESS
  'voltageLimiter3.thresholdNormal': 216,
  // ECS26k SUCCESS
  'voltageLimiter3.minOverThresholdDuration': 30,
  // ECS26k SUCCESS
  'voltageLimiter4.thresholdNormal': 253,
  // ECS26k SUCCESS
  'voltageLimiter4.minOverThresholdDuration': 30,
  // ECS26k SUCCESS
  'rmsVoltageSwellThreshold.value': 126,
  // ECS26k SUCCESS
  'rmsVoltageSagThreshold.value': 96,
  // ECS26k SUCCESS
  'rmsVoltageSagThresholdL2.value': 96,
  // ECS26k SUCCESS
  'rmsVoltageSwellThresholdL2.value': 126,
  // ECS26k SUCCESS
  'rmsVoltageSagThresholdL3.value': 96,
  // ECS26k SUCCESS
  'rmsVoltageSwellThresholdL3.value': 126,
  // ECS26c SUCCESS
  'randomisationOffset.value': 200,
  // ECS26c SUCCESS
  'randomisationOffsetSecondary.value': 2000,
  // ECS26c SUCCESS
  'randomisationOffsetLimit.value': 1000,
  // ECS26d SUCCESS
  'billingCalendar.executionTime': [{ time: '12:00:00', date: '****-**-01' }],
  // ECS26m SUCCESS
  'deviceType.value': '42',
  // ECS26m SUCCESS
  'deviceId.value': '4154475479706558',
  // ECS26m SUCCESS
  'manufacturerModel.value': '43535720',
  // ECS26m SUCCESS
  'supplyTamperState.value': true,
  // ECS61c SUCCESS
  'boostButtonEnabled.value': true,
  // ECS61c SUCCESS
  'boostButtonEventLog.buffer': [
    { boostStart: 472867200, boostEnd: 472872060 },
    { boostStart: 472953600, boostEnd: 472954500 },
    { boostStart: 473040000, boostEnd: 473050560 },
    { boostStart: 473126400, boostEnd: 473133960 },
    { boostStart: 473212800, boostEnd: 473224920 },
    { boostStart: 473299200, boostEnd: 473312580 },
  ],
  // ECS61c SUCCESS
  'boostButtonAlcs1.value': true,
  // ECS61c SUCCESS
  'boostButtonAlcs2.value': true,
  // ECS61c SUCCESS
  'boostButtonAlcs3.value': true,
  // ECS61c SUCCESS
  'boostButtonAlcs4.value': true,
  // ECS61c SUCCESS
  'boostButtonAlcs5.value': true,
  // ECS61a SUCCESS
  'alcsLabel1.value': 'ALCS_1_Description',
  // ECS61a SUCCESS
  'alcsLabel2.value': 'HCALCS_2_Description',
  // ECS61a SUCCESS
  'alcsLabel3.value': 'ALCS_3_Description',
  // ECS61a SUCCESS
  'alcsLabel4.value': 'ALCS_4_Description',
  // ECS61a SUCCESS
  'alcsLabel5.value': 'ALCS_5_Description',
  // ECS61a SUCCESS
  'alcsDeviceId1.value': '0000000000000000',
  // ECS61a SUCCESS
  'alcsDeviceId2.value': '00DB123456789097',
  // ECS61a SUCCESS
  'alcsDeviceId3.value': '0000000000000000',
  // ECS61a SUCCESS
  'alcsDeviceId4.value': '0000000000000000',
  // ECS61a SUCCESS
  'alcsDeviceId5.value': '0000000000000000',
  // ECS61a SUCCESS
  'alcsSpecialDays.entries': [
    { index: 1, specialDayDate: '****-12-25', dayId: 1 },
    { index: 2, specialDayDate: '****-12-26', dayId: 2 },
    { index: 3, specialDayDate: '2015-04-03', dayId: 3 },
    { index: 4, specialDayDate: '2015-08-31', dayId: 4 },
  ],
  // ECS61a SUCCESS
  'alcsSchedule.entries': [
    {
      index: 1,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector: 257,
      switchTime: '07:00:00',
      validityWindow: 65535,
      execWeekdays: '1111111',
      execSpecdays: '0000',
      beginDate: '****-**-**',
      endDate: '****-**-**',
    },
    {
      index: 2,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector: 258,
      switchTime: '11:00:00',
      validityWindow: 65535,
      execWeekdays: '1111111',
      execSpecdays: '0000',
      beginDate: '****-**-**',
      endDate: '****-**-**',
    },
    {
      index: 3,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector: 513,
      switchTime: '18:00:00',
      validityWindow: 65535,
      execWeekdays: '1111100',
      execSpecdays: '0000',
      beginDate: '****-06-21',
      endDate: '****-09-21',
    },
    {
      index: 4,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector: 514,
      switchTime: '22:00:00',
      validityWindow: 65535,
      execWeekdays: '1111100',
      execSpecdays: '0000',
      beginDate: '****-06-21',
      endDate: '****-09-21',
    },
    {
      index: 5,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector: 513,
      switchTime: '14:00:00',
      validityWindow: 65535,
      execWeekdays: '0000011',
      execSpecdays: '1111',
      beginDate: '****-06-21',
      endDate: '****-09-21',
    },
    {
      index: 6,
      enable: true,
      scriptLogicalName: '0-0:10.0.103.255',
      scriptSelector: 514,
      switchTime: '22:00:00',
      validityWindow: 65535,
      execWeekdays: '0000011',
      execSpecdays: '1111',
      beginDate: '****-06-21',
      endDate: '****-09-21',
    },
  ],
  // ECS61a SUCCESS
  'alcs1.outputState': true,
  // ECS61a SUCCESS
  'alcs2.outputState': true,
  // ECS61a SUCCESS
  'alcs3.outputState': true,
  // ECS61a SUCCESS
  'alcs4.outputState': true,
  // ECS61a SUCCESS
  'alcs5.outputState': true,
};
