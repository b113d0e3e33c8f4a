/**
 * Protected reads (GBCS: Data Protection class 30, get_protected_attributes):
 * ECS17b, ECS17d, ECS17e, ECS19, ECS20c, ECS21a, ECS21b, ECS22b, ECS66. The command lists
 * the objects to read (class, OBIS, attribute, optional date-time
 * restriction); the response echoes the protection parameters with the
 * system titles of the Response: originator this device, recipient the
 * command's originator (the ACB for a read it carries for an unknown
 * remote party, RTDS 4.14_ECS21b URP), and carries the values as one DLMS
 * structure, payload-encrypted for the business originator.
 *
 * Values: the import register list (0-0:94.44.34.10) from the meter's
 * registers (a twin ESME adds the secondary element's import register);
 * the prepayment register list (0-0:94.44.34.30) with the live meter
 * balance first; the TOU-with-blocks register list (ECS17e, 0-0:94.44.34.2)
 * as the meter counts it from the list it held (all zero when none:
 * block-counters.ts); every other object from `state.protectedData` (DLMS Data
 * by `class/OBIS/attribute`, initially the RTDS ESME's, rtds-protected.ts);
 * the import daily read log (ECS21a, 0-0:98.1.9.255) from what the meter
 * recorded at each midnight (daily-read-log.ts).
 * A profile read with a date-time restriction (type 1) answers the entries
 * whose capture time (first column, UTC seconds since 2000-01-01) lies in
 * [from, to]. An object the meter does not hold is refused (the registry's
 * malformed answer): a protected read is all or nothing.
 */
import { type DlmsData, decodeDlmsData, dlms, encodeDlmsData } from '../../../gbcs/payload/dlms.ts';
import { parseCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import { decodeData, type Schema } from '../../../gbcs/use-cases/dlms-schema.ts';
import {
  encodeProtectedObject,
  PROTECTED_OBJECTS,
  type ProtectedObjectName,
  protectedObjectByKey,
} from '../../../gbcs/use-cases/protected-objects.ts';
import { fromHex, toHex } from '../../../runtime/bytes.ts';
import { parseCosemDateTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { getAttribute } from '../attribute-store.ts';
import { TOU_BLOCK_REGISTERS, touBlockList } from '../block-counters.ts';
import { DAILY_READ_LOG, dailyReadLogBuffer } from '../daily-read-log.ts';
import { ACTIVE_IMPORT_PROFILE, withRecordedImportProfile } from '../profile-log.ts';
import type { EsmeServices } from '../services.ts';
import { CREDIT_BALANCE_KEY } from './account.ts';
import { DEBT_ITEM, type DebtRegister, debtBalance, PREPAYMENT_REGISTERS } from './debt.ts';

interface ObjectRef {
  classId: number;
  logicalName: string;
  attributeIndex: number;
  restriction: { restrictionType: number; restrictionValue: { from: string; to: string } | null };
}
interface ProtectionParameter {
  protectionOptions: { originatorSystemTitle: string; recipientSystemTitle: string };
}
interface GetProtected {
  objectList: ObjectRef[];
  protectionParameters: ProtectionParameter[];
}

/** GBCS time stamps in profiles: UTC seconds since 2000-01-01. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);

/** The import register list (protected-objects.ts `importRegisters`) from the meter's registers, in Wh and varh. */
function importRegisters(esme: EsmeServices): DlmsData {
  const r = esme.state.registers;
  return encodeProtectedObject(
    'importRegisters',
    {
      activeImport: r.activeImportWh,
      activeImportScalerUnit: { scaler: 0, unit: 30 },
      reactiveImport: r.reactiveImportVarh,
      reactiveImportScalerUnit: { scaler: 0, unit: 32 },
      ...(esme.state.variant === 'twin' ? { secondaryActiveImport: r.secondaryActiveImportWh ?? 0 } : {}),
    },
    esme.state.variant,
  );
}

/** The TOU-with-blocks register list: the block registers and counters the meter counts (block-counters.ts). */
function touBlockRegisters(esme: EsmeServices): DlmsData {
  return dlms.struct(dlms.array(...touBlockList(esme.state).map((v) => dlms.u32(v))));
}

function held(esme: EsmeServices, key: string): DlmsData {
  const hex = esme.state.protectedData[key];
  if (hex === undefined) throw new CommandContentError(`the ESME holds no ${key}`);
  return decodeDlmsData(fromHex(hex)).value;
}

/**
 * The value of one object read, checked against the shape the use-case
 * catalogue gives it (protected-objects.ts, the table the decoder names the
 * plaintext with): a value the meter would build wrong fails here, loudly.
 */
function objectValue(esme: EsmeServices, o: ObjectRef): DlmsData {
  const key = `${o.classId}/${o.logicalName}/${o.attributeIndex}`;
  const name = protectedObjectByKey(key);
  const v = uncheckedValue(esme, o, key, name);
  if (name) checkShape(esme, name, v);
  return v;
}

function checkShape(esme: EsmeServices, name: ProtectedObjectName, v: DlmsData): void {
  const { single, twin } = PROTECTED_OBJECTS[name].shapes as { single: Schema; twin?: Schema };
  decodeData(esme.state.variant === 'twin' && twin ? twin : single, v, name, []);
}

function uncheckedValue(
  esme: EsmeServices,
  o: ObjectRef,
  key: string,
  name: ProtectedObjectName | undefined,
): DlmsData {
  if (name === 'importRegisters') return importRegisters(esme);
  if (key === TOU_BLOCK_REGISTERS) return touBlockRegisters(esme);
  const v =
    key === ACTIVE_IMPORT_PROFILE
      ? withRecordedImportProfile(esme.state, held(esme, key))
      : key === DAILY_READ_LOG
        ? dailyReadLogBuffer(esme.state)
        : held(esme, key);
  if (key === PREPAYMENT_REGISTERS && v.type === 'structure' && v.items.length > 0) {
    // the meter balance, the emergency credit balance and accumulated debt ECS04b resets (items 1, 2) and the
    // debt registers ECS07 adjusts (GBCS: items 3, 4, 5), from the meter's state
    const items = [dlms.i32(esme.state.meterBalance), ...v.items.slice(1)];
    for (const [i, key] of [
      CREDIT_BALANCE_KEY.emergencyCredit,
      CREDIT_BALANCE_KEY.accumulatedDebt,
    ].entries()) {
      const held = getAttribute(esme.state, key);
      if (typeof held === 'number' && i + 1 < items.length) items[i + 1] = dlms.i32(held);
    }
    for (const [r, i] of Object.entries(DEBT_ITEM))
      if (i < items.length) items[i] = dlms.i32(debtBalance(esme, r as DebtRegister));
    return { ...v, items };
  }
  const range = o.restriction.restrictionType === 1 ? o.restriction.restrictionValue : null;
  return range && v.type === 'compact-array' ? inRange(v, range) : v;
}

function seconds(text: string): number {
  const t = parseCosemDateTime(parseCosemDateTimeText(text));
  if (t === null) throw new CommandContentError(`restriction ${text} is not a date-time`);
  return (t - EPOCH_2000) / 1000;
}

function inRange(v: Extract<DlmsData, { type: 'compact-array' }>, r: { from: string; to: string }): DlmsData {
  const [from, to] = [seconds(r.from), seconds(r.to)];
  const elements = v.elements.filter((e) => {
    const first = e.type === 'structure' ? e.items[0] : e;
    const t = first && 'value' in first ? Number(first.value) : Number.NaN;
    return t >= from && t <= to;
  });
  return { ...v, elements };
}

export function protectedRead(call: UseCaseCall, esme: EsmeServices): HandlerResult {
  const fields = call.fields as Record<string, { getProtectedAttributes: GetProtected }>;
  const [object, f] = Object.entries(fields)[0]!;
  const { objectList, protectionParameters } = f.getProtectedAttributes;
  const plaintext = encodeDlmsData(dlms.struct(...objectList.map((o) => objectValue(esme, o))));
  const swapped = protectionParameters.map((p) => ({
    ...p,
    protectionOptions: {
      ...p.protectionOptions,
      originatorSystemTitle: p.protectionOptions.recipientSystemTitle,
      recipientSystemTitle: call.cmd.message.originator,
    },
  }));
  return {
    response: {
      [object]: {
        getProtectedAttributes: {
          result: 'success',
          value: { protectionParameters: swapped, protectedAttributes: toHex(call.ctx.encrypt(plaintext)) },
        },
      },
    },
    outcome: 'read',
    detail: { business: call.cmd.originator.business, objects: objectList.length },
  };
}
