/**
 * The DSP's registration data: which supplier user is responsible for each
 * meter (an ESME's Import Supplier, a GSME's Gas Supplier). The one source
 * of truth for "whose meter is this": the DSP's device access check
 * (`supplierMayAddress`) and the recipients of DCC Alerts about a CH
 * (alert-routing.ts) both read it.
 *
 * In the DCC this comes from the Registration Data Providers (MPxN ->
 * supplier); this project has none. PROVISIONAL, how it is set here:
 * - the estate registers the supplier of its meters with the DSP
 *   (system.ts `registerEstateWithDsp`, the DSP config's inventory
 *   `supplier`), through `set`;
 * - an accepted 6.23 (change of supplier) makes the requesting supplier
 *   responsible for the meter (DspService `#accepted`), and 6.23 itself is
 *   not refused for a supplier who is not (yet) responsible: it is how the
 *   incoming supplier takes the meter over.
 * A meter with no registered supplier is addressed by role alone (as before
 * this table existed) and its CH's DCC Alerts go to no one (unroutable, not
 * over-shared). Persisted: dsp_registration, migration 038.
 */
import type { DeviceType } from '../../devices/contracts.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { CHANGE_OF_SUPPLIER_SRV } from './scheduler.ts';
import type { DspDb } from './tables.ts';
import type { UserRole } from './users.ts';

type Persist = (op: (db: DspDb) => Promise<unknown>) => void;

/** The supplier User Role responsible for a meter of each type (the meters registration data covers). */
export const RESPONSIBLE_SUPPLIER_ROLE: Readonly<Partial<Record<DeviceType, UserRole>>> = {
  ESME: 'IS',
  GSME: 'GS',
};

/** Meter -> responsible supplier user, in memory and persisted. */
export class DspRegistration {
  readonly #supplier = new Map<Eui, Eui>();
  constructor(readonly persist: Persist) {}

  async load(db: DspDb): Promise<void> {
    for (const r of await db.selectFrom('dsp_registration').selectAll().execute())
      this.#supplier.set(r.eui, r.supplier);
  }

  /** The supplier user responsible for meter `meter`, if registered. */
  readonly supplierOf = (meter: Eui): Eui | undefined => this.#supplier.get(meter);

  /** Registers `supplier` as responsible for `meter` (replacing any other). */
  set(meter: string, supplier: string, now: number): void {
    const eui = normaliseEui(meter);
    const s = normaliseEui(supplier);
    if (this.#supplier.get(eui) === s) return;
    this.#supplier.set(eui, s);
    this.persist((db) =>
      db
        .insertInto('dsp_registration')
        .values({ eui, supplier: s, updated_at: now })
        .onConflict((oc) => oc.column('eui').doUpdateSet({ supplier: s, updated_at: now }))
        .execute(),
    );
  }

  /** An accepted 6.23 by `user` on `device`: the user becomes its registered supplier if it holds the meter's supplier role. */
  changeOfSupplier(
    user: { eui: Eui; roles: readonly UserRole[] },
    device: { eui: Eui; deviceType: DeviceType },
    now: number,
  ): void {
    const role = RESPONSIBLE_SUPPLIER_ROLE[device.deviceType];
    if (role !== undefined && user.roles.includes(role)) this.set(device.eui, user.eui, now);
  }
}

/**
 * The device access check by registration: a user acting as the supplier
 * role responsible for `device`'s type (IS for an ESME, GS for a GSME) may
 * address it only if it is the registered supplier. True where nothing is
 * registered, for other device types, for a user without that role or with
 * a non-supplier role (users.ts `roleMayAddressDevice` and eligibility
 * decide those), and for 6.23 (the incoming supplier's).
 */
export function supplierMayAddress(
  user: { eui: Eui; roles: readonly UserRole[] },
  device: { eui: Eui; deviceType: DeviceType },
  srv: string,
  supplierOf: (meter: Eui) => Eui | undefined,
): boolean {
  const role = RESPONSIBLE_SUPPLIER_ROLE[device.deviceType];
  if (role === undefined || srv === CHANGE_OF_SUPPLIER_SRV) return true;
  if (!user.roles.includes(role) || user.roles.some((r) => r !== 'IS' && r !== 'ES' && r !== 'GS'))
    return true;
  const registered = supplierOf(device.eui);
  return registered === undefined || registered === user.eui;
}
