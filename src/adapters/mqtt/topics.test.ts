import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayConnect, mayPublish, mayReceive, maySubscribe } from './acl.ts';
import {
  canonicalEui,
  decodePresence,
  encodePresence,
  inboxTopic,
  isValidTopicFilter,
  isValidTopicName,
  parseClientId,
  parsePpmidTopic,
  presenceTopic,
  statusTopic,
  supplierClientId,
  topicMatches,
} from './topics.ts';

const P = '00DB1234567890A0';
const Q = '00DB1234567890A1';
const S = '90B3D51F30010000';

describe('topic layout (PP-1, SU-2)', () => {
  it('builds and parses ppmid/v1/<EUI>/<channel>', () => {
    assert.equal(inboxTopic(P), 'ppmid/v1/00DB1234567890A0/inbox');
    assert.equal(statusTopic(P), 'ppmid/v1/00DB1234567890A0/status');
    assert.equal(presenceTopic(P), 'ppmid/v1/00DB1234567890A0/presence');
    assert.deepEqual(parsePpmidTopic(inboxTopic(P)), { ppmidEui: P, channel: 'inbox' });
    for (const bad of [
      'ppmid/v1/00db1234567890a0/inbox',
      'ppmid/v2/00DB1234567890A0/inbox',
      'ppmid/v1/00DB1234567890A0/other',
      'ppmid/v1/00DB1234567890A0/inbox/x',
      'ppmid/v1/+/inbox',
    ])
      assert.equal(parsePpmidTopic(bad), undefined, bad);
  });

  it('refuses non-canonical EUIs when building, and canonicalises DUIS forms on request', () => {
    assert.throws(() => inboxTopic('00-DB-12-34-56-78-90-A0'), { code: 'MQTT_TOPIC_INVALID' });
    assert.throws(() => inboxTopic('00db1234567890a0'), { code: 'MQTT_TOPIC_INVALID' });
    assert.throws(() => inboxTopic('+'), { code: 'MQTT_TOPIC_INVALID' });
    assert.equal(canonicalEui('00-db-12-34-56-78-90-a0'), P);
    assert.throws(() => canonicalEui('00-DB'), { code: 'MQTT_TOPIC_INVALID' });
  });

  it('client ids: a PPMID is its EUI, a supplier supplier-<EUI>', () => {
    assert.deepEqual(parseClientId(P), { role: 'ppmid', eui: P });
    assert.deepEqual(parseClientId(supplierClientId(S)), { role: 'supplier', eui: S });
    assert.equal(parseClientId('supplier-xyz'), undefined);
    assert.equal(parseClientId('tool'), undefined);
  });

  it('presence documents round-trip; anything else decodes to undefined', () => {
    const p = { state: 'offline' as const, clientId: P };
    assert.deepEqual(decodePresence(encodePresence(p)), p);
    assert.equal(decodePresence(new Uint8Array(0)), undefined);
    assert.equal(decodePresence(new Uint8Array([0xff, 0xfe])), undefined);
    assert.equal(decodePresence(new TextEncoder().encode('{"state":"maybe","clientId":"x"}')), undefined);
  });
});

describe('MQTT topic syntax and wildcard matching (MQTT 3.1.1 / 5 §4.7)', () => {
  const table: [string, string, boolean][] = [
    ['a/b/c', 'a/b/c', true],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a//c', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true], // # matches the parent level
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['+/+', '/a', true],
    ['+', '/a', false],
    ['#', '$SYS/x', false], // MQTT-4.7.2-1
    ['+/x', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['a/b', 'a/b/', false],
    ['ppmid/v1/+/status', statusTopic(P), true],
    ['ppmid/v1/+/status', presenceTopic(P), false],
  ];
  for (const [f, t, want] of table)
    it(`${JSON.stringify(f)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(t)}`, () =>
      assert.equal(topicMatches(f, t), want));

  it('validates names and filters', () => {
    for (const ok of ['a', 'a/b', '/', 'a//b']) assert.ok(isValidTopicName(ok), ok);
    for (const bad of ['', 'a/+', 'a/#', 'a\u0000b']) assert.ok(!isValidTopicName(bad), bad);
    for (const ok of ['#', '+', 'a/+/b', 'a/#', '+/+']) assert.ok(isValidTopicFilter(ok), ok);
    for (const bad of ['', 'a/#/b', 'a+', 'a/b#', '#a']) assert.ok(!isValidTopicFilter(bad), bad);
  });
});

describe('internet-leg ACL (PP-1)', () => {
  const cases: [string, 'pub' | 'sub', string, 'strict' | 'open', boolean][] = [
    // a PPMID: own inbox in, own status/presence out, nothing else
    [P, 'sub', inboxTopic(P), 'strict', true],
    [P, 'sub', inboxTopic(Q), 'strict', false],
    [P, 'sub', 'ppmid/v1/+/inbox', 'strict', false],
    [P, 'sub', 'ppmid/v1/#', 'open', false],
    [P, 'sub', '#', 'open', false],
    [P, 'pub', statusTopic(P), 'strict', true],
    [P, 'pub', presenceTopic(P), 'strict', true],
    [P, 'pub', inboxTopic(P), 'strict', false],
    [P, 'pub', statusTopic(Q), 'open', false],
    [P, 'pub', 'elsewhere', 'open', false],
    // a supplier: inboxes out; status/presence in, one PPMID or all; never as a PPMID
    [supplierClientId(S), 'pub', inboxTopic(P), 'strict', true],
    [supplierClientId(S), 'pub', statusTopic(P), 'strict', false],
    [supplierClientId(S), 'pub', presenceTopic(P), 'strict', false],
    [supplierClientId(S), 'sub', 'ppmid/v1/+/status', 'strict', true],
    [supplierClientId(S), 'sub', 'ppmid/v1/+/presence', 'strict', true],
    [supplierClientId(S), 'sub', statusTopic(P), 'strict', true],
    [supplierClientId(S), 'sub', 'ppmid/v1/+/+', 'strict', false],
    [supplierClientId(S), 'sub', 'ppmid/v1/+/inbox', 'strict', false],
    [supplierClientId(S), 'sub', 'ppmid/v1/#', 'strict', false],
    // ids outside the scheme: only on an open listener, never `$` topics
    ['monitor', 'sub', '#', 'open', true],
    ['monitor', 'pub', 'x/y', 'open', true],
    ['monitor', 'sub', '$SYS/#', 'open', false],
    ['monitor', 'pub', '$SYS/x', 'open', false],
    ['monitor', 'sub', '#', 'strict', false],
  ];
  for (const [id, op, topic, mode, want] of cases)
    it(`${id} ${op} ${topic} (${mode}) → ${want ? 'allowed' : 'refused'}`, () =>
      assert.equal(op === 'pub' ? mayPublish(id, topic, mode) : maySubscribe(id, topic, mode), want));

  it('connects: strict needs a role; open needs a non-empty id', () => {
    assert.equal(mayConnect(P, 'strict'), true);
    assert.equal(mayConnect('monitor', 'strict'), false);
    assert.equal(mayConnect('monitor', 'open'), true);
    assert.equal(mayConnect('', 'open'), false);
  });

  it('with a supplier→PPMID policy, a supplier reaches only the PPMIDs it serves', () => {
    const policy = { supplierServes: (s: string, p: string) => s === S && p === P };
    const other = supplierClientId('90B3D51F30010001');
    assert.equal(mayPublish(supplierClientId(S), inboxTopic(P), 'strict', policy), true);
    assert.equal(mayPublish(supplierClientId(S), inboxTopic(Q), 'strict', policy), false);
    assert.equal(mayPublish(other, inboxTopic(P), 'strict', policy), false);
    assert.equal(maySubscribe(supplierClientId(S), statusTopic(Q), 'strict', policy), false);
    assert.equal(maySubscribe(supplierClientId(S), 'ppmid/v1/+/status', 'strict', policy), true);
    assert.equal(mayReceive(supplierClientId(S), statusTopic(P), policy), true);
    assert.equal(mayReceive(supplierClientId(S), statusTopic(Q), policy), false);
    assert.equal(mayReceive(P, inboxTopic(P), policy), true);
  });
});
