/**
 * DUIS codec benchmarks (one process, after warm-up), per document:
 * - duis.parseRequest: safe parse + header/body checks of a DUIS template (2.2 Top Up);
 * - duis.buildSignRequest: build a 4.1.1 request and sign its text (parse, C14N, ECDSA P-256 sign);
 * - duis.buildSignBuiltRequest: the same signed from the built tree (signBuiltDuis: no parse, no C14N
 *   of a DOM), as the supplier and the DSP sign what they build;
 * - duis.verifyParseRequest: verify the signature and parse (the DSP's per-request cost);
 * - duis.verifyDccSample: verify the DCC-signed readfw-response sample.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildDuisRequest,
  buildDuisRequestDocument,
  parseDuisRequest,
  readInstantaneousImportRegistersBody,
  signBuiltDuis,
  signDuisXml,
  verifyAndParseDuisRequest,
  verifyDuisSignature,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../src/duis/index.ts';
import { DUIS_DIR } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

export function run({ quick }: { quick: boolean }): BenchResult[] {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 100 : 300;
  const keys = join(DUIS_DIR, 'xml-sign-keys');
  const signer = xmlSigner(
    readFileSync(join(keys, 'xml-sign-90B3D51F30010000-ds.key')),
    readFileSync(join(keys, 'xml-sign-90B3D51F30010000-ds.pem'), 'utf8'),
  );
  const trust = new XmlSigningCertificateStore([
    signer.certificate.certificate,
    readFileSync(join(keys, 'dsp-xml-sign-90B3D51F30000002-ds-pre-1.4.1.pem'), 'utf8'),
  ]);
  const template = readFileSync(join(DUIS_DIR, 'templates', 'CS01a_2.2_SUCCESS_REQUEST_DUIS.XML'), 'utf8');
  const sample = readFileSync(join(DUIS_DIR, 'samples', 'readfw-response.xml'), 'utf8');
  let counter = 1n;
  const input = () => ({
    header: {
      requestId: { originator: '90B3D51F30010000', target: '00DB1234567890A0', counter: counter++ },
      commandVariant: 1 as const,
      serviceReferenceVariant: '4.1.1',
    },
    body: readInstantaneousImportRegistersBody(),
  });
  const build = () => buildDuisRequest(input());
  const signed = signDuisXml(build(), signer);
  let sink = 0;
  const results = [
    measure({
      name: 'duis.parseRequest',
      warmupMs,
      budgetMs,
      batch: () => {
        sink += parseDuisRequest(template).header.commandVariant;
        return 1;
      },
    }),
    measure({
      name: 'duis.buildSignRequest',
      warmupMs,
      budgetMs,
      batch: () => {
        sink += signDuisXml(build(), signer).length;
        return 1;
      },
    }),
    measure({
      name: 'duis.buildSignBuiltRequest',
      warmupMs,
      budgetMs,
      batch: () => {
        sink += signBuiltDuis(buildDuisRequestDocument(input()), signer).length;
        return 1;
      },
    }),
    measure({
      name: 'duis.verifyParseRequest',
      warmupMs,
      budgetMs,
      batch: () => {
        sink += verifyAndParseDuisRequest(signed, trust).request.header.commandVariant;
        return 1;
      },
    }),
    measure({
      name: 'duis.verifyDccSample',
      warmupMs,
      budgetMs,
      batch: () => {
        sink += verifyDuisSignature(sample, trust).signer.issuerName.length;
        return 1;
      },
    }),
  ];
  if (sink === 0) throw new Error('unreachable');
  return results;
}
