/** Batched xmllint validation: one run for many documents, per-document verdicts in arrival order. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESME, signedRequest } from '../../../test/support/dsp-service.ts';
import { readInstantaneousImportRegistersBody } from '../../duis/index.ts';
import { BatchingXsdValidator } from './xsd-batch.ts';

describe('BatchingXsdValidator', () => {
  it('validates many documents in few xmllint runs, each with its own verdict', async () => {
    const v = new BatchingXsdValidator({ maxBatch: 50 });
    const good = (n: number) =>
      signedRequest({
        target: ESME,
        counter: BigInt(n),
        cv: 1,
        srv: '4.1.1',
        body: readInstantaneousImportRegistersBody(),
      });
    const docs = Array.from({ length: 60 }, (_, i) =>
      i % 7 === 3
        ? good(i).replace('<sr:Header>', '<sr:Header><sr:Nope/>')
        : i === 10
          ? '<a><b></a>'
          : good(i),
    );
    const order: number[] = [];
    const results = await Promise.all(
      docs.map((d, i) =>
        v.validate(d).then((r) => {
          order.push(i);
          return r;
        }),
      ),
    );
    results.forEach((r, i) => {
      const expectValid = !(i % 7 === 3 || i === 10);
      assert.equal(r.valid, expectValid, `document ${i}: ${r.errors.join('; ')}`);
      if (!expectValid) assert.ok(r.errors.length > 0);
    });
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'verdicts in arrival order',
    );
    assert.ok(v.stats.runs <= 3, `runs: ${v.stats.runs}`);
    assert.equal(v.stats.documents, 60);
  });

  it('refuses forbidden markup before xmllint sees it', async () => {
    const v = new BatchingXsdValidator();
    await assert.rejects(v.validate('<!DOCTYPE a [<!ENTITY x "y">]><a/>'), { code: 'DUIS_FORBIDDEN_MARKUP' });
  });

  it('reports a missing xmllint as DUIS_XSD_UNAVAILABLE', async () => {
    const v = new BatchingXsdValidator({ xmllint: '/nonexistent/xmllint' });
    await assert.rejects(v.validate('<a/>'), { code: 'DUIS_XSD_UNAVAILABLE' });
  });
});
