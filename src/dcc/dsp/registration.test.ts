import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Eui } from '../../runtime/bytes.ts';
import { DspRegistration, supplierMayAddress } from './registration.ts';
import type { UserRole } from './users.ts';

const ESME = { eui: '00DB1234567890A0', deviceType: 'ESME' as const };
const GSME = { eui: '00DB1234567890A1', deviceType: 'GSME' as const };
const CHF = { eui: '00DB1234567890A2', deviceType: 'CHF' as const };
const A: Eui = '90B3D51F30010000';
const B: Eui = '90B3D51F30010003';
const u = (eui: Eui, ...roles: UserRole[]) => ({ eui, roles });
const registered: Record<Eui, Eui> = { [ESME.eui]: A, [GSME.eui]: A };
const of = (m: Eui) => registered[m];

describe('registration: the supplier access check and change of supplier', () => {
  it('a supplier in the meter’s supplier role: only the registered one; 6.23 open to the incoming supplier', () => {
    assert.equal(supplierMayAddress(u(A, 'IS'), ESME, '4.1.1', of), true);
    assert.equal(supplierMayAddress(u(B, 'IS'), ESME, '4.1.1', of), false);
    assert.equal(supplierMayAddress(u(B, 'IS', 'GS'), GSME, '4.1.1', of), false);
    assert.equal(supplierMayAddress(u(B, 'IS'), ESME, '6.23', of), true);
    assert.equal(
      supplierMayAddress(u(B, 'IS'), { ...ESME, eui: '00DB1234567890A6' }, '4.1.1', of),
      true,
      'none registered',
    );
  });

  it('left to the role rules: other device types, users without the meter’s role, users with a non-supplier role', () => {
    assert.equal(supplierMayAddress(u(B, 'IS'), CHF, '4.1.1', of), true);
    assert.equal(supplierMayAddress(u(B, 'ES'), ESME, '4.1.1', of), true);
    assert.equal(supplierMayAddress(u(B, 'IS', 'ED'), ESME, '4.1.1', of), true);
  });

  it('an accepted 6.23 registers the user only if it holds the meter’s role; set persists only a change', () => {
    const ops: string[] = [];
    const r = new DspRegistration(() => ops.push('persist'));
    r.set(ESME.eui, A, 1);
    r.set(ESME.eui, A, 2);
    assert.equal(ops.length, 1);
    r.changeOfSupplier(u(B, 'ES'), ESME, 3);
    assert.equal(r.supplierOf(ESME.eui), A);
    r.changeOfSupplier(u(B, 'IS'), CHF, 3);
    assert.equal(r.supplierOf(CHF.eui), undefined);
    r.changeOfSupplier(u(B, 'IS'), ESME, 4);
    assert.equal(r.supplierOf(ESME.eui), B);
    assert.equal(ops.length, 2);
  });
});
