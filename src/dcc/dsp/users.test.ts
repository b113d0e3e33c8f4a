/** The user registry's checks and the role eligibility table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUPPLIER_XML_CERT } from '../../../test/support/dsp-service.ts';
import { SERVICE_REQUESTS } from '../../duis/index.ts';
import { DspServiceError } from './errors.ts';
import { srvRoleEligibility } from './srv-table.ts';
import { eligibleRoles, normaliseUser, roleMayAddressDevice } from './users.ts';

const BASE = {
  eui: '90-b3-d5-1f-30-01-00-00',
  roles: ['IS' as const],
  xmlSigningCertificates: [SUPPLIER_XML_CERT],
  receiveUrl: 'http://127.0.0.1:8090/duis',
};

describe('DSP users', () => {
  it('normalises the EUI, defaults status and policies', () => {
    const u = normaliseUser(BASE);
    assert.equal(u.eui, '90B3D51F30010000');
    assert.equal(u.status, 'active');
    assert.deepEqual(u.policies, { noWanCommissioning: false });
  });

  for (const [name, change] of [
    ['bad EUI', { eui: 'nope' }],
    ['unknown role', { roles: ['XX'] }],
    ['non-http receive URL', { receiveUrl: 'ftp://x/y' }],
    ['no XML-signing certificate', { xmlSigningCertificates: [] }],
  ] as const) {
    it(`refuses a user with ${name}`, () => {
      assert.throws(
        () => normaliseUser({ ...BASE, ...(change as object) } as typeof BASE),
        (e: unknown) => e instanceof DspServiceError && e.code === 'DSP_CONFIG',
      );
    });
  }

  it('every SRV of the catalogue has eligible roles (the SRV table); a prefix entry matches its SRVs', () => {
    const table = srvRoleEligibility();
    for (const d of SERVICE_REQUESTS) assert.ok(eligibleRoles(d.srv, table).length > 0, d.srv);
    assert.deepEqual(eligibleRoles('11.2', table), ['IS', 'ES', 'GS', 'ED', 'GT']);
    assert.deepEqual(eligibleRoles('11.1', table), ['IS', 'GS']);
    assert.deepEqual(eligibleRoles('8.1.1', table), ['IS', 'GS']);
    assert.ok(!eligibleRoles('2.2', table).includes('ED'));
    assert.ok(eligibleRoles('4.1.1', table).includes('ED'));
    const custom = [
      ['4.', ['OU']],
      ['4.1.1', ['ED']],
    ] as const;
    assert.deepEqual(eligibleRoles('4.1.1', custom), ['ED']);
    assert.deepEqual(eligibleRoles('4.8.1', custom), ['OU']);
    assert.deepEqual(eligibleRoles('5.1', custom), []);
  });

  it('E4: supplier roles follow the fuel of the device', () => {
    assert.equal(roleMayAddressDevice(['GS'], 'ESME'), false);
    assert.equal(roleMayAddressDevice(['IS'], 'GSME'), false);
    assert.equal(roleMayAddressDevice(['IS'], 'ESME'), true);
    assert.equal(roleMayAddressDevice(['GS'], 'GPF'), true);
    assert.equal(roleMayAddressDevice(['GS'], 'CHF'), true);
    assert.equal(roleMayAddressDevice(['ED'], 'ESME'), true);
  });
});
