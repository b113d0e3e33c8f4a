/**
 * ESME reads: each answers its row's gets from the state model (state.ts).
 * - ECS17b read import energy registers (RTDS 4.1.1): Data Protection
 *   get_protected_attributes of the import register list, the values
 *   payload-encrypted for the business originator;
 * - ECS45 supply (load switch) status; ECS52 firmware version; ECS82 meter
 *   balance; ECS24 tariff (every get of the row from the named tariff).
 */
import { dlms, encodeDlmsData } from '../../../gbcs/payload/dlms.ts';
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import type { SupplyState } from '../state.ts';

/** The ECS17b register list object (GBCS: 0-0:94.44.34.10 attribute 2). */
const IMPORT_REGISTERS = '0-0:94.44.34.10';

export function readImportRegisters(
  call: UseCaseCall<CommandFieldsOf<'ECS17b'>>,
  esme: EsmeServices,
): HandlerResult {
  const { objectList, protectionParameters } = call.fields.protectedReadImportEnergy.getProtectedAttributes;
  const r = esme.state.registers;
  const values = objectList.map((o) => {
    if (o.classId !== 1 || o.logicalName !== IMPORT_REGISTERS || o.attributeIndex !== 2)
      throw new CommandContentError('ECS17b reads only the import register list');
    return dlms.struct(
      dlms.u32(r.activeImportWh),
      dlms.struct(dlms.i8(0), dlms.enum(30)),
      dlms.u32(r.reactiveImportVarh),
      dlms.struct(dlms.i8(0), dlms.enum(32)),
    );
  });
  const plaintext = encodeDlmsData(dlms.struct(...values));
  // RTDS ECS17b: the response echoes the protection parameters with originator and recipient swapped
  const swapped = protectionParameters.map((p) => ({
    ...p,
    protectionOptions: {
      ...p.protectionOptions,
      originatorSystemTitle: p.protectionOptions.recipientSystemTitle,
      recipientSystemTitle: p.protectionOptions.originatorSystemTitle,
    },
  }));
  return {
    response: {
      protectedReadImportEnergy: {
        getProtectedAttributes: {
          result: 'success',
          value: { protectionParameters: swapped, protectedAttributes: toHex(call.ctx.encrypt(plaintext)) },
        },
      },
    },
    outcome: 'read',
    detail: { business: call.cmd.originator.business },
  };
}

/** Disconnect control control_state (Blue Book class 70): 0 disconnected, 1 connected, 2 ready for reconnection. */
export function supplyControlState(s: SupplyState): number {
  return s === 'enabled' ? 1 : s === 'disabled' ? 0 : 2;
}

export function readSupplyState(_call: UseCaseCall, esme: EsmeServices): HandlerResult {
  return {
    response: {
      supplyState: { controlState: { result: 'success', value: supplyControlState(esme.state.supply) } },
    },
    outcome: 'read',
  };
}

export function readFirmwareVersion(_call: UseCaseCall, esme: EsmeServices): HandlerResult {
  return {
    response: {
      firmwareVersion: { value: { result: 'success', value: esme.state.firmware.version.toUpperCase() } },
    },
    outcome: 'read',
  };
}

export function readMeterBalance(_call: UseCaseCall, esme: EsmeServices): HandlerResult {
  return {
    response: {
      meterBalance: { currentCreditAmount: { result: 'success', value: esme.state.meterBalance } },
    },
    outcome: 'read',
  };
}

/**
 * ECS24 (DUIS 4.11.1): every get of the row answered from the named tariff
 * state; an attribute the state lacks is object-unavailable.
 */
export function readTariff(call: UseCaseCall<CommandFieldsOf<'ECS24'>>, esme: EsmeServices): HandlerResult {
  const held = esme.state.tariff as unknown as Record<string, Record<string, unknown> | undefined>;
  const response = Object.fromEntries(
    Object.entries(call.fields).map(([object, members]) => [
      object,
      Object.fromEntries(
        Object.keys(members).map((member) => {
          const value = held[object]?.[member];
          return [
            member,
            value === undefined ? { result: 'object-unavailable' } : { result: 'success', value },
          ];
        }),
      ),
    ]),
  );
  return { response, outcome: 'read' };
}
