/**
 * The ESME's join table use cases (CS03A1, CS03B, CS04AC, CS04B, CS07) on
 * the shared rules of meter-common/join-table.ts, over `state.joinTable`.
 * An ESME joins PPMIDs, HCALCSs and Type 2 devices.
 */
import { joinTableHandlers } from '../../meter-common/join-table.ts';
import type { EsmeServices } from '../services.ts';

export const esmeJoin = joinTableHandlers((esme: EsmeServices) => ({
  security: esme.security,
  joinTable: esme.state.joinTable,
  joinable: ['PPMID', 'HCALCS', 'Type2'],
}));
