/**
 * Where the last `sim run` put its report, so the running system's start
 * page can link it: a small pointer file `<data-dir>/sim/last-report.json`
 * (data dir as `ppmid-relay up` resolves it: PPMID_DATA_DIR or ./data).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LastReport {
  dir: string;
  scenario: string;
  answer: string;
  partial: boolean;
  at: string;
}

export function lastReportFile(dataDir = process.env.PPMID_DATA_DIR ?? 'data'): string {
  return join(resolve(dataDir), 'sim', 'last-report.json');
}

export function recordLastReport(
  r: Omit<LastReport, 'at' | 'dir'> & { dir: string },
  dataDir?: string,
): void {
  const f = lastReportFile(dataDir);
  mkdirSync(join(f, '..'), { recursive: true });
  writeFileSync(f, `${JSON.stringify({ ...r, dir: resolve(r.dir), at: new Date().toISOString() })}\n`);
}

export function readLastReport(dataDir?: string): LastReport | undefined {
  const f = lastReportFile(dataDir);
  if (!existsSync(f)) return undefined;
  try {
    const r = JSON.parse(readFileSync(f, 'utf8')) as LastReport;
    return existsSync(join(r.dir, 'report.html')) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** A file of the last report the start page may serve (report.html, report.json, CSVs): its path, or undefined. */
export function lastReportPath(name: string, dataDir?: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+\.(html|json|csv)$/.test(name)) return undefined;
  const r = readLastReport(dataDir);
  if (!r) return undefined;
  const p = join(r.dir, name);
  return existsSync(p) ? p : undefined;
}
