/**
 * Security credentials on the ESME (issue 12): CS02b / CS02g replace Trust
 * Anchor cell certificates and CS02f / CS02a then report them (read after
 * write); future-dated updates run at their time and raise the RTDS 8F66 /
 * 8F67 alert payloads; a cancellation removes the pending one; the replaced
 * cells survive snapshot / restore; an update the device cannot apply
 * changes nothing. RTDS commands, RTDS key store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeCommand, decodeResponse, encodeCommand, useCaseByCode } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { rebuildCommand } from '../meter-common/test-support.ts';
import { esmeTestRig, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const fixture = (suffix: string) => rtdsFixture(suffix);

function meter() {
  const m = rig.meter();
  return { ...m, send: m.deliver };
}

type Details = Array<{
  targetRemotePartyRole: number;
  status: number;
  remotePartySeqNumber?: number;
  trustAnchorCells?: Array<{
    keyUsage: string;
    cellUsage?: number;
    subjectUniqueID: string;
    subjectKeyIdentifier: string;
  }>;
}>;

function details(r: ReturnType<ReturnType<typeof meter>['send']>): Details {
  assert.ok(r.response, 'a response');
  return decodeResponse('CS02f', r.response.content).fields as Details;
}

const SUPPLIER_CELLS_RTDS = ['44899792D196F4B8', '405B8C62687D8F70', '41FB49221588C570'];
const SUPPLIER_CELLS_NEW = ['43046B4FB7C4F11B', '429667C1B8BB1E34', '4EB07A1BCA0DD58C'];

describe('ESME security credentials (CS02a/b/f/g)', () => {
  it('CS02b replaces the supplier cells; CS02f then reports the new certificates (read after write)', () => {
    const { esme, send } = meter();
    const before = details(send(fixture('CS02fMAC_6.24.1_SUCCESS_COMMAND_GBCS.HEX')));
    assert.deepEqual(
      before[0]!.trustAnchorCells!.map((c) => c.subjectKeyIdentifier),
      SUPPLIER_CELLS_RTDS,
    );
    const r = send(fixture('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(r.ev?.reason, 'OK');
    // the next CS02f (ACB counter 1303, roles [5]) is the ERROR example: re-send the SUCCESS one with a higher counter
    const base = decodeMessage(fixture('CS02fMAC_6.24.1_SUCCESS_COMMAND_GBCS.HEX'));
    const after = details(
      send(rebuildCommand(rig.profile.remote, base, { counter: base.originatorCounter + 10n })),
    );
    assert.deepEqual(
      after[0]!.trustAnchorCells!.map((c) => c.subjectKeyIdentifier),
      SUPPLIER_CELLS_NEW,
    );
    assert.deepEqual(after[1], before[1], 'the load controller cells are untouched');
    assert.equal(esme.stateView.credentials.seqNumbers['2'], 0);
  });

  it('a replacement certificate that does not chain to the Root is not taken (status 10); the others are', () => {
    const { esme, send } = meter();
    const r = send(fixture('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_ERROR_COMMAND_GBCS.HEX'));
    assert.equal(r.ev?.reason, 'FAILED');
    const out = decodeResponse('CS02bSupplierBySupplier', r.response!.content).fields as {
      executionOutcome: { replacementOutcomes: Array<{ status: number }> };
    };
    assert.deepEqual(
      out.executionOutcome.replacementOutcomes.map((o) => o.status),
      [0, 10, 0],
    );
    const cell = esme.snapshot().state.credentials.replaced;
    assert.deepEqual(Object.keys(cell).sort(), ['supplier/ds', 'supplier/prepaymentKa']);
  });

  it('CS02g with a tampered CA certificate replaces nothing', () => {
    const { esme, send } = meter();
    const r = send(fixture('CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_ERROR_COMMAND_GBCS.HEX'));
    assert.equal(r.ev?.reason, 'FAILED');
    assert.deepEqual(esme.stateView.credentials.replaced, {});
  });

  for (const [name, alert] of [
    [
      'CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS',
      'CS02bSupplierBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX',
    ],
    [
      'CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_ERROR',
      'CS02bSupplierBySupplier_6.15.1_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX',
    ],
    [
      'CS02gLoadControllerBySupplier_6.15.1_FUTURE_DATED_SUCCESS',
      'CS02gLoadControllerBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX',
    ],
    [
      'CS02gLoadControllerBySupplier_6.15.1_FUTURE_DATED_ERROR',
      'CS02gLoadControllerBySupplier_6.15.1_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX',
    ],
    [
      'CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS',
      'CS02bSupplierByTransCoS_6.23_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX',
    ],
  ] as const) {
    it(`${name}: nothing changes until the execution time, then the RTDS alert payload`, () => {
      const { esme, clock, up, send } = meter();
      const r = send(fixture(`${name}_COMMAND_GBCS.HEX`));
      assert.equal(r.ev?.reason, 'SCHEDULED');
      assert.deepEqual(esme.stateView.credentials.replaced, {});
      assert.equal(esme.pendingFutureDated().length, 1);
      const ref = decodeMessage(fixture(alert));
      const at = esme.pendingFutureDated()[0]!.executeAt;
      clock.advance(at - clock.now() - 1000);
      assert.equal(esme.pendingFutureDated().length, 1);
      clock.advance(2000);
      const sent = up
        .take()
        .map(decodeMessage)
        .filter((m) => m.cra === 'alert');
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.messageCode, ref.messageCode);
      assert.equal(toHex(sent[0]!.content), toHex(ref.content), 'alert payload equals the RTDS one');
    });
  }

  it('a cancellation removes the pending update: nothing runs', () => {
    const { esme, clock, send } = meter();
    send(fixture('CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX'));
    const r = send(fixture('CS02bSupplierBySupplier_6.15.1_CANCELLATION_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(r.ev?.reason, 'CANCELLED');
    assert.equal(esme.pendingFutureDated().length, 0);
    clock.advance(20 * 365 * 86_400_000);
    assert.deepEqual(esme.stateView.credentials.replaced, {});
  });

  it('replaced cells survive snapshot / restore (the restored meter verifies with them)', () => {
    const a = meter();
    a.send(fixture('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'));
    const b = meter();
    b.esme.restore(a.esme.snapshot());
    const base = decodeMessage(fixture('CS02fMAC_6.24.1_SUCCESS_COMMAND_GBCS.HEX'));
    const d = details(
      b.send(rebuildCommand(rig.profile.remote, base, { counter: base.originatorCounter + 10n })),
    );
    assert.deepEqual(
      d[0]!.trustAnchorCells!.map((c) => c.subjectKeyIdentifier),
      SUPPLIER_CELLS_NEW,
    );
  });

  it("an update whose mode is not its Message Code's is malformed (8F1E) and changes nothing", () => {
    const { esme, send } = meter();
    const base = decodeMessage(fixture('CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'));
    const row = useCaseByCode(base.messageCode)!;
    const f = structuredClone(decodeCommand(row, base.content).fields) as {
      authorisingRemotePartyControl: { credentialsReplacementMode: number };
    };
    f.authorisingRemotePartyControl.credentialsReplacementMode = 7;
    const content = encodeCommand(row, f as never, { originatorCounter: base.originatorCounter });
    const before = esme.snapshot();
    const r = send(rebuildCommand(rig.profile.remote, base, { content }));
    assert.equal(r.ev?.reason, 'FAILED');
    assert.equal(r.alerts.length, 1);
    assert.deepEqual(esme.snapshot().state.credentials, before.state.credentials);
  });
});
