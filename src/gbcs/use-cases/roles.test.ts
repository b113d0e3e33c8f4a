/**
 * The role table's confirmation (rows/roles.ts, docs/use-cases.md "Roles"):
 * which entries are read in GBCS text, that each says where, and that the
 * rest say why they are not. Authorisation by these sets is tested in
 * rtds.test.ts and devices/security/security.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GBCS_ROLE_OF_USER_ROLE } from '../../dcc/dsp/access.ts';
import { srvEntry } from '../../dcc/dsp/srv-table.ts';
import { authorise } from './authority.ts';
import { useCaseById, useCaseRows } from './index.ts';
import { LATER_TABLE, ROLE_TABLE } from './rows/roles.ts';

/** How GBCS's use-case tables name each role ("Use Case access permissions"). */
const TABLE_NAME: Readonly<Record<string, string>> = {
  supplier: 'Supplier',
  networkOperator: 'Network Operator',
  acb: 'Access Control Broker',
  transitionalCoS: 'Transitional',
  wanProvider: 'WAN Provider',
  loadController: 'Load Controller',
  recovery: 'Recovery',
  root: 'Root',
  otherUser: 'Other User',
  device: 'HAN Only Message',
};
const V31 = 'GBCS V3.1 use-case table: ';
/** The roles a use-case table note lists (V3.1's or the later file's), or undefined for other notes. */
const listedIn = (note: string): string | undefined => {
  const prefix = [V31, LATER_TABLE].find((p) => note.startsWith(p));
  return prefix === undefined ? undefined : note.slice(prefix.length).split(';')[0]!;
};

describe('role table confirmation', () => {
  it('every GBCS-text entry names its GBCS section or table', () => {
    const confirmed = Object.entries(ROLE_TABLE).filter(([, e]) => e.confirmed === 'gbcs-text');
    for (const [uc, e] of confirmed) assert.match(e.note, /^GBCS /, uc);
    const fromTables = confirmed.filter(([, e]) => e.note.startsWith(V31)).length;
    console.log(
      `role entries confirmed from GBCS text: ${confirmed.length} (${fromTables} from the V3.1 use-case tables)`,
    );
  });

  it("a use-case table entry's roles are the roles its note says the table lists", () => {
    let later = 0;
    for (const [uc, e] of Object.entries(ROLE_TABLE)) {
      const listed = listedIn(e.note);
      if (listed === undefined) continue;
      if (e.note.startsWith(LATER_TABLE)) later++;
      assert.equal(e.confirmed, 'gbcs-text', uc);
      const conflict = /conflict/i.test(e.note);
      for (const r of e.roles)
        assert.ok(listed.includes(TABLE_NAME[r]!), `${uc}: ${r} is not in "${listed}"`);
      if (!conflict)
        for (const [role, name] of Object.entries(TABLE_NAME))
          if (role !== 'acb' && role !== 'device' && listed.includes(name))
            assert.ok(e.roles.includes(role as never), `${uc}: the table lists ${name}, roles lack ${role}`);
      const viaAcb = (e.acb ?? []).length > 0;
      if (viaAcb)
        assert.ok(listed.includes(TABLE_NAME.acb!), `${uc}: ACB parties but the table lists no ACB`);
    }
    // ECS46d, ECS47a, ECS47e, ECS61d, ECS61e, ECS35g, GCS24a: V3.1 has no table for them, the later file does
    assert.equal(later, 7);
  });

  it('a use-case table entry whose table lists the ACB lets it act for every DUIS eligible user of its SRVs; one whose table does not, for none', () => {
    let listing = 0;
    for (const [uc, e] of Object.entries(ROLE_TABLE)) {
      const listed = listedIn(e.note);
      if (listed === undefined) continue;
      const acb = e.acb ?? [];
      if (!listed.includes(TABLE_NAME.acb!)) {
        assert.deepEqual(acb, [], `${uc}: the table lists no ACB`);
        continue;
      }
      listing++;
      const srvs = new Set(
        useCaseRows()
          .filter((r) => r.useCase === uc && r.kind === 'command')
          .flatMap((r) => r.srvs),
      );
      for (const srv of srvs)
        for (const userRole of srvEntry(srv)?.roles ?? []) {
          const role = GBCS_ROLE_OF_USER_ROLE[userRole];
          if (role)
            assert.ok(
              acb.includes(role),
              `${uc}: DUIS ${srv} lets ${userRole} send it, the ACB may not act for ${role}`,
            );
        }
    }
    assert.ok(listing > 0);
  });

  it('every other entry is unconfirmed and its note says it is', () => {
    for (const [uc, e] of Object.entries(ROLE_TABLE)) {
      if (e.confirmed === 'gbcs-text') continue;
      assert.equal(e.confirmed, 'unconfirmed', uc);
      assert.match(e.note, /not confirmed|inferred/, uc);
    }
  });

  it('every command row carries its entry; the counts the docs give', () => {
    const commands = useCaseRows().filter((r) => r.kind === 'command');
    for (const r of commands) {
      const e = ROLE_TABLE[r.useCase];
      assert.ok(e, r.useCase);
      assert.equal(r.rolesConfirmed, e.confirmed, r.useCase);
      assert.deepEqual(r.roles, e.roles, r.useCase);
    }
    const confirmed = commands.filter((r) => r.rolesConfirmed === 'gbcs-text').length;
    console.log(
      `role sets: ${confirmed} confirmed from GBCS text, ${commands.length - confirmed} unconfirmed`,
    );
    const entries = Object.values(ROLE_TABLE).filter((e) => e.confirmed === 'gbcs-text').length;
    assert.equal(confirmed, entries);
  });

  it('a V3.1 entry whose table lists only the ACB has no direct sender and names the parties the ACB acts for', () => {
    for (const [uc, e] of Object.entries(ROLE_TABLE)) {
      if (!e.note.startsWith(`${V31}Access Control Broker;`)) continue;
      assert.deepEqual(e.roles, [], uc);
      assert.ok((e.acb ?? []).length > 0, uc);
    }
    // Send CIN (GBCS V3.1: the ACB alone): the DCC sends it for the supplier, never the supplier itself
    for (const uc of ['ECS50', 'GCS36']) {
      assert.deepEqual(useCaseById(uc)?.roles, [], uc);
      assert.deepEqual(useCaseById(uc)?.acbOnBehalfOf, ['supplier'], uc);
    }
  });

  it('ECS35g and GCS24a follow their tables in the later use-case file (c5d22f4e)', () => {
    // ECS35g Read Auxiliary Controller Event Log: Supplier, Network Operator, Load Controller, no ACB
    assert.deepEqual(useCaseById('ECS35g')?.roles, ['supplier', 'networkOperator', 'loadController']);
    assert.equal(useCaseById('ECS35g')?.acbOnBehalfOf, undefined);
    assert.equal(useCaseById('ECS35g')?.rolesConfirmed, 'gbcs-text');
    // GCS24a Set Uncontrolled Gas Flow Rate at greater resolution ...: Supplier only
    assert.deepEqual(useCaseById('GCS24a')?.roles, ['supplier']);
    assert.equal(useCaseById('GCS24a')?.acbOnBehalfOf, undefined);
    assert.equal(useCaseById('GCS24a')?.rolesConfirmed, 'gbcs-text');
  });

  it('a GBCS-confirmed CS02b mode names only the party that signs it', () => {
    assert.deepEqual(useCaseById('CS02bSupplierByTransCoS')?.roles, ['transitionalCoS']);
    assert.deepEqual(useCaseById('CS02bACBByACB')?.roles, ['acb']);
    assert.equal(useCaseById('CS02bACBByACB')?.acbOnBehalfOf, undefined);
    assert.deepEqual(useCaseById('PECS02')?.roles, ['device']);
  });

  it('CS02f: the ACB sends it for itself (RTDS) and for the DUIS 6.24.1 eligible users (PROVISIONAL)', () => {
    const row = useCaseById('CS02f')!;
    assert.equal(authorise(row, { via: 'direct', role: 'acb' }).ok, true);
    // what the DSP sends for a supplier's or network operator's 6.24.1: the ACB, the user as Supplementary Remote Party
    for (const onBehalfOf of ['supplier', 'networkOperator'] as const)
      assert.equal(authorise(row, { via: 'acb', onBehalfOf, partyKnown: true }).ok, true, onBehalfOf);
    assert.equal(authorise(row, { via: 'acb', onBehalfOf: 'otherUser', partyKnown: false }).ok, false);
    assert.equal(authorise(row, { via: 'direct', role: 'supplier' }).ok, false);
    for (const user of srvEntry('6.24.1')!.roles) {
      const role = GBCS_ROLE_OF_USER_ROLE[user];
      assert.ok(row.acbOnBehalfOf?.includes(role as never), `${user} (${role})`);
    }
    assert.match(row.rolesNote ?? '', /PROVISIONAL/);
  });
});
