/**
 * Table-driven over every RTDS message (COMMAND, PRECOMMAND, RESPONSE, ALERT;
 * SUCCESS and ERROR variants): its payload decodes into named fields from
 * its catalogue row, with no unnamed remainder (the engine rejects anything
 * its row does not name), and encode(decode(payload)) gives the same bytes.
 * Messages whose family has no rows yet are listed below as expected-pending:
 * the list must shrink, never hide a message (a row appearing for a pending
 * use case, or a message with no row outside the list, fails).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import { bytesEqual } from '../../runtime/bytes.ts';
import { decode } from '../decode.ts';
import { loadKeyStoreDir } from '../keystore-dir.ts';
import type { GbcsMessage } from '../types.ts';
import {
  authorise,
  decodeNamedPayload,
  encodeNamed,
  mayOriginate,
  type OriginatorPlacement,
  type RemotePartyRole,
  roleOfOu,
  UseCaseUnknownError,
  useCaseByCode,
} from './index.ts';

/**
 * Use cases whose payload family (GBZ: GSME/GPF; ASN.1 DER) has no catalogue
 * rows yet (issue 11, `gbz` helper). `(gbz)` marks the GBZ variant of a row
 * that exists for DLMS (generic alerts).
 */
const PENDING = new Set<string>([]);

import { lookupMessageCode } from '../codes/message-codes.ts';

const CRA = { COMMAND: 'command', PRECOMMAND: 'command', RESPONSE: 'response', ALERT: 'alert' } as const;
const tally = { named: 0, identical: 0, pending: 0 };
const pendingSeen = new Set<string>();

function pendingKey(msg: GbcsMessage): string | undefined {
  const row = useCaseByCode(msg.messageCode);
  if (!row) return lookupMessageCode(msg.messageCode)?.useCase ?? `0x${msg.messageCode.toString(16)}`;
  return undefined;
}

describe('catalogue over RTDS: named fields, no remainder, byte-exact', () => {
  after(() => {
    console.log(
      `# RTDS catalogue tally: ${tally.named} decoded to named fields, ${tally.identical} round-trip identical, ${tally.pending} pending (${pendingSeen.size} use cases of families without rows)`,
    );
  });
  for (const m of rtdsMessages()) {
    it(m.name, () => {
      const msg = decode(m.bytes) as GbcsMessage;
      const key = pendingKey(msg);
      if (key !== undefined) {
        assert.ok(PENDING.has(key), `${key} has no catalogue row and is not expected-pending`);
        assert.throws(
          () => decodeNamedPayload(msg.messageCode, CRA[m.kind as keyof typeof CRA], msg.content),
          UseCaseUnknownError,
        );
        tally.pending++;
        pendingSeen.add(key);
        return;
      }
      const named = decodeNamedPayload(msg.messageCode, CRA[m.kind as keyof typeof CRA], msg.content);
      tally.named++;
      assert.ok(named.fields !== undefined);
      assert.ok(bytesEqual(encodeNamed(named), msg.content), 'encode(decode(payload)) === payload');
      // the named form survives JSON (the CLI's --json and payload encode --fields)
      const again = JSON.parse(JSON.stringify(named, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
      assert.ok(bytesEqual(encodeNamed(again), msg.content), 'JSON round trip');
      tally.identical++;
    });
  }
  it('the expected-pending list names only use cases still without rows', () => {
    for (const k of PENDING)
      assert.ok(pendingSeen.has(k), `${k} is listed pending but now decodes (remove it)`);
  });
});

describe('roles: every RTDS command originator is allowed by its row (the one role table, rows/roles.ts)', () => {
  const keys = loadKeyStoreDir(RTDS_KEYSTORE);
  const roleOf = (eui: string) => {
    const ou = keys.role(eui);
    assert.ok(typeof ou === 'number', `no remote-party certificate for ${eui}`);
    return roleOfOu(ou) ?? null;
  };
  for (const m of rtdsMessages().filter((x) => x.kind === 'COMMAND' || x.kind === 'PRECOMMAND')) {
    const msg = decode(m.bytes) as GbcsMessage;
    const row = useCaseByCode(msg.messageCode);
    it(m.name, () => {
      assert.ok(row, `catalogue row for 0x${msg.messageCode.toString(16)}`);
      assert.ok(row.rolesNote, `${row.useCase}: says where its roles come from`);
      const supp = msg.otherInfo.supplementaryRemotePartyId;
      // the ACB originates on a party's behalf: that party is the Supplementary Remote Party (GBCS.md 2)
      const placement: OriginatorPlacement =
        supp !== null
          ? { via: 'acb', onBehalfOf: roleOf(supp), partyKnown: false }
          : // device-to-device commands on the HAN (PCS01/PCS02 from the PPMID): the initiating device
            /^00DB/.test(msg.originator)
            ? { via: 'direct', role: 'device' }
            : { via: 'direct', role: roleOf(msg.originator) };
      if (supp !== null) assert.equal(roleOf(msg.originator), 'acb', 'only the ACB acts for another party');
      const v = authorise(row, placement);
      assert.ok(v.ok, `${row.useCase}: ${v.ok ? '' : v.detail}`);
      assert.ok(
        mayOriginate(
          row.code,
          placement.via === 'direct' ? placement.role! : (placement.onBehalfOf as RemotePartyRole),
        ),
      );
    });
  }
});
