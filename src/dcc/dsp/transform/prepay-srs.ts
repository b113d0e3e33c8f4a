/**
 * Prepayment and customer SRVs: 2.3 Update Debt (GCS04 GSME), 9.1 Request
 * Customer Identification Number (GCS36 GSME). One declarative row per SRV
 * (device-srs.ts `deviceSrv`); the bytes are made by the use-case catalogue
 * from the named fields. The ESME use cases of these SRVs (ECS07, ECS50)
 * have no payload in the catalogue (esme-gbcs.ts `unknown`: no COSEM object
 * for the debt registers or the CIN is confirmed here): the DSP refuses the
 * SR to an ESME only (`notTransformed`, E11 with the reason).
 *
 * 9.1 GCS36 (RTDS GCS36 SUCCESS/ERROR Commands): originated by the ACB on
 * the user's behalf (the user as Supplementary Remote Party: the DCC, not
 * the user, chose the CIN); Device Management Update CIN (0x06, server to
 * client 0x09): Issuer Event ID = the DSP's time,
 * Implementation Time 0 (now), Provider ID 0, the CIN's four ASCII digits.
 * The DCC draws the CIN (TransformContext.nextCin) and returns it to the user
 * with the device's response (DUIS CINMessage).
 *
 * 2.3 GCS04 (no RTDS example; PROVISIONAL, from the DUIS UpdateDebt element
 * definitions and the ZCL Prepayment cluster): three Change Debt commands
 * (0x02), one per GSME debt register, in register order:
 * - 1: TimeDebtRegister1 with GasDebtRecovery1, 2: TimeDebtRegister2 with
 *   GasDebtRecovery2: Debt Amount Type 1 / 3 (Type 1 / Type 2 incremental),
 *   Debt Recovery Method 0 (time based), Frequency HOURLY 0 / DAILY 1,
 *   Recovery Amount = DebtRecoveryRate;
 * - 3: PaymentDebtRegister: Debt Amount Type 5 (Type 3 incremental),
 *   Recovery Method 1 (percentage based), Balance Percentage =
 *   DebtRecoveryPerPayment (0..10000: hundredths of a percent, the ZCL unit).
 * The amounts are adjustments (incremental types): DUIS types them xs:int
 * (signed), which a register's new absolute value would not need. Label
 * empty, recovery start time 0 (now), collection time 0 (midnight). These
 * are the prepayment attributes GCS21b (4.13) reads back: Debt Amount
 * 0x0211/0x0221/0x0231, Recovery Frequency 0x0216/0x0226, Recovery Amount
 * 0x0217/0x0227, Top Up Percentage 0x0239.
 */
import type { DeviceType } from '../../../duis/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import { group, int, one, oneOf, opt } from './body-reader.ts';
import { deviceSrv } from './device-srs.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';

const ESME: DeviceType[] = ['ESME'];
const GAS: DeviceType[] = ['GSME'];

const INT32 = [-2147483648, 2147483647] as const;
const ascii = (s: string): string => toHex(new TextEncoder().encode(s));

// ---------------------------------------------------------------- 9.1

/** GCS36: Update CIN now, with the CIN the DCC drew for this request. */
function gcs36(i: BuildInput<unknown>): unknown {
  return {
    updateCin: {
      issuerEventId: i.issuerEventId(),
      implementationTime: 0,
      providerId: 0,
      customerIdNumber: ascii(i.cin()),
    },
  };
}

// ---------------------------------------------------------------- 2.3

const RECOVERY_PERIOD = oneOf('HOURLY', 'DAILY');
/** ZCL Debt Recovery Frequency of the DUIS DebtRecoveryRatePeriod. */
const FREQUENCY: Readonly<Record<'HOURLY' | 'DAILY', number>> = { HOURLY: 0, DAILY: 1 };

const gasRecovery = group({
  rate: one('DebtRecoveryRate', int(...INT32)),
  period: one('DebtRecoveryRatePeriod', RECOVERY_PERIOD),
});
const elecRecovery = group({
  rate: one('DebtRecoveryRate', int(-32768, 32767)),
  priceScale: one('DebtRecoveryRatePriceScale', int(-128, 127)),
  period: one('DebtRecoveryRatePeriod', RECOVERY_PERIOD),
});

type Recovery = { rate: number; period: 'HOURLY' | 'DAILY' };
type UpdateDebt = {
  timeDebt1: number;
  timeDebt2: number;
  paymentDebt: number;
  perPayment: number;
  elec1?: Recovery;
  elec2?: Recovery;
  gas1?: Recovery;
  gas2?: Recovery;
};

/** The XSD's xs:choice of the recovery pairs: both Elec or both Gas. */
function fuelOf(b: UpdateDebt): 'elec' | 'gas' {
  const elec = b.elec1 !== undefined || b.elec2 !== undefined;
  const gas = b.gas1 !== undefined || b.gas2 !== undefined;
  if (elec && gas)
    throw new DspBodyInvalidError('ElecDebtRecovery and GasDebtRecovery both given', 'UpdateDebt');
  if (elec && b.elec1 && b.elec2) return 'elec';
  if (gas && b.gas1 && b.gas2) return 'gas';
  throw new DspBodyInvalidError('DebtRecovery1 and DebtRecovery2 of one fuel expected', 'UpdateDebt');
}

/** ZCL Change Debt: Debt Amount Type (incremental), Recovery Method, and the amounts. */
function changeDebt(
  issuerEventId: number,
  debtAmountType: number,
  debtAmount: number,
  recovery: { method: number; frequency: number; amount: number; percentage: number },
) {
  return {
    issuerEventId,
    debtLabel: '',
    debtAmount,
    debtRecoveryMethod: recovery.method,
    debtAmountType,
    debtRecoveryStartTime: 0,
    debtRecoveryCollectionTime: 0,
    debtRecoveryFrequency: recovery.frequency,
    debtRecoveryAmount: recovery.amount,
    debtRecoveryBalancePercentage: recovery.percentage,
  };
}

/** Change Debt Debt Amount Type: Type 1/2/3 incremental (ZCL SE 1.4 D.7.2.3.2). */
const TYPE_INCREMENTAL = [1, 3, 5] as const;
const TIME_BASED = 0;
const PERCENTAGE_BASED = 1;

function gcs04(i: BuildInput<UpdateDebt>): unknown {
  const b = i.body;
  if (fuelOf(b) !== 'gas')
    throw new DspBodyInvalidError('a GSME takes GasDebtRecovery1 and GasDebtRecovery2', 'UpdateDebt');
  const id = i.issuerEventId();
  const timeBased = (r: Recovery) => ({
    method: TIME_BASED,
    frequency: FREQUENCY[r.period],
    amount: r.rate,
    percentage: 0,
  });
  return {
    changeDebt: [
      changeDebt(id, TYPE_INCREMENTAL[0], b.timeDebt1, timeBased(b.gas1!)),
      changeDebt(id, TYPE_INCREMENTAL[1], b.timeDebt2, timeBased(b.gas2!)),
      changeDebt(id, TYPE_INCREMENTAL[2], b.paymentDebt, {
        method: PERCENTAGE_BASED,
        frequency: 0,
        amount: 0,
        percentage: b.perPayment,
      }),
    ],
  };
}

const NO_ESME_PAYLOAD = (useCase: string, what: string) =>
  `${useCase}: the catalogue row has no payload (payloadUnknown): ${what}`;

export const PREPAY_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<UpdateDebt>('2.3', {
    body: {
      timeDebt1: one('TimeDebtRegister1', int(...INT32)),
      timeDebt2: one('TimeDebtRegister2', int(...INT32)),
      paymentDebt: one('PaymentDebtRegister', int(...INT32)),
      perPayment: one('DebtRecoveryPerPayment', int(0, 10000)),
      elec1: opt('ElecDebtRecovery1', elecRecovery),
      elec2: opt('ElecDebtRecovery2', elecRecovery),
      gas1: opt('GasDebtRecovery1', gasRecovery),
      gas2: opt('GasDebtRecovery2', gasRecovery),
    },
    useCases: [{ useCase: 'GCS04', targets: GAS, fields: gcs04 }],
    notTransformed: {
      targets: ESME,
      reason: NO_ESME_PAYLOAD(
        'ECS07',
        'the ESME debt registers and debt recovery objects are not confirmed by any RTDS example or confirmed row',
      ),
    },
  }),
  deviceSrv<unknown>('9.1', {
    useCases: [{ useCase: 'GCS36', targets: GAS, originator: 'acb', fields: gcs36 }],
    notTransformed: {
      targets: ESME,
      reason: NO_ESME_PAYLOAD(
        'ECS50',
        'the ESME Customer Identification Number object is not confirmed by any RTDS example or confirmed row',
      ),
    },
  }),
];
