import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromSqlBool, sqlBool, u64FromText, u64ToText } from './columns.ts';
import { fromJsonText, toJsonText } from './json.ts';
import { maskUrl, openStore } from './open.ts';
import { postgresSkipReason } from './testing.ts';

describe('store conventions', () => {
  it('u64 TEXT: fixed 20 digits, lexical order is numeric order, range checked', () => {
    assert.equal(u64ToText(0n), '00000000000000000000');
    assert.equal(u64ToText(2n ** 64n - 1n), '18446744073709551615');
    assert.equal(u64FromText('18446744073709551615'), 2n ** 64n - 1n);
    assert.ok(u64ToText(9n) < u64ToText(10n));
    assert.throws(() => u64ToText(-1n), { code: 'STORE_VALUE_OUT_OF_RANGE' });
    assert.throws(() => u64ToText(2n ** 64n), { code: 'STORE_VALUE_OUT_OF_RANGE' });
    assert.throws(() => u64FromText('18446744073709551616'), { code: 'STORE_VALUE_OUT_OF_RANGE' });
    assert.throws(() => u64FromText('12'), { code: 'STORE_VALUE_OUT_OF_RANGE' });
  });

  it('booleans as 0/1', () => {
    assert.equal(sqlBool(true), 1);
    assert.equal(sqlBool(false), 0);
    assert.equal(fromSqlBool(1), true);
    assert.equal(fromSqlBool(0), false);
    assert.equal(fromSqlBool(null), false);
  });

  it('JSON text keeps bigints and bytes, and leaves look-alike objects with more keys alone', () => {
    const v = {
      c: 2n ** 64n - 1n,
      b: new Uint8Array([0xde, 0xad]),
      buf: Buffer.from([1]),
      o: { $bigint: '1', x: 1 },
    };
    const text = toJsonText(v);
    assert.equal(
      text,
      '{"c":{"$bigint":"18446744073709551615"},"b":{"$hex":"DEAD"},"buf":{"$hex":"01"},"o":{"$bigint":"1","x":1}}',
    );
    const back = fromJsonText<typeof v>(text);
    assert.equal(back.c, 2n ** 64n - 1n);
    assert.deepEqual(back.b, new Uint8Array([0xde, 0xad]));
    assert.deepEqual(back.o, { $bigint: '1', x: 1 });
  });

  it('masks passwords in URLs it prints', () => {
    assert.equal(maskUrl('postgres://u:secret@h:5432/db'), 'postgres://u:***@h:5432/db');
    assert.equal(maskUrl('postgres://127.0.0.1/db'), 'postgres://127.0.0.1/db');
  });

  it('refuses an unknown DATABASE_URL scheme, and reports an unreachable PostgreSQL with its URL', async () => {
    await assert.rejects(openStore({ databaseUrl: 'mysql://x/y' }), { code: 'STORE_CONFIG' });
    await assert.rejects(
      openStore({ databaseUrl: 'postgres://u:pw@127.0.0.1:1/nodb' }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORE_UNREACHABLE');
        assert.match(err.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(err.message, /pw/);
        return true;
      },
    );
  });

  it('opens an explicit sqlite::memory: store', async () => {
    const s = await openStore({ databaseUrl: 'sqlite::memory:' });
    assert.equal(s.dialect, 'sqlite');
    assert.equal(s.location, ':memory:');
    await s.close();
  });

  it('PostgreSQL tests are skipped only on explicit request', () => {
    assert.equal(postgresSkipReason({}), undefined);
    assert.equal(postgresSkipReason({ PPMID_SKIP_POSTGRES: '0' }), undefined);
    assert.match(postgresSkipReason({ PPMID_SKIP_POSTGRES: '1' }) ?? '', /PPMID_SKIP_POSTGRES=1/);
  });
});
