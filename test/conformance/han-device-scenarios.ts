/**
 * Device states for the RTDS examples of the GSME, CHF and GPF
 * (te-1-rtds-han-devices.test.ts): for each example, what is true of the
 * device (set through its backchannel before the command arrives) that
 * makes a real device answer as the reference does. ERROR examples are
 * hardware faults (the RTDS ERROR responses answer HARDWARE_FAILURE, 0xC0,
 * for one attribute or command); other examples are the values the meter
 * held. The command itself is always the unchanged RTDS one.
 */

import { Gsme } from '../../src/devices/gsme/gsme.ts';
import type { Home } from '../../src/devices/home/home.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { CHF_SCENARIOS } from './chf-scenarios.ts';

function gsme(home: Home): Gsme {
  const g = home.device(RTDS_EUIS.gsme);
  if (!(g instanceof Gsme)) throw new Error('the home has no GSME application');
  return g;
}
const fault =
  (...what: string[]) =>
  (home: Home) => {
    for (const w of what) gsme(home).backchannel.hardwareFault(w);
  };

/**
 * When an example ran (the home's virtual start time, epoch ms): the GSME
 * handles the command on its next mailbox poll (30 minutes after the start)
 * and takes the time from the home's clock, so its clock reads what the
 * RTDS meter's did. GCS28 SUCCESS: the meter asks at 2014-12-31T23:30:00Z,
 * inside the validity interval [23:30, 00:30]: it adopts that time (result
 * 0). GCS28 ERROR: at 2015-01-01T00:00:00Z, before the interval [01:00,
 * 02:00]: its clock stays (result 2). Other examples: the default start.
 */
export const HOME_START: Record<string, number> = {
  'GCS28_6.11_SUCCESS': Date.UTC(2014, 11, 31, 23, 0),
  'GCS28_6.11_ERROR': Date.UTC(2014, 11, 31, 23, 30),
};

export const SCENARIOS: Record<string, (home: Home) => void> = {
  // a register or its scaling cannot be read
  'GCS13a_4.1.1_ERROR': fault('metering.Divisor'),
  'GCS13b_4.1.4_ERROR': fault('metering.Multiplier'),
  'GCS13c_4.1.2_ERROR': fault('metering.Multiplier'),
  'GCS14_4.3_ERROR': fault('price.PriceTrailingDigit'),
  'GCS60_4.18_ERROR': fault('metering.BillToDateDelivered'),
  'GCS21j_6.2.9_ERROR': fault('prepayment.PaymentControlConfiguration'),
  'GCS21m_6.2.4_ERROR': fault('basic.ManufacturerName'),
  // a ZCL command the meter cannot carry out
  'GCS40a_1.5_ERROR': fault('prepayment.creditAdjustment'),
  'GCS40c_1.5_ERROR': fault('prepayment.creditAdjustment'),
  'GCS40d_1.5_ERROR': fault('prepayment.creditAdjustment'),
  'GCS06_2.5_ERROR': fault('prepayment.selectAvailableEmergencyCredit'),
  'GCS07_3.1_ERROR': fault('messaging.displayMessage'),
  'GCS23_6.6_ERROR': fault('price.publishCalorificValue'),
  'GCS24_6.7_ERROR': fault('metering.setSupplyStatus'),
  'GCS24a_6.7_ERROR': fault('metering.setSupplyStatus'),
  'GCS39_7.3_ERROR': fault('metering.changeSupply'),
  'GCS03_1.6_IMMEDIATE_ERROR': fault('prepayment.changePaymentMode'),
  'GCS01b_1.2.1_FUTURE_DATED_BLOCK_ERROR': fault('price.publishTariffInformation'),
  'GCS36_9.1_ERROR': fault('deviceManagement.updateCin'),
  'GCS31_14.1_ERROR': fault('metering.startSampling'),
  'GCS15d_4.4.4_ERROR': fault('prepayment.getDebtRepaymentLog'),
  'GCS17_4.8.1_ERROR': fault('metering.getSampledData'),
  'GCS18_4.10_ERROR': fault('metering.getSampledData'),
  'GCS21k_6.2.3_ERROR': fault('price.getBillingPeriod'),
  'GCS20r_6.2.10_ERROR': fault('deviceManagement.getEventConfiguration'),
  // the meter had joined the device the RTDS unjoins (the ERROR example's 0303030303030303 it had not: code 1)
  'CS04B_8.8.2_SUCCESS': (home) =>
    gsme(home).backchannel.set({ joined: [{ eui: '0102030405060708', deviceType: 'PPMID' }] }),
  // the meter in prepayment mode (Payment Control Configuration 0x0C97)
  'GCS21j_6.2.9_SUCCESS': (home) =>
    gsme(home).backchannel.set({ paymentMode: 'prepayment', paymentControlConfiguration: 0x0c97 }),
  // the credit before the RTDS top-up: 238.94 pounds
  'CS01b_2.2_SUCCESS': (home) => gsme(home).backchannel.set({ meterBalance: 23_894_000 }),
  ...CHF_SCENARIOS,
};
