/**
 * The role table's confirmation (rows/roles.ts, docs/use-cases.md "Roles"):
 * which entries are read in GBCS text, that each says where, and that the
 * rest say why they are not. Authorisation by these sets is tested in
 * rtds.test.ts and devices/security/security.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useCaseById, useCaseRows } from './index.ts';
import { ROLE_TABLE } from './rows/roles.ts';

/** The entries confirmed from GBCS text (change this list only with a source in the entry's note). */
const GBCS_TEXT = [
  'CS01a',
  'CS01b',
  'CS02bACBByACB',
  'CS02bAnyExceptAbnormalRootByRecovery',
  'CS02bRootBySupplier',
  'CS02bRootByWanProvider',
  'CS02bSupplierBySupplier',
  'CS02bSupplierByTransCoS',
  'CS02bTransCoSByTransCoS',
  'CS02bWPByWP',
  'PCS02',
  'PECS02',
].sort();

describe('role table confirmation', () => {
  it('exactly the GBCS-text entries are confirmed, each naming its GBCS section or table', () => {
    const confirmed = Object.entries(ROLE_TABLE)
      .filter(([, e]) => e.confirmed === 'gbcs-text')
      .map(([uc]) => uc)
      .sort();
    assert.deepEqual(confirmed, GBCS_TEXT);
    for (const uc of confirmed) assert.match(ROLE_TABLE[uc]!.note, /^GBCS /, uc);
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
    assert.equal(confirmed, GBCS_TEXT.length);
  });

  it('a GBCS-confirmed CS02b mode names only the party that signs it', () => {
    assert.deepEqual(useCaseById('CS02bSupplierByTransCoS')?.roles, ['transitionalCoS']);
    assert.deepEqual(useCaseById('CS02bACBByACB')?.roles, ['acb']);
    assert.equal(useCaseById('CS02bACBByACB')?.acbOnBehalfOf, undefined);
    assert.deepEqual(useCaseById('PECS02')?.roles, ['device']);
  });
});
