/**
 * DUIS requests of the XSD's shape for SRVs without a DCC template (tests of
 * the transform modules): header from the user 90-B3-D5-1F-30-01-00-00 (the
 * RTDS supplier) or `originator`, the given body. Validate them with
 * validateAgainstDuisXsdInProcess before use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './dsp-transform.ts';

export function xsdShapedRequest(p: {
  srv: string;
  cv: number;
  target: string;
  counter: number;
  body: string;
  originator?: string;
}): string {
  const dashed = (e: string) => e.match(/../g)!.join('-');
  return (
    '<?xml version="1.0" encoding="UTF-8"?><sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">' +
    `<sr:Header><sr:RequestID>${dashed(p.originator ?? '90B3D51F30010000')}:${dashed(p.target)}:${p.counter}</sr:RequestID>` +
    `<sr:CommandVariant>${p.cv}</sr:CommandVariant><sr:ServiceReference>${p.srv.split('.').slice(0, 2).join('.')}</sr:ServiceReference>` +
    `<sr:ServiceReferenceVariant>${p.srv}</sr:ServiceReferenceVariant></sr:Header>` +
    `<sr:Body>${p.body}</sr:Body></sr:Request>`
  );
}

/** The Body element of a DCC template (its XML text, whitespace between elements removed). */
export function templateBody(file: string): string {
  const xml = readFileSync(join(TEMPLATES_DIR, file), 'utf8');
  const m = /<sr:Body>([\s\S]*)<\/sr:Body>/.exec(xml);
  if (!m) throw new Error(`${file}: no Body`);
  return m[1].replace(/>\s+</g, '><').trim();
}
