/**
 * Issue 17: a bad body is answered with a DUIS refusal or an HTTP-level
 * rejection (400), never a 500 and never a throw. Every DUIS template, its
 * body element emptied (XSD off, so the DSP's own readers meet it), and
 * every template with each text value replaced by garbage.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { openTestDsp, TEMPLATES, type TestDsp, templateRequest } from '../../../test/support/dsp-service.ts';
import type { CommandVariant } from '../../duis/index.ts';
import { type DuisEndpoint, endpointForCommandVariant } from './service.ts';

const FILES = readdirSync(TEMPLATES).filter((f) => /_REQUEST_DUIS\.XML$/i.test(f));

describe('DSP: bad bodies never give a 500', () => {
  let t: TestDsp;
  let counter = 1_000_000n;
  before(async () => {
    t = await openTestDsp('sqlite', { xsdValidation: false });
  });
  after(async () => t.close());

  const send = (f: string, edit: (x: string) => string) => {
    const xml = templateRequest(f, { counter: ++counter, edit });
    const cv = Number(/<sr:CommandVariant>(\d)</.exec(xml)![1]) as CommandVariant;
    const endpoint: DuisEndpoint = endpointForCommandVariant(cv);
    return t.dsp.handleRequest(endpoint, xml);
  };

  const tally = { duis: 0, http: 0 };
  for (const f of FILES)
    it(f, () => {
      for (const edit of [
        // the body element emptied
        (x: string) => x.replace(/(<sr:Body>\s*<sr:(\w+))[\s\S]*?<\/sr:Body>/, '$1/></sr:Body>'),
        // every value inside the body replaced by garbage
        (x: string) =>
          x.replace(/<sr:Body>[\s\S]*<\/sr:Body>/, (b) =>
            b.replace(/>([^<\s][^<]*)</g, '>\u00e9\u00e9-not-a-value<'),
          ),
      ]) {
        const r = send(f, edit);
        assert.notEqual(r.httpStatus, 500, `${f}: ${r.body.slice(0, 300)}`);
        if (r.responseCode) tally.duis++;
        else tally.http++;
      }
    });
  it('tally', () => {
    process.stdout.write(
      `# bad bodies: ${tally.duis} DUIS refusals or answers, ${tally.http} HTTP-level rejections\n`,
    );
    assert.equal(tally.duis + tally.http, FILES.length * 2);
  });
});
