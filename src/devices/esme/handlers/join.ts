/**
 * The ESME's join table use cases (CS03A1, CS03B, CS04AC, CS04B, CS07) on
 * the shared rules of meter-common/join-table.ts, over `state.joinTable`.
 * An ESME joins PPMIDs, HCALCSs and Type 2 devices.
 */
import {
  type JoinTableDevice,
  joinDevice,
  readJoinTable,
  unjoinDevice,
} from '../../meter-common/join-table.ts';
import type { HandlerResult, UseCaseCall } from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';

function table(esme: EsmeServices): JoinTableDevice {
  return { security: esme.security, joinTable: esme.state.joinTable, joinable: ['PPMID', 'HCALCS', 'Type2'] };
}

const via =
  <F>(h: (c: UseCaseCall<F>, d: JoinTableDevice) => HandlerResult) =>
  (c: UseCaseCall<F>, esme: EsmeServices) =>
    h(c, table(esme));

export const esmeJoin = {
  methodA: via(joinDevice(0)),
  methodB: via(joinDevice(2)),
  unjoin: via(unjoinDevice),
  read: via(readJoinTable),
};
