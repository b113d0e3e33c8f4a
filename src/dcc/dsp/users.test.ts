/** The user registry's checks and the role eligibility table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUPPLIER_XML_CERT } from '../../../test/support/dsp-service.ts';
import { SERVICE_REQUESTS } from '../../duis/index.ts';
import { DspServiceError } from './errors.ts';
import { eligibleRoles, normaliseUser, ROLE_ELIGIBILITY, roleMayAddressDevice } from './users.ts';

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

  it('every SRV of the catalogue has eligible roles; longest prefix wins', () => {
    for (const d of SERVICE_REQUESTS) assert.ok(eligibleRoles(d.srv).length > 0, d.srv);
    assert.deepEqual(eligibleRoles('11.2'), ['IS', 'ES', 'GS', 'ED', 'GT']);
    assert.deepEqual(eligibleRoles('11.1'), ['IS', 'GS']);
    assert.deepEqual(eligibleRoles('8.13'), ROLE_ELIGIBILITY.find(([p]) => p === '8.13')![1]);
    assert.deepEqual(eligibleRoles('8.1.1'), ['IS', 'GS']);
    assert.ok(!eligibleRoles('2.2').includes('ED'));
    assert.ok(eligibleRoles('4.1.1').includes('ED'));
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
