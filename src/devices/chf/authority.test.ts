/**
 * The CHF authorises from the catalogue's role table like every device
 * (chf/authority.ts): every RTDS command to the CHF is authorised for its
 * originator (the ACB acting for a user); the same use case sent by the user
 * itself, by the ACB for a role the row does not name, or by a party of any
 * other role is refused; the PROVISIONAL SECMP0038 commands keep their one role.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { PROVISIONAL_MESSAGE_CODES } from '../../gbcs/codes/provisional.ts';
import { decodeMessage, type GbcsMessage, loadKeyStoreDir } from '../../gbcs/index.ts';
import { roleOfOu, useCaseByCode } from '../../gbcs/use-cases/index.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { chfAuthority } from './authority.ts';

const ks = loadKeyStoreDir(RTDS_KEYSTORE);
const toChf = rtdsMessages()
  .filter((m) => m.kind === 'COMMAND')
  .map((m) => ({ m, d: decodeMessage(m.bytes) }))
  .filter(({ d }) => d.recipient === RTDS_DEVICES.chf);

describe('CHF authorisation from the catalogue role table', () => {
  it('every RTDS command to the CHF is authorised for its originator', () => {
    assert.ok(toChf.length >= 20, `${toChf.length} commands`);
    for (const { m, d } of toChf) {
      const v = chfAuthority(ks, d);
      assert.ok(v.ok, `${m.name}: ${v.ok ? '' : v.detail}`);
    }
  });

  it('the same use cases from any party directly, or from the ACB for a role the row does not name, are refused', () => {
    for (const { m, d } of toChf) {
      const row = useCaseByCode(d.messageCode)!;
      for (const eui of Object.values(RTDS_PARTIES)) {
        const direct: GbcsMessage = {
          ...d,
          originator: eui,
          otherInfo: { ...d.otherInfo, supplementaryRemotePartyId: null },
        };
        const role = ks.role(eui);
        const r = typeof role === 'number' ? roleOfOu(role) : undefined;
        const expected = r !== undefined && row.roles.includes(r);
        assert.equal(chfAuthority(ks, direct).ok, expected, `${m.name} directly from ${eui}`);
      }
      const viaAcb = (party: string): GbcsMessage => ({
        ...d,
        originator: RTDS_PARTIES.acb,
        otherInfo: { ...d.otherInfo, supplementaryRemotePartyId: party, certificate: null },
      });
      const acbFor = row.acbOnBehalfOf ?? [];
      assert.equal(
        chfAuthority(ks, viaAcb(RTDS_PARTIES.loadController)).ok,
        acbFor.includes('loadController'),
        `${m.name}: the ACB for a load controller`,
      );
      assert.equal(
        chfAuthority(ks, viaAcb(RTDS_PARTIES.networkOperator)).ok,
        acbFor.includes('networkOperator'),
        `${m.name}: the ACB for a network operator`,
      );
      assert.equal(
        chfAuthority(ks, viaAcb('90B3D51F300A0000')).ok,
        acbFor.length > 0,
        `${m.name}: the ACB vouches for a party the CHF has no certificate of`,
      );
    }
  });

  it('the PROVISIONAL commands come from their one role', () => {
    const base = toChf[0].d;
    const from = (eui: string, code: number): GbcsMessage => ({
      ...base,
      originator: eui,
      messageCode: code,
      otherInfo: { ...base.otherInfo, messageCode: code, supplementaryRemotePartyId: null },
    });
    for (const p of PROVISIONAL_MESSAGE_CODES) {
      const own = p.originatorRole === 'acb' ? RTDS_PARTIES.acb : RTDS_PARTIES.wanProvider;
      const other = p.originatorRole === 'acb' ? RTDS_PARTIES.wanProvider : RTDS_PARTIES.acb;
      assert.equal(chfAuthority(ks, from(own, p.code)).ok, true, p.useCase);
      assert.equal(chfAuthority(ks, from(other, p.code)).ok, false, p.useCase);
      assert.equal(chfAuthority(ks, from(RTDS_PARTIES.supplier, p.code)).ok, false, p.useCase);
    }
  });
});
