/**
 * The DSP's trust-anchor check (signer-cells.ts): a device SR is refused with
 * E11 exactly where the target's device type holds no Trust Anchor cell for
 * the command's originator (devices/security TRUST_ANCHOR_CELLS_OF, the
 * devices' table); then through the service: the refused request leaves no
 * request row, downlink command or outbox row, and does not move the counter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ESME,
  GSME,
  openTestDsp,
  PPMID,
  type TestDsp,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import type { DeviceType } from '../../devices/contracts.ts';
import { TRUST_ANCHOR_CELLS_OF } from '../../devices/security/credentials.ts';
import type { RemotePartyRole } from '../../gbcs/use-cases/index.ts';
import { endpointForCommandVariant } from './service.ts';
import { signerCellRefusal } from './signer-cells.ts';
import { srvListing } from './srv-listing.ts';
import { dspDb } from './tables.ts';

/** (SRV, target type, the user's GBCS role, the command's originator by GBCS/RTDS): read by hand, not derived. */
const PAIRS: readonly (readonly [
  srv: string,
  type: DeviceType,
  user: RemotePartyRole,
  signer: RemotePartyRole,
])[] = [
  ['6.17', 'PPMID', 'supplier', 'acb'], // CS02c, critical: no supplier cell, the ACB originates and signs
  ['6.17', 'PPMID', 'networkOperator', 'networkOperator'], // the role table lets the ACB act for suppliers only
  ['6.17', 'ESME', 'supplier', 'supplier'],
  ['6.17', 'GSME', 'supplier', 'supplier'],
  ['6.17', 'CHF', 'supplier', 'supplier'], // the CHF: no cell list, every cell
  ['6.15.1', 'PPMID', 'supplier', 'supplier'], // CS02b supplier by supplier: the KRP signs, no ACB path
  ['6.15.1', 'GPF', 'supplier', 'supplier'],
  ['6.15.2', 'PPMID', 'supplier', 'acb'], // CS02d through the ACB
  ['6.15.2', 'ESME', 'supplier', 'supplier'],
  ['6.24.2', 'PPMID', 'supplier', 'acb'], // CS02e through the ACB
  ['6.24.2', 'GSME', 'networkOperator', 'networkOperator'],
  ['6.24.1', 'PPMID', 'supplier', 'acb'], // CS02f: the ACB MACs it
  ['6.21', 'PPMID', 'supplier', 'acb'], // CS02b NO handover: the ACB signs
  ['6.23', 'PPMID', 'supplier', 'transitionalCoS'], // CS02b by the transitional CoS party
  ['6.23', 'ESME', 'supplier', 'transitionalCoS'],
  ['8.7.2', 'PPMID', 'supplier', 'acb'], // CS03A2 / CS03C: the ACB signs
  ['8.7.2', 'HCALCS', 'supplier', 'acb'],
  ['8.8.2', 'PPMID', 'supplier', 'acb'], // CS04AC
  ['8.8.2', 'HCALCS', 'supplier', 'acb'],
  ['11.2', 'PPMID', 'supplier', 'acb'], // CS08
  ['11.2', 'HCALCS', 'supplier', 'acb'],
];

describe('DSP trust-anchor check (table)', () => {
  for (const [srv, type, user, signer] of PAIRS) {
    const cells = TRUST_ANCHOR_CELLS_OF[type] as readonly string[] | undefined;
    const missing = cells !== undefined && !cells.includes(signer);
    it(`${srv} to a ${type} from a ${user} (originator ${signer}): ${missing ? 'refused' : 'built'}`, () => {
      const why = signerCellRefusal(srv, type, [user]);
      assert.equal(why !== undefined, missing, why);
      if (why) assert.match(why, new RegExp(`holds no ${signer} Trust Anchor cell`));
    });
  }

  it("the PPMID refusals are 6.15.1, 6.23 and a network operator's 6.17; the HCALCS takes every ACB SRV", () => {
    const refused = PAIRS.filter(([s, t, u]) => signerCellRefusal(s, t, [u])).map(
      ([s, t, u]) => `${s} ${t} ${u}`,
    );
    assert.deepEqual(refused, ['6.17 PPMID networkOperator', '6.15.1 PPMID supplier', '6.23 PPMID supplier']);
    // the refusal says why the ACB does not stand in (the role table's ACB parties)
    assert.match(
      signerCellRefusal('6.15.1', 'PPMID', ['supplier']) ?? '',
      /nor may the ACB send it for a supplier \(role table.*CS02bSupplierBySupplier ACB on behalf of none/,
    );
  });

  it('`dsp srs --json` states the refusal per SRV (trustAnchorRefusal)', () => {
    const by = new Map(
      srvListing().map((o) => [o.srv as string, o.trustAnchorRefusal as string | undefined]),
    );
    for (const srv of ['6.15.1', '6.23']) {
      assert.match(
        by.get(srv) ?? '',
        /^refused with E11 \(DSP_DEVICE_TYPE_MISMATCH\): SR [\d.]+ to a PPMID/,
        srv,
      );
      assert.doesNotMatch(by.get(srv) ?? '', /to a (ESME|GSME|CHF|GPF)\b/, srv);
    }
    for (const srv of ['6.15.2', '6.17', '6.24.2', '6.24.1', '6.21', '8.7.2', '8.8.2', '11.2', '4.1.1'])
      assert.equal(by.get(srv), undefined, srv);
  });
});

describe('DSP trust-anchor check (service): a refused request leaves nothing behind', () => {
  let t: TestDsp;
  let counter = 7_000_000n;
  before(async () => {
    t = await openTestDsp('sqlite');
  });
  after(async () => t.close());

  const rows = async () => {
    const db = dspDb(t.store.db);
    const n = async (table: 'dsp_requests' | 'dsp_device_messages' | 'dsp_outbox') =>
      (
        await db
          .selectFrom(table)
          .select((e) => e.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    return {
      requests: Number(await n('dsp_requests')),
      messages: Number(await n('dsp_device_messages')),
      outbox: Number(await n('dsp_outbox')),
    };
  };

  for (const [file, srv] of [
    ['CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML', '6.15.1'],
  ] as const)
    it(`${srv} to the PPMID: E11, no row, no command; to the ESME and GSME: taken`, async () => {
      await t.dsp.flush();
      const before = await rows();
      const sent = t.downlink.sent.length;
      const outbox = t.dsp.outbox.size;
      const to = (target: string, c: bigint) =>
        t.dsp.handleRequest(
          endpointForCommandVariant(4),
          templateRequest(file, { counter: c, target, cv: 4 }),
        );
      const refused = to(PPMID, ++counter);
      assert.equal(refused.responseCode, 'E11', refused.body.slice(0, 300));
      await t.dsp.flush();
      assert.deepEqual(await rows(), before, 'no request, message or outbox row');
      assert.equal(t.downlink.sent.length, sent, 'no command sent');
      assert.equal(t.dsp.outbox.size, outbox);
      // the counter did not move: the same counter is taken for a device that holds the cell
      for (const target of [ESME, GSME]) {
        const ok = to(target, counter);
        assert.notEqual(ok.responseCode, 'E11', `${srv} ${target}: ${ok.body.slice(0, 300)}`);
        assert.ok(
          ok.responseCode === undefined || !ok.responseCode.startsWith('E'),
          `${srv} ${target}: ${ok.responseCode}`,
        );
        counter++;
      }
      await t.dsp.flush();
      assert.ok((await rows()).requests > before.requests, 'the accepted requests are recorded');
    });
});
