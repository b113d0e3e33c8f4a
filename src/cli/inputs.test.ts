/**
 * Messages given on the command line: hex, base64 only when asked or when it
 * can be nothing else (a GBCS envelope), files, stdin; every error says what
 * is wrong.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMessageText, readInputs } from './inputs.ts';

const gbcs = Buffer.from('DF090100000000000003E808', 'hex'); // starts like a General Signing APDU
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('parseMessageText', () => {
  const ok: Array<[string, string, { base64?: boolean }, string]> = [
    ['hex', 'dd0011', {}, 'dd0011'],
    ['hex with spaces and colons', ' DD 00:11\t', {}, 'dd0011'],
    ['base64 of a GBCS message, not hex: unambiguous', gbcs.toString('base64'), {}, hex(gbcs)],
    ['URL-safe base64 of a GBCS message', gbcs.toString('base64url'), {}, hex(gbcs)],
    ['--base64: anything base64', 'zzzz', { base64: true }, 'cf3cf3'],
    ['--base64: text that is also hex is read as base64', 'dd00', { base64: true }, '75dd34'],
  ];
  for (const [what, text, opts, want] of ok)
    it(`reads ${what}`, () => assert.equal(hex(parseMessageText(text, opts)), want));

  const bad: Array<[string, string, { base64?: boolean }, RegExp]> = [
    ['empty', '  ', {}, /empty input$/],
    [
      'zzzz: not hex, and its base64 is no GBCS message',
      'zzzz',
      {},
      /not hex: "z" at character 1 is not a hex digit \(give --base64/,
    ],
    ['an odd number of hex digits', 'dd0', {}, /not hex: odd number of hex digits \(3\)/],
    ['a stray character', 'dd00!1', {}, /"!" at character 5/],
    ['base64 of something else', Buffer.from('hello').toString('base64'), {}, /not hex/],
    ['--base64: a character outside base64', 'ab!d', { base64: true }, /not base64: "!" at character 3/],
    ['--base64: a length base64 never has', 'abcde', { base64: true }, /not base64: length 5/],
    ['--base64: stray bits', 'ab==', { base64: true }, /not canonical/],
    ['--base64: mixed alphabets', 'a+b_', { base64: true }, /mixes/],
  ];
  for (const [what, text, opts, want] of bad)
    it(`refuses ${what}`, () => assert.throws(() => parseMessageText(text, opts), want));
});

describe('readInputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-inputs-'));
  const lines = join(dir, 'lines.txt');
  writeFileSync(lines, '# a comment\ndd0011\n\nzzzz\n');
  const binary = join(dir, 'one.bin');
  writeFileSync(binary, Buffer.from([0xdd, 0x00, 0x01, 0xff]));

  it('files (lines, binary), arguments and stdin, each with its source', () => {
    const out = readInputs([lines, binary, 'DD00', '-'], () => 'df09\n');
    assert.deepEqual(
      out.map((m) => [m.source, m.bytes ? hex(m.bytes) : m.error]),
      [
        [`${lines}:2`, 'dd0011'],
        [`${lines}:4`, 'not hex: "z" at character 1 is not a hex digit (give --base64 for base64)'],
        [binary, 'dd0001ff'],
        ['arg3', 'dd00'],
        ['stdin:1', 'df09'],
      ],
    );
  });

  it('a missing file, a directory, text that is neither', () => {
    const out = readInputs([join(dir, 'missing.hex'), 'nope/x', dir, 'zzzz'], () => '');
    assert.deepEqual(
      out.map((m) => m.source),
      [join(dir, 'missing.hex'), 'nope/x', dir, 'arg4'],
    );
    assert.deepEqual(
      out.map((m) => m.error),
      [
        `file not found: ${join(dir, 'missing.hex')}`,
        'file not found: nope/x',
        `${dir} is a directory, not a file of messages`,
        'not hex: "z" at character 1 is not a hex digit (give --base64 for base64); no such file either',
      ],
    );
  });

  it('--base64 applies to arguments, file lines and stdin', () => {
    const b64 = join(dir, 'b64.txt');
    writeFileSync(b64, `${gbcs.toString('base64')}\n`);
    const out = readInputs([b64, 'zzzz', '-'], () => 'zzzz', { base64: true });
    assert.deepEqual(
      out.map((m) => (m.bytes ? hex(m.bytes) : m.error)),
      [hex(gbcs), 'cf3cf3', 'cf3cf3'],
    );
  });
});
