/**
 * The DSP's SRV table (srv-table.ts), checked against the DUIS XSD, the
 * use-case catalogue, the registered transforms, the docs, the OpenAPI and
 * every DUIS template of ../shared/fixtures/duis/templates.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TEMPLATES } from '../../../test/support/dsp-service.ts';
import { parseDuisRequest, SERVICE_REQUESTS, serviceRequest } from '../../duis/index.ts';
import { enumeration } from '../../duis/xsd-facts.test-support.ts';
import { useCaseRows } from '../../gbcs/use-cases/index.ts';
import { NON_DEVICE_SRVS } from './non-device.ts';
import { DSP_OPENAPI } from './openapi.ts';
import { srvListing } from './srv-listing.ts';
import {
  cvRefusal,
  DSP_SCHEDULABLE_SRVS,
  offeredCommandVariants,
  srvEntry,
  srvMarkdown,
  srvRoleEligibility,
  srvSupported,
  srvTable,
} from './srv-table.ts';
import { SUPPORTED_SRVS } from './transform/index.ts';
import { REGISTERED_SRV_TRANSFORMS } from './transform/registered.ts';
import { USER_ROLES } from './users.ts';

const DOC = new URL('../../../docs/dsp.md', import.meta.url);

describe('DSP SRV table', () => {
  it('has one row per SRV of the DUIS V5.4 XSD, in schema order', () => {
    const xsd = enumeration('ServiceReferenceVariant').map((e) => e.value);
    assert.ok(xsd.length > 120, `${xsd.length} SRVs in the XSD`);
    assert.deepEqual(
      srvTable().map((e) => e.srv),
      xsd,
    );
  });

  it('its dsp-scheduled kind is the XSD DSPScheduledServiceReferenceVariant list', () => {
    const xsd = enumeration('DSPScheduledServiceReferenceVariant').map((e) => e.value);
    assert.deepEqual([...DSP_SCHEDULABLE_SRVS], xsd);
    assert.deepEqual(
      srvTable()
        .filter((e) => e.kind === 'dsp-scheduled')
        .map((e) => e.srv),
      xsd,
    );
    for (const e of srvTable()) assert.equal(e.kind === 'non-device', e.class === 'non-device', e.srv);
  });

  it('every row: eligible roles (known DUIS User Roles), CVs within the XSD, refusals with reasons', () => {
    for (const e of srvTable()) {
      assert.ok(e.roles.length > 0, `${e.srv} has roles`);
      for (const r of e.roles) assert.ok(USER_ROLES.includes(r), `${e.srv} role ${r}`);
      const def = serviceRequest(e.srv)!;
      assert.deepEqual(e.duisCommandVariants, def.commandVariants, e.srv);
      for (const cv of e.commandVariants) assert.ok(def.commandVariants.includes(cv), `${e.srv} CV ${cv}`);
      for (const r of e.refused) {
        assert.ok(r.reason.length > 20, `${e.srv} refusal has a reason`);
        for (const cv of r.cvs) assert.ok(!e.commandVariants.includes(cv), `${e.srv} CV ${cv} refused`);
      }
      assert.equal(e.name, def.name);
      assert.equal(e.bodyElement, def.bodyElement);
    }
  });

  it('refuses firmware locally, and Commission Device locally unless the no-WAN policy', () => {
    for (const srv of ['11.1', '11.4']) for (const cv of [2, 3, 6, 7] as const) assert.ok(cvRefusal(srv, cv));
    assert.ok(cvRefusal('8.1.1', 6));
    assert.equal(cvRefusal('8.1.1', 6, { noWanCommissioning: true }), undefined);
    assert.deepEqual(offeredCommandVariants('8.1.1'), [4, 5]);
    assert.deepEqual(offeredCommandVariants('8.1.1', { noWanCommissioning: true }), [4, 5, 6, 7]);
    assert.deepEqual(offeredCommandVariants('4.1.1'), [1, 2, 3]);
    assert.deepEqual(offeredCommandVariants('11.1'), [8]);
  });

  it('use cases are the catalogue rows naming the SRV; every SRV the catalogue names is in the table', () => {
    const notInDuis54: string[] = [];
    for (const r of useCaseRows())
      for (const s of r.srvs) {
        const e = srvEntry(s);
        if (!e) {
          notInDuis54.push(`${r.useCase}:${s}`);
          continue;
        }
        if (r.kind === 'command') assert.ok(e.useCases.some((u) => u.useCase === r.useCase));
      }
    // CS07 Read Device Join Details is 8.9 (GBCS V3.1 use-case table), no longer the 8.10 of earlier DUIS versions
    assert.deepEqual(notInDuis54, []);
    assert.ok(srvEntry('4.1.1')!.useCases.some((u) => u.useCase === 'ECS17b'));
  });

  it('every use case a registered transform builds is one the catalogue lists for its SRV', () => {
    // (issue 17: 8.8.1 built CS04AC while the catalogue gave CS04AC to 8.8.2 only, so the table listed no use
    // case for 8.8.1 and a check of the command against the SRV's use cases failed)
    const missing: string[] = [];
    for (const t of REGISTERED_SRV_TRANSFORMS)
      for (const u of t.useCases)
        if (!srvEntry(t.srv)!.useCases.some((e) => e.useCase === u.useCase))
          missing.push(`${t.srv} ${u.useCase}`);
    assert.deepEqual(missing, []);
  });

  it('supported = a registered transform (device) or handler (non-device)', () => {
    for (const e of srvTable())
      assert.equal(
        srvSupported(e.srv),
        e.class === 'non-device' ? NON_DEVICE_SRVS.includes(e.srv) : SUPPORTED_SRVS.includes(e.srv),
        e.srv,
      );
    const listing = srvListing();
    assert.equal(listing.length, SERVICE_REQUESTS.length);
    for (const o of listing) if (!o.supported) assert.match(String(o.reason), /E11/, String(o.srv));
    const n = listing.filter((o) => o.supported).length;
    process.stdout.write(`# SRV table: ${n} of ${listing.length} SRVs answered\n`);
  });

  it('role eligibility is derived from the table', () => {
    const elig = new Map(srvRoleEligibility());
    for (const e of srvTable()) assert.deepEqual(elig.get(e.srv), e.roles);
  });

  it("docs/dsp.md's SRV list is the table (regenerate: ppmid-relay dsp srs --markdown)", () => {
    const doc = readFileSync(DOC, 'utf8');
    const begin = '<!-- srv-table:begin (generated: ppmid-relay dsp srs --markdown) -->\n';
    const end = '<!-- srv-table:end -->';
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    assert.ok(a >= 0 && b > a, 'docs/dsp.md has the srv-table markers');
    assert.equal(doc.slice(a + begin.length, b), srvMarkdown());
  });

  it('the OpenAPI lists, per DUIS URL, the SRVs (and CVs) the table offers there', () => {
    const paths = DSP_OPENAPI.paths;
    const seen = new Set<string>();
    for (const [url, cvs] of [
      ['/api/v1/serviceS', [1, 3, 5, 7]],
      ['/api/v1/serviceT', [4]],
      ['/api/v1/serviceD', [2, 6, 8]],
    ] as const) {
      const list = paths[url].post['x-service-requests'];
      for (const x of list) {
        seen.add(x.srv);
        for (const cv of x.commandVariants) assert.ok((cvs as readonly number[]).includes(cv));
        assert.deepEqual(
          x.commandVariants,
          srvEntry(x.srv)!.commandVariants.filter((cv) => (cvs as readonly number[]).includes(cv)),
        );
      }
    }
    for (const e of srvTable()) if (e.commandVariants.length > 0) assert.ok(seen.has(e.srv), e.srv);
  });

  describe('every DUIS template names an SRV of the table with a CV DUIS allows', () => {
    const files = readdirSync(TEMPLATES).filter((f) => /_REQUEST_DUIS\.XML$/i.test(f));
    assert.ok(files.length > 150);
    for (const f of files)
      it(f, () => {
        const req = parseDuisRequest(readFileSync(join(TEMPLATES, f)));
        const e = srvEntry(req.header.serviceReferenceVariant);
        assert.ok(e, req.header.serviceReferenceVariant);
        assert.equal(req.definition.bodyElement, e.bodyElement);
        const cv = req.header.commandVariant;
        assert.ok(
          e.duisCommandVariants.includes(cv) || cvRefusal(e.srv, cv) !== undefined,
          `${e.srv} CV ${cv}: allowed by DUIS (${e.duisCommandVariants.join(',')})`,
        );
      });
  });
});
