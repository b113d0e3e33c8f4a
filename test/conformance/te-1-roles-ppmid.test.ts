/**
 * Issue 12 (roles): commands GBCS lets their originator run are not refused
 * NO_AUTHORITY when they reach the ESME through the PPMID, and the same
 * commands from a role the catalogue does not allow are refused NO_AUTHORITY
 * (alert 8F30) on the same route: the ESME authorises from the catalogue's
 * role table (gbcs/use-cases/rows/roles.ts) like every device.
 *
 * The named use cases (network operator ECS57, ECS25r2, ECS29c, ECS29e;
 * export supplier ECS39b through the ACB; transitional CoS CS02b; load
 * controller ECS47a) have no RTDS example in ../shared: each command is
 * built here with the RTDS parties' keys (ACB MAC; the originator's
 * signature for critical ones) around the payload of the RTDS example of
 * the nearest use case. The ESME then either runs it or answers with a
 * GBCS response of its own (the payload shape is the ESME's business, not
 * this test's); what is asserted is the security verdict.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { RTDS_PARTIES } from '../../src/devices/security/credentials.ts';
import {
  decodeMessage,
  encodeApdu,
  type GbcsMessage,
  SecurityContext,
  signApdu,
} from '../../src/gbcs/index.ts';
import { useCaseById } from '../../src/gbcs/use-cases/index.ts';
import type { Eui } from '../../src/runtime/bytes.ts';
import { byName } from '../support/atps-harness.ts';

interface Case {
  useCase: string;
  /** RTDS command whose payload and counter the built command borrows */
  base: string;
  /** header originator; `acbFor`: the ACB acting for that party (Supplementary Remote Party ID) */
  from: Eui;
  acbFor?: Eui;
  /** a role the row does not allow, for the refusal */
  wrong: Eui;
}

const CASES: Case[] = [
  {
    useCase: 'ECS57',
    base: 'ECS37_6.18.1',
    from: RTDS_PARTIES.networkOperator,
    wrong: RTDS_PARTIES.supplier,
  },
  {
    useCase: 'ECS25r2',
    base: 'ECS25r1_6.2.10',
    from: RTDS_PARTIES.networkOperator,
    wrong: RTDS_PARTIES.supplier,
  },
  { useCase: 'ECS29c', base: 'ECS29a_6.5', from: RTDS_PARTIES.networkOperator, wrong: RTDS_PARTIES.supplier },
  {
    useCase: 'ECS29e',
    base: 'ECS29f_6.27',
    from: RTDS_PARTIES.networkOperator,
    wrong: RTDS_PARTIES.supplier,
  },
  {
    useCase: 'ECS39b',
    base: 'ECS16_3.4',
    from: RTDS_PARTIES.acb,
    acbFor: RTDS_PARTIES.supplier2,
    wrong: RTDS_PARTIES.networkOperator,
  },
  // GBCS V3.1 lists only the ACB for ECS39b: the supplier sending it itself is refused
  {
    useCase: 'ECS39b',
    base: 'ECS16_3.4',
    from: RTDS_PARTIES.acb,
    acbFor: RTDS_PARTIES.supplier2,
    wrong: RTDS_PARTIES.supplier,
  },
  {
    useCase: 'CS02bTransCoSByTransCoS',
    base: 'CS02bSupplierByTransCoS_6.23',
    from: RTDS_PARTIES.transitionalCoS,
    wrong: RTDS_PARTIES.supplier,
  },
  // the later GBCS use-case file lists the Supplier only for ECS47a, the Load Controller only for ECS47e (7.16)
  {
    useCase: 'ECS47e',
    base: 'ECS47a_7.13',
    from: RTDS_PARTIES.loadController,
    wrong: RTDS_PARTIES.networkOperator,
  },
  {
    useCase: 'ECS47a',
    base: 'ECS47a_7.13',
    from: RTDS_PARTIES.supplier,
    wrong: RTDS_PARTIES.loadController,
  },
];

describe('TE-1 roles through the PPMID: the catalogue role table decides, GBCS-allowed roles are not refused', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const profile = await atps.profile('rtds');
  const ctx = new SecurityContext({ keyStore: profile.world, acb: profile.acb });

  const build = (c: Case, from: Eui, acbFor?: Eui): Uint8Array => {
    const row = useCaseById(c.useCase);
    assert.ok(row, c.useCase);
    const base: GbcsMessage = decodeMessage(byName(`${c.base}`).bytes);
    const apdu = encodeApdu({
      cra: 'command',
      originatorCounter: base.originatorCounter,
      originator: from,
      recipient: RTDS_EUIS.esme,
      dateTime: null,
      otherInfo: acbFor
        ? { messageCode: row.code, supplementaryRemotePartyId: acbFor }
        : { messageCode: row.code },
      content: base.content,
      signature: null,
    });
    const key = row.critical ? profile.world.privateKey(from, 'ds') : undefined;
    if (row.critical) assert.ok(key, `DS key of ${from}`);
    return ctx.wrap(key ? signApdu(apdu, key) : apdu);
  };

  for (const c of CASES) {
    const how = c.acbFor ? `the ACB for ${c.acbFor}` : c.from;
    it(`${c.useCase} from ${how}: not refused NO_AUTHORITY`, async () => {
      const { id } = await atps.createHome({ profile: 'rtds' });
      const [r] = atps.inject(id, 'ppmid', build(c, c.from, c.acbFor), { source: c.useCase });
      assert.equal(r.chDecision, 'delivered');
      assert.notEqual(r.deviceReason, 'NO_AUTHORITY', `${r.deviceDecision} ${r.deviceReason}`);
      assert.equal(r.deviceDecision, 'accepted', `${r.deviceReason}`);
      assert.ok(r.response, 'the ESME answered');
      atps.deleteHome(id);
    });
    it(`${c.useCase} from ${c.wrong}: refused NO_AUTHORITY`, async () => {
      const { id } = await atps.createHome({ profile: 'rtds' });
      const [r] = atps.inject(id, 'ppmid', build(c, c.wrong), { source: c.useCase });
      assert.equal(r.chDecision, 'delivered');
      assert.equal(r.deviceDecision, 'rejected');
      assert.equal(r.deviceReason, 'NO_AUTHORITY');
      atps.deleteHome(id);
    });
  }
});
