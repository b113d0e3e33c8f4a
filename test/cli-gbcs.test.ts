/**
 * The `ppmid-relay gbcs` command, spawned as a user runs it: JSON fields and
 * exit codes of `gbcs decode`, and the RTDS UTRN from `gbcs utrn`; named
 * fields (`decode`, `payload encode`, `use-cases`) from the use-case catalogue.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeApdu } from '../src/gbcs/encode.ts';
import { useCaseById, useCaseRows } from '../src/gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../src/runtime/bytes.ts';
import { CLI_BIN, REPO_ROOT, runCli } from './support/cli.ts';
import { RTDS_KEYSTORE, RTDS_MESSAGES, rtdsMessages } from './support/fixtures.ts';

const cli = (args: string[], input?: string) => runCli(args, { input });

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const ecs17bCommand = join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
const ecs01cCommand = join(RTDS_MESSAGES, '1.1.2_ECS01c/ECS01c_1.1.2_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX');
const ecs17bResponse = join(RTDS_MESSAGES, '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
const pcs01 = join(RTDS_MESSAGES, 'NA_PCS01/PCS01_NA_SUCCESS_COMMAND_GBCS.HEX');

describe('ppmid-relay gbcs decode --json', () => {
  it('fixtures with the key store: fields and checks', () => {
    const r = cli([
      'gbcs',
      'decode',
      '--keystore',
      RTDS_KEYSTORE,
      '--json',
      ecs17bCommand,
      ecs01cCommand,
      ecs17bResponse,
      pcs01,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b, c, d] = jsonLines(r.stdout);
    assert.deepEqual(
      {
        source: a.source,
        envelope: a.envelope,
        cra: a.cra,
        originatorCounter: a.originatorCounter,
        originator: a.originator,
        recipient: a.recipient,
        messageCode: a.messageCode,
        useCase: a.useCase,
        payloadKind: a.payloadKind,
        mac: a.mac,
        signature: a.signature,
      },
      {
        source: ecs17bCommand,
        envelope: 'general-ciphering',
        cra: 'command',
        originatorCounter: '1000',
        originator: '90B3D51F30010000',
        recipient: '00DB1234567890A0',
        messageCode: '0x0027',
        useCase: 'ECS17b',
        payloadKind: 'dlms',
        mac: 'valid',
        signature: 'absent',
      },
    );
    assert.equal('error' in a, false);
    assert.equal(b.signature, 'valid', 'critical command signed by the supplier');
    assert.equal(b.mac, 'valid');
    assert.equal(c.cra, 'response');
    assert.equal(c.originator, '00DB1234567890A0');
    assert.equal(d.mac, 'no-key', 'PPMID to GSME: no private key for either');
  });

  it('without --keystore MACs and signatures are no-key or absent', () => {
    const r = cli(['gbcs', 'decode', '--json', ecs17bCommand, ecs01cCommand]);
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = jsonLines(r.stdout);
    assert.equal(a.mac, 'no-key');
    assert.equal(a.signature, 'absent');
    assert.equal(b.signature, 'no-key');
  });

  it('hex and base64 arguments, and stdin with one message per line', () => {
    const [m1, m2] = rtdsMessages().filter((m) => m.kind === 'RESPONSE');
    const b64 = Buffer.from(m2.bytes).toString('base64');
    const r = cli(['gbcs', 'decode', '--json', m1.hex, b64]);
    assert.equal(r.status, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.deepEqual(
      out.map((o) => o.source),
      ['arg1', 'arg2'],
    );
    assert.ok(out.every((o) => o.cra === 'response'));
    const s = cli(['gbcs', 'decode', '--json', '-'], `${m1.hex}\n\n${m2.hex}\n`);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(
      jsonLines(s.stdout).map((o) => o.source),
      ['stdin:1', 'stdin:3'],
    );
  });

  it('a protected read with the key store: the decrypted plaintext named (json and tree)', () => {
    const ecs19 = join(RTDS_MESSAGES, '4.3_ECS19/ECS19_4.3_SUCCESS_RESPONSE_GBCS.HEX');
    const r = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, '--json', ecs19]);
    assert.equal(r.status, 0, r.stderr);
    const [o] = jsonLines(r.stdout);
    const [d] = o.decrypted as {
      fields: Record<string, Record<string, number>>;
      units: Record<string, string>;
    }[];
    const regs = d.fields.prepaymentRegisters;
    assert.deepEqual(Object.keys(regs), [
      'meterBalance',
      'emergencyCreditBalance',
      'accumulatedDebt',
      'timeDebt1',
      'timeDebt2',
      'paymentDebt',
    ]);
    assert.equal(regs.meterBalance, 0x0003d090);
    assert.equal(d.units['prepaymentRegisters.meterBalance'], 'pennies');
    const tree = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, ecs19]);
    assert.equal(tree.status, 0, tree.stderr);
    assert.match(tree.stdout, /Named plaintext \(ECS19 objects read\):/);
    assert.match(tree.stdout, /prepaymentRegisters\.meterBalance = 250000 pennies/);
    // without the key nothing is decrypted, so nothing is named
    const [plain] = jsonLines(cli(['gbcs', 'decode', '--json', ecs19]).stdout);
    assert.equal(plain.decrypted, undefined);
  });

  it('a file with one message per line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbcs-cli-'));
    const file = join(dir, 'batch.txt');
    const ms = rtdsMessages().slice(0, 3);
    writeFileSync(file, ms.map((m) => m.hex).join('\n'));
    const r = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, '--json', file]);
    assert.equal(r.status, 0, r.stderr);
    const out = jsonLines(r.stdout);
    assert.equal(out.length, 3);
    assert.deepEqual(
      out.map((o) => o.source),
      [`${file}:1`, `${file}:2`, `${file}:3`],
    );
  });

  it('malformed input: non-zero exit with an error, other inputs still decoded', () => {
    const truncated = rtdsMessages()[0].hex.slice(0, 80);
    const r = cli(['gbcs', 'decode', '--json', ecs17bCommand, truncated, 'not!hex']);
    assert.equal(r.status, 1);
    const [ok, bad, junk] = jsonLines(r.stdout);
    assert.equal(ok.error, undefined);
    assert.equal(typeof bad.error, 'string');
    assert.equal(bad.errorCode, 'GBCS_TRUNCATED');
    assert.equal(typeof junk.error, 'string');
  });

  it('input errors say what is wrong; base64 only when asked or unambiguous', () => {
    const missing = join(tmpdir(), 'no-such-dir', 'message.hex');
    const r = cli(['gbcs', 'decode', '--json', missing, 'zzzz', 'dd0']);
    assert.equal(r.status, 1);
    assert.deepEqual(
      jsonLines(r.stdout).map((o) => o.error),
      [
        `file not found: ${missing}`,
        'not hex: "z" at character 1 is not a hex digit (give --base64 for base64); no such file either',
        'not hex: odd number of hex digits (3) (give --base64 for base64); no such file either',
      ],
    );
    // zzzz with --base64 is what was asked: three bytes, which are no GBCS message
    const asked = jsonLines(cli(['gbcs', 'decode', '--json', '--base64', 'zzzz']).stdout)[0];
    assert.equal(asked.errorCode, 'GBCS_MALFORMED');
    assert.equal(asked.length, 3);
    // the base64 of a GBCS message is unambiguous; --base64 reads it too
    const b64 = Buffer.from(rtdsMessages()[0].bytes).toString('base64');
    for (const args of [[b64], ['--base64', b64]]) {
      const ok = cli(['gbcs', 'decode', '--json', ...args]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(jsonLines(ok.stdout)[0].error, undefined);
    }
    const tree = cli(['gbcs', 'decode', missing]);
    assert.equal(tree.status, 1);
    assert.match(tree.stdout, /ERROR: file not found: /);
  });

  it('--json on a truncated message reports the truncation and its header, not "mac":"absent"', () => {
    const whole = readFileSync(ecs17bCommand, 'utf8').trim();
    const truncated = whole.slice(0, 120);
    const r = cli(['gbcs', 'decode', '--json', '--keystore', RTDS_KEYSTORE, truncated]);
    assert.equal(r.status, 1);
    const [o] = jsonLines(r.stdout);
    assert.deepEqual(
      {
        truncated: o.truncated,
        errorCode: o.errorCode,
        length: o.length,
        mac: o.mac,
        signature: o.signature,
        envelope: o.envelope,
        cra: o.cra,
        originator: o.originator,
        recipient: o.recipient,
        messageCode: o.messageCode,
        useCase: o.useCase,
      },
      {
        truncated: true,
        errorCode: 'GBCS_TRUNCATED',
        length: 60,
        mac: 'not-checked',
        signature: 'not-checked',
        envelope: 'general-ciphering',
        cra: 'command',
        originator: '90B3D51F30010000',
        recipient: '00DB1234567890A0',
        messageCode: '0x0027',
        useCase: 'ECS17b',
      },
    );
    const tree = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, truncated]);
    assert.match(tree.stdout, /The message is truncated: 60 byte\(s\) given/);
    assert.match(tree.stdout, /MAC and signature: not checked/);
  });

  it('the readable tree', () => {
    const r = cli(['gbcs', 'decode', '--keystore', RTDS_KEYSTORE, ecs17bResponse]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /General Ciphering \(DD\)/);
    assert.match(r.stdout, /Originator: 00DB1234567890A0 \(device\)/);
    assert.match(r.stdout, /Recipient: 90B3D51F30010000 \(supplier\)/);
    assert.match(r.stdout, /Message Code: 0x0027/);
    assert.match(r.stdout, /Encrypted block at \d+ \(43 bytes\) decrypts to: 0201/);
    assert.match(r.stdout, /MAC: [0-9A-F]{24} -> valid/);
  });
});

describe('ppmid-relay gbcs utrn', () => {
  it('prints the RTDS CS01a UTRN', () => {
    const args = [
      '--keystore',
      RTDS_KEYSTORE,
      '--supplier',
      '90B3D51F30010000',
      '--device',
      '00DB1234567890A0',
    ];
    const r = cli(['gbcs', 'utrn', ...args, '--counter', '12884901888', '--value', '10', '--pounds']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '73946144332040217315');
    const v = cli([
      'gbcs',
      'verify-utrn',
      ...args,
      '--counter',
      '0x0000000300000000',
      '73946144332040217315',
    ]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /valid: 10 pounds/);
    const w = cli(['gbcs', 'verify-utrn', ...args, '--counter', '12884901889', '73946144332040217315']);
    assert.equal(w.status, 1);
  });
});

describe('ppmid-relay gbcs named fields (use-case catalogue)', () => {
  const cs01a = join(RTDS_MESSAGES, '2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX');
  const ecs17aResponse = join(RTDS_MESSAGES, '4.2_ECS17a/ECS17a_4.2_SUCCESS_RESPONSE_GBCS.HEX');
  const gca = join(RTDS_MESSAGES, 'NA_GCA-DLMS');

  it('decode --json adds payload.fields (named, units) for commands, responses and alerts, DLMS and GBZ', () => {
    const alert = join(gca, readdirSync(gca)[0]!);
    const r = cli(['gbcs', 'decode', '--json', cs01a, ecs17aResponse, alert, pcs01]);
    assert.equal(r.status, 0, r.stderr);
    const [cmd, rsp, alr, gbz] = jsonLines(r.stdout) as {
      useCase: string;
      payload: Record<string, unknown>;
    }[];
    assert.equal(cmd!.payload.useCase, 'CS01a');
    assert.deepEqual(cmd!.payload.fields, { tokenGateway: { enter: '73946144332040217315' } });
    assert.deepEqual(
      (rsp!.payload.fields as Record<string, Record<string, unknown>>).activeEnergyExport!.value,
      {
        result: 'success',
        value: 10,
      },
    );
    assert.equal((rsp!.payload.units as Record<string, string>)['activeEnergyExport.value.value'], 'Wh');
    assert.equal(typeof (alr!.payload.fields as { alertCode: number }).alertCode, 'number');
    assert.equal(gbz!.payload.useCase, 'PCS01');
    assert.deepEqual(gbz!.payload.fields, {
      consumerTopUp: { originatingDevice: 2, topUpCode: '73941656880950804485' },
    });
  });

  it('the readable tree shows the named fields with units', () => {
    const r = cli(['gbcs', 'decode', ecs17aResponse]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Named fields \(ECS17a response\):/);
    assert.match(r.stdout, /activeEnergyExport\.value\.value = 10 Wh/);
  });

  it('payload encode builds the RTDS bytes from words, and from decode --json output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uc-'));
    const words = join(dir, 'words.json');
    writeFileSync(words, JSON.stringify({ tokenGateway: { enter: '73946144332040217315' } }));
    const expected = readFileSync(cs01a, 'utf8').trim();
    const r = cli([
      'gbcs',
      'payload',
      'encode',
      '--use-case',
      'CS01a',
      '--kind',
      'command',
      '--fields',
      words,
      '--counter',
      '0x0000000300000000',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(expected.includes(r.stdout.trim()), `${r.stdout} is not the RTDS payload`);
    const decoded = jsonLines(cli(['gbcs', 'decode', '--json', ecs17aResponse]).stdout)[0] as {
      payload: unknown;
    };
    const file = join(dir, 'rsp.json');
    writeFileSync(file, JSON.stringify(decoded.payload));
    const again = cli([
      'gbcs',
      'payload',
      'encode',
      '--use-case',
      '0x0026',
      '--kind',
      'response',
      '--fields',
      file,
    ]);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(readFileSync(ecs17aResponse, 'utf8').includes(again.stdout.trim()));
  });

  it('payload encode refuses fields that do not fit, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uc-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tokenGateway: { enter: 5 } }));
    const r = cli(['gbcs', 'payload', 'encode', '--use-case', 'CS01a', '--kind', 'command', '--fields', bad]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /command\.tokenGateway\.enter/);
  });

  it('payload encode says what is wrong: unknown field, alert of a command, missing file; no crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uc-'));
    const encode = (uc: string, kind: string, fields: string) =>
      cli(['gbcs', 'payload', 'encode', '--use-case', uc, '--kind', kind, '--fields', fields]);
    const extra = join(dir, 'extra.json');
    writeFileSync(extra, JSON.stringify({ tokenGateway: { enter: '73946144332040217315' }, nope: {} }));
    const e = encode('CS01a', 'command', extra);
    assert.equal(e.status, 1);
    assert.match(
      e.stderr,
      /^ppmid-relay: GBCS_MALFORMED: command\.nope: not a field of CS01a \(its fields: tokenGateway\)/,
    );
    const scalar = join(dir, 'scalar.json');
    writeFileSync(scalar, JSON.stringify({ nope: 1 }));
    assert.match(encode('CS01a', 'command', scalar).stderr, /command\.nope: not a field of CS01a/);
    const list = join(dir, 'list.json');
    writeFileSync(list, '[1, 2]');
    assert.match(encode('CS01a', 'command', list).stderr, /command: expected an object/);
    const alert = encode('ECS17b', 'alert', scalar);
    assert.equal(alert.status, 1);
    assert.match(
      alert.stderr,
      /^ppmid-relay: GBCS_UNSUPPORTED: ECS17b is a command: it has no alert payload\n$/,
    );
    const missing = encode('CS01a', 'command', join(dir, 'absent.json'));
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `ppmid-relay: file not found: ${join(dir, 'absent.json')}\n`);
    const keystore = cli(['gbcs', 'decode', '--keystore', join(dir, 'no-keys'), ecs17bCommand]);
    assert.equal(keystore.status, 1);
    assert.equal(keystore.stderr, `ppmid-relay: directory not found: ${join(dir, 'no-keys')}\n`);
  });

  it('use-cases --json lists every catalogued use case with roles, SRVs and fields (DLMS, GBZ, ASN.1)', () => {
    const r = cli(['gbcs', 'use-cases', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = jsonLines(r.stdout) as {
      useCase: string;
      roles?: string[];
      srvs: string[];
      catalogued: boolean;
      fields?: Record<string, unknown>;
    }[];
    const ecs17a = rows.find((x) => x.useCase === 'ECS17a')!;
    assert.deepEqual(ecs17a.srvs, ['4.2']);
    // GBCS V3.1: Network Operator and the ACB (a supplier reads it through the ACB)
    assert.deepEqual(ecs17a.roles, ['networkOperator']);
    assert.ok(ecs17a.fields?.response);
    const cs01b = rows.find((x) => x.useCase === 'CS01b')!;
    assert.ok(cs01b.catalogued && cs01b.roles?.includes('supplier') && cs01b.fields?.command);
    assert.ok(rows.find((x) => x.useCase === 'GCS28')?.catalogued);
    const human = cli(['gbcs', 'use-cases']);
    assert.match(human.stdout, /0x0026 ECS17a Read ESME Energy Registers \(Export Energy\)/);
    assert.match(human.stdout, /use cases catalogued/);
  });

  it('use-cases --json: every use case once, with its roles and whether they are confirmed, as the catalogue says', () => {
    const r = cli(['gbcs', 'use-cases', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = jsonLines(r.stdout) as {
      code: string;
      useCase: string;
      kind: string;
      roles: string[];
      acbOnBehalfOf?: string[];
      rolesConfirmed: string;
      rolesNote?: string;
      catalogued: boolean;
    }[];
    const catalogue = useCaseRows();
    assert.equal(rows.length, catalogue.length, 'one line per catalogue row, nothing pending');
    assert.equal(new Set(rows.map((x) => x.code)).size, rows.length, 'each Message Code once');
    for (const c of catalogue) {
      const j = rows.find((x) => x.useCase === c.useCase);
      assert.ok(j?.catalogued, c.useCase);
      assert.deepEqual(j.roles, c.roles, c.useCase);
      assert.deepEqual(j.acbOnBehalfOf, c.acbOnBehalfOf, c.useCase);
      assert.equal(j.rolesConfirmed, c.rolesConfirmed, c.useCase);
      if (c.kind === 'command') {
        assert.ok(['gbcs-text', 'unconfirmed'].includes(j.rolesConfirmed), c.useCase);
        assert.ok(
          j.rolesNote && j.rolesNote.length > 0,
          `${c.useCase}: a command says where its roles come from`,
        );
      } else assert.deepEqual(j.roles, [], `${c.useCase}: an alert has no sender roles`);
    }
    const commands = rows.filter((x) => x.kind === 'command');
    const confirmed = commands.filter((x) => x.rolesConfirmed === 'gbcs-text').map((x) => x.useCase);
    assert.ok(confirmed.includes('CS01a') && confirmed.includes('CS02bSupplierByTransCoS'));
    const fromCatalogue = catalogue.filter((c) => c.kind === 'command' && c.rolesConfirmed === 'gbcs-text');
    assert.equal(confirmed.length, fromCatalogue.length);
    assert.ok(
      confirmed.includes('ECS17b') && confirmed.includes('CCS01'),
      'read in the V3.1 use-case tables',
    );
    const human = cli(['gbcs', 'use-cases']);
    assert.match(human.stdout, /0x0007 CS01a [^\n]*\n[^\n]*roles supplier \(gbcs-text\)/);
    assert.match(human.stdout, /0x0027 ECS17b [^\n]*\n[^\n]*roles supplier networkOperator \(gbcs-text\)/);
    assert.match(
      human.stdout,
      /0x0026 ECS17a [^\n]*\n[^\n]*roles networkOperator, via ACB for supplier networkOperator otherUser \(gbcs-text\)/,
    );
  });

  it('payload encode and decode --json on rows without an RTDS example (GBCS text or inferred): commands and alerts, DLMS, GBZ, ASN.1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'uc-'));
    const range = {
      restrictingObject: { classId: 1, logicalName: '0-0:94.44.100.255', attributeIndex: 2, dataIndex: 0 },
      fromValue: 470653200,
      toValue: 473385600,
      selectedValues: [],
    };
    const cases: [string, 'command' | 'alert', unknown][] = [
      [
        'ECS04b',
        'command',
        {
          meterBalance: { setAmountToValue: 0 },
          emergencyCredit: { setAmountToValue: 0 },
          accumulatedDebt: { setAmountToValue: 0 },
        },
      ],
      ['ECS20d', 'command', { prepaymentCreditLog: { buffer: range } }],
      ['ECS10', 'command', { supplierMessage: { value: '48656C6C6F' } }],
      [
        'MIIWA-ESME',
        'alert',
        { alertCode: 0x81a0, timestamp: '2015-01-01T00:00:00', integrityIssue: '0004' },
      ],
      [
        'CCS08',
        'alert',
        {
          alertCode: 0x8f72,
          executionDateTime: '20150101000000Z',
          entityId: '00DB1234567890A1',
          firmwareVersion: '0123ABCD',
          responseCode: 0,
        },
      ],
    ];
    const files = cases.map(([useCase, kind, fields], i) => {
      const f = join(dir, `${useCase}.json`);
      writeFileSync(f, JSON.stringify(fields));
      const r = cli(['gbcs', 'payload', 'encode', '--use-case', useCase, '--kind', kind, '--fields', f]);
      assert.equal(r.status, 0, `${useCase}: ${r.stderr}`);
      const apdu = encodeApdu({
        cra: kind,
        originatorCounter: BigInt(0x1000 + i),
        originator: kind === 'alert' ? '00DB1234567890A0' : '90B3D51F30010000',
        recipient: kind === 'alert' ? '90B3D51F30010000' : '00DB1234567890A0',
        otherInfo: { messageCode: useCaseById(useCase)!.code },
        content: fromHex(r.stdout.trim()),
        signature: null,
      });
      const m = join(dir, `${useCase}.hex`);
      writeFileSync(m, toHex(apdu));
      return m;
    });
    const r = cli(['gbcs', 'decode', '--json', ...files]);
    assert.equal(r.status, 0, r.stderr);
    const out = jsonLines(r.stdout) as { payload: { useCase: string; fields: unknown } }[];
    cases.forEach(([useCase, , fields], i) => {
      assert.equal(out[i]!.payload.useCase, useCase);
      assert.deepEqual(out[i]!.payload.fields, fields, useCase);
    });
  });

  it("use-cases --json says which emulated device runs each use case, from the devices' handler registries", () => {
    const r = cli(['gbcs', 'use-cases', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = jsonLines(r.stdout) as { useCase: string; runsOn: string[]; targets: string[] }[];
    const byId = new Map(rows.map((x) => [x.useCase, x]));
    for (const x of rows) {
      assert.ok(Array.isArray(x.runsOn), `${x.useCase} has runsOn`);
      for (const t of x.runsOn)
        assert.ok(x.targets.includes(t) || x.targets.includes('ANY'), `${x.useCase} runs on ${t}, a target`);
    }
    assert.deepEqual(byId.get('ECS17b')?.runsOn, ['ESME']); // ESME handler
    assert.ok(byId.get('GCS13a')?.runsOn.includes('GPF'), 'the GPF answers mirrored reads');
    assert.deepEqual(byId.get('CCS01')?.runsOn, ['CHF']);
    assert.ok(byId.get('CS08')?.runsOn.includes('PPMID'), 'the PPMID reads its own firmware version');
    // the inferred rows, on the device that holds their data
    for (const u of ['ECS04b', 'ECS10', 'ECS20a', 'ECS20b', 'ECS20d', 'ECS21a', 'ECS26a'])
      assert.deepEqual(byId.get(u)?.runsOn, ['ESME'], u);
    assert.deepEqual(byId.get('CCS05')?.runsOn, ['CHF']);
    assert.deepEqual(byId.get('GCS21a')?.runsOn, ['GSME']);
    // the ESME's ALCS commands (7.5-7.8, 7.13, 7.16) run on the ESME and drive an HCALCS over the HAN
    const drives = byId as Map<string, { runsOn: string[]; drives?: string[] }>;
    for (const u of ['ECS47', 'ECS47a', 'ECS47e']) {
      assert.deepEqual(drives.get(u)?.runsOn, ['ESME'], u);
      assert.deepEqual(drives.get(u)?.drives, ['HCALCS'], u);
    }
    assert.equal(drives.get('ECS61e')?.drives, undefined);
    assert.deepEqual(drives.get('ECS61e')?.runsOn, ['ESME']);
    assert.ok(drives.get('CS08')?.runsOn.includes('HCALCS'), 'the HCALCS reads its own firmware version');
    const human = cli(['gbcs', 'use-cases']);
    assert.match(human.stdout, /0x0055 ECS47 [^\n]*\n[^\n]*runs on ESME \(drives HCALCS over the HAN\)\n/);
    assert.match(human.stdout, /0x0027 ECS17b [^\n]*\n[^\n]*runs on ESME\n/);
    assert.match(human.stdout, /use cases catalogued, \d+ run on an emulated device/);
  });
});

describe('ppmid-relay output into a pipe that closes early', () => {
  it('use-cases | head: ends quietly, no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'gbcs', 'use-cases'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|at /, stderr);
    assert.equal(status, 0);
  });
});
