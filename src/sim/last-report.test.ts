/** The pointer to the last `sim run` report, and which of its files the start page may serve. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lastReportPath, readLastReport, recordLastReport } from './last-report.ts';

describe('last sim report', () => {
  it('records the report directory and serves only its report files', () => {
    const data = mkdtempSync(join(tmpdir(), 'sim-last-'));
    assert.equal(readLastReport(data), undefined);
    const out = join(data, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'report.html'), '<html></html>');
    writeFileSync(join(out, 'latencyCdf.csv'), 'a\n');
    writeFileSync(join(data, 'secret.json'), '{}');
    recordLastReport({ dir: out, scenario: 'benefit', answer: 'With ...', partial: false }, data);
    assert.equal(readLastReport(data)?.scenario, 'benefit');
    assert.equal(lastReportPath('report.html', data), join(out, 'report.html'));
    assert.equal(lastReportPath('latencyCdf.csv', data), join(out, 'latencyCdf.csv'));
    assert.equal(lastReportPath('report.json', data), undefined, 'not there');
    assert.equal(lastReportPath('../secret.json', data), undefined);
    assert.equal(lastReportPath('%2e%2e', data), undefined);
  });
});
