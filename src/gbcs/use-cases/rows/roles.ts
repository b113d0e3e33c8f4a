/**
 * Remote-party role sets used by the rows. GBCS's use-case tables give, per
 * use case, the roles allowed to send it; the sets below follow the DUIS
 * eligible users of the SR that produces the use case (Import/Export/Gas
 * Supplier -> supplier, Electricity Distributor / Gas Transporter ->
 * networkOperator, Other User -> otherUser). Every RTDS command's business
 * originator is checked against its row (use-cases.test.ts); the complete
 * sets are not confirmed against GBCS text (rows say rolesConfirmed).
 */
import type { Originator } from '../row.ts';

export const SUPPLIER: readonly Originator[] = ['supplier'];
export const NETWORK_OPERATOR: readonly Originator[] = ['networkOperator'];
export const SUPPLIER_NO: readonly Originator[] = ['supplier', 'networkOperator'];
export const SUPPLIER_NO_OTHER: readonly Originator[] = ['supplier', 'networkOperator', 'otherUser'];
export const SUPPLIER_OTHER: readonly Originator[] = ['supplier', 'otherUser'];
/** PPMID-originated commands on the HAN (PECS, PCS): no remote party. */
export const DEVICE: readonly Originator[] = ['device'];
