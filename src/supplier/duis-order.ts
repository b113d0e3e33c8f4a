/**
 * Any DUIS Service Request as a supplier order (issue 17): `{kind: 'duis',
 * srv, body}`, where `body` is JSON mirroring the DUIS body. Which SRVs a
 * supplier may order comes from the DSP's SRV table (src/dcc/dsp/srv-table.ts,
 * the one table): every SRV the DSP answers, less 8.13 (the supplier returns
 * a Local Command's response through `POST /api/v1/commands/:id/local-response`,
 * tied to its command). The API's accepted list, the console's Service
 * Request menu and the CLI's list are `orderableSrvs()`.
 *
 * The JSON form of a DUIS element's content (all elements in the DUIS `sr`
 * namespace, in the XSD's order, which the caller gives: JSON objects keep
 * their key order):
 * - a string, number or boolean: the element's text (`"UTRN": "7394…"`);
 *   integers beyond 2^53 must be strings;
 * - `null` or `{}`: an empty element (`"Credit": null`);
 * - an object: child elements by local name; `"@name"` keys are attributes
 *   and `"#text"` the text of an element that also has attributes
 *   (`{"@index": 1, "#text": 5}`);
 * - an array: the element repeated (`"TOUPrice": [{…}, {…}]`).
 * `body` is the content of the SR's body element (e.g. the children of
 * `ReadEventOrSecurityLog`), or an object with that element as its only key.
 *
 * Checks, in order, each a SupplierError `SUPPLIER_BAD_REQUEST` (HTTP 400)
 * naming the field (`DuisOrderError.field`, e.g. `body.ReadLogPeriod.StartDateTime`):
 * the SRV is one of DUIS's, the DSP answers it, the JSON has the form
 * above, and the DUIS request built from it is valid against DUIS Schema
 * V5.4 (the in-process XSD validator the DSP uses; the error's line is
 * mapped back to the JSON field).
 */

import { srvSupported, srvTable } from '../dcc/dsp/srv-table.ts';
import {
  buildDuisRequest,
  type DuisNode,
  escapeAttr,
  escapeText,
  isSignedPreCommandVariant,
  SR_NS,
  serviceRequest,
} from '../duis/index.ts';
import type { CommandVariant, DeviceType } from '../duis/service-requests.ts';
import { InProcessDuisXsdValidator } from '../duis/xsd-inprocess.ts';
import type { Eui } from '../runtime/bytes.ts';
import { SupplierError } from './errors.ts';
import type { Premises } from './model.ts';
import { allowsLocalDelivery } from './route-planner.ts';

/** A JSON value of the DUIS body form (see the module comment). */
export type DuisJson = string | number | boolean | null | DuisJsonObject | DuisJson[];
export interface DuisJsonObject {
  [key: string]: DuisJson;
}

/** A body that does not fit: the JSON field (`body.X.Y[2]`) and why. */
export class DuisOrderError extends SupplierError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('SUPPLIER_BAD_REQUEST', `${field}: ${message}`);
    this.field = field;
  }
}

/** SRVs whose orders have their own route in the supplier API (not the generic `duis` order). */
const OWN_ROUTE: Readonly<Record<string, string>> = {
  '8.13': 'returned with POST /api/v1/commands/{id}/local-response, tied to the command it answers',
};

/** An SRV a supplier may order, with the SRV table's facts the API, console and CLI show. */
export interface OrderableSrv {
  srv: string;
  name: string;
  bodyElement: string;
  class: 'critical' | 'non-critical' | 'non-device';
  /** Device types DUIS lets it target (empty: non-device, answered by the DCC). */
  targets: readonly DeviceType[];
  /** Command Variants the DSP offers for it. */
  commandVariants: readonly CommandVariant[];
  /** Whether it may go through a PPMID (CV 2/3, or 6/7 for critical ones; SECMP0038 DSP-3). */
  localDelivery: boolean;
  futureDating: 'none' | 'optional' | 'mandatory';
}

let ORDERABLE: readonly OrderableSrv[] | undefined;

/** Every SRV the DSP answers (SRV table), in DUIS order, but those with their own route (8.13). */
export function orderableSrvs(): readonly OrderableSrv[] {
  ORDERABLE ??= Object.freeze(
    srvTable()
      .filter((e) => srvSupported(e.srv) && OWN_ROUTE[e.srv] === undefined)
      .map((e) => {
        const cvs = e.commandVariants;
        return Object.freeze({
          srv: e.srv,
          name: e.name,
          bodyElement: e.bodyElement,
          class: e.class,
          targets: e.targets,
          commandVariants: cvs,
          localDelivery: e.class !== 'non-device' && allowsLocalDelivery(serviceRequest(e.srv)!),
          futureDating: e.futureDating,
        });
      }),
  );
  return ORDERABLE;
}

export function orderableSrv(srv: string): OrderableSrv | undefined {
  return orderableSrvs().find((o) => o.srv === srv);
}

/** The orderable SRV, or the typed refusal saying why not. */
export function mustOrderableSrv(srv: unknown): OrderableSrv {
  if (typeof srv !== 'string' || serviceRequest(srv) === undefined)
    throw new DuisOrderError('srv', `${JSON.stringify(srv)} is not a DUIS V5.4 Service Reference Variant`);
  const o = orderableSrv(srv);
  if (o) return o;
  const why = OWN_ROUTE[srv] ?? 'the DSP does not answer it yet (E11; see `ppmid-relay dsp srs`)';
  throw new DuisOrderError('srv', `SR ${srv} cannot be ordered as a DUIS body: ${why}`);
}

// ---------------------------------------------------------------- targets

/** The device type of `eui` at the premises (the CHF is the premises' `chf`). */
export function deviceTypeAt(p: Premises, eui: Eui): string | undefined {
  if (eui === p.chf) return 'CHF';
  return p.devices.find((d) => d.eui === eui)?.type;
}

/** A device SR's target must be of a device type DUIS lets the SR address. */
export function checkDuisTarget(o: OrderableSrv, type: string | undefined, target: Eui): void {
  if (o.class === 'non-device') return;
  if (type === undefined || !(o.targets as readonly string[]).includes(type))
    throw new DuisOrderError(
      'target',
      `SR ${o.srv} ${o.name} addresses ${o.targets.join(', ')}; ${target} is ${type ?? 'unknown'}`,
    );
}

/** The first device of the premises the SR may address (meters first, then the CHF). */
export function defaultDuisTarget(p: Premises, o: OrderableSrv): Eui {
  const types = o.targets as readonly string[];
  const d = p.devices.find((x) => types.includes(x.type));
  if (d) return d.eui;
  if (types.includes('CHF')) return p.chf;
  throw new DuisOrderError('target', `premises ${p.id} has no ${o.targets.join(' or ')} for SR ${o.srv}`);
}

// ---------------------------------------------------------------- JSON -> DuisNode

const NAME = /^[A-Za-z_][\w.-]*$/;

function text(v: DuisJson, field: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DuisOrderError(field, 'not a finite number');
    if (Number.isInteger(v) && !Number.isSafeInteger(v))
      throw new DuisOrderError(field, 'an integer beyond 2^53: give it as a string');
    return String(v);
  }
  throw new DuisOrderError(field, 'expected a string, number or boolean');
}

function element(name: string, v: DuisJson, field: string): DuisNode {
  if (v === null) return { name, namespace: SR_NS, attributes: {}, children: [], text: '' };
  if (Array.isArray(v)) throw new DuisOrderError(field, 'an array inside an array');
  if (typeof v !== 'object')
    return { name, namespace: SR_NS, attributes: {}, children: [], text: text(v, field) };
  const attributes: Record<string, string> = {};
  const children: DuisNode[] = [];
  let body: string | undefined;
  for (const [k, x] of Object.entries(v)) {
    if (k === '#text') body = text(x, `${field}.#text`);
    else if (k.startsWith('@')) {
      if (!NAME.test(k.slice(1))) throw new DuisOrderError(`${field}.${k}`, 'not an attribute name');
      attributes[k.slice(1)] = text(x, `${field}.${k}`);
    } else children.push(...elements(k, x, `${field}.${k}`));
  }
  if (body !== undefined && children.length > 0)
    throw new DuisOrderError(field, '#text and child elements together (DUIS has no mixed content)');
  return children.length > 0
    ? { name, namespace: SR_NS, attributes, children, text: undefined }
    : { name, namespace: SR_NS, attributes, children: [], text: body ?? '' };
}

function elements(name: string, v: DuisJson, field: string): DuisNode[] {
  if (!NAME.test(name)) throw new DuisOrderError(field, `${JSON.stringify(name)} is not an element name`);
  if (Array.isArray(v)) {
    if (v.length === 0) throw new DuisOrderError(field, 'an empty array (leave the element out instead)');
    return v.map((x, i) => element(name, x, `${field}[${i}]`));
  }
  return [element(name, v, field)];
}

/**
 * The DUIS body element of `srv` from its JSON form (no XSD check: see
 * `checkedDuisBody`). `body` may be the body element's content or
 * `{<bodyElement>: content}`.
 */
export function duisBodyFromJson(srv: string, body: unknown): DuisNode {
  const def = serviceRequest(srv);
  if (!def)
    throw new DuisOrderError('srv', `${JSON.stringify(srv)} is not a DUIS V5.4 Service Reference Variant`);
  if (body === undefined) body = null;
  if (typeof body !== 'object' || Array.isArray(body))
    throw new DuisOrderError('body', `expected an object (the content of ${def.bodyElement}) or null`);
  const keys = body === null ? [] : Object.keys(body);
  const content =
    keys.length === 1 && keys[0] === def.bodyElement ? (body as DuisJsonObject)[def.bodyElement] : body;
  const prefix = content === body ? 'body' : `body.${def.bodyElement}`;
  return element(def.bodyElement, content as DuisJson, prefix);
}

/** Inverse of `duisBodyFromJson` for the body element's content (tests, examples). */
export function duisBodyToJson(node: DuisNode): DuisJson {
  const attrs = Object.entries(node.attributes);
  if (node.children.length === 0) {
    if (attrs.length === 0) return node.text === '' ? null : (node.text ?? null);
    const o: DuisJsonObject = {};
    for (const [k, v] of attrs) o[`@${k}`] = v;
    if (node.text !== '') o['#text'] = node.text ?? '';
    return o;
  }
  const o: DuisJsonObject = {};
  for (const [k, v] of attrs) o[`@${k}`] = v;
  const counts = new Map<string, number>();
  for (const c of node.children) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  for (const c of node.children) {
    if (c.namespace !== SR_NS) throw new DuisOrderError(c.name, 'an element outside the DUIS namespace');
    const v = duisBodyToJson(c);
    if (counts.get(c.name)! > 1) {
      const list = (o[c.name] ?? []) as DuisJson[];
      list.push(v);
      o[c.name] = list;
    } else o[c.name] = v;
  }
  return o;
}

// ---------------------------------------------------------------- XSD check, errors mapped to fields

/** One element per line, so a validator's line number names the JSON field. */
function prettyBody(node: DuisNode, field: string, lines: string[], fields: string[]): void {
  let attrs = '';
  for (const [k, v] of Object.entries(node.attributes)) attrs += ` ${k}="${escapeAttr(v)}"`;
  const qn = `sr:${node.name}`;
  if (node.children.length === 0) {
    lines.push(node.text ? `<${qn}${attrs}>${escapeText(node.text)}</${qn}>` : `<${qn}${attrs}/>`);
    fields.push(field);
    return;
  }
  lines.push(`<${qn}${attrs}>`);
  fields.push(field);
  const seen = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const c of node.children) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  for (const c of node.children) {
    const i = seen.get(c.name) ?? 0;
    seen.set(c.name, i + 1);
    prettyBody(c, `${field}.${c.name}${counts.get(c.name)! > 1 ? `[${i}]` : ''}`, lines, fields);
  }
  lines.push(`</${qn}>`);
  fields.push(field);
}

const VALIDITY = /^-:(\d+):(?: element [^:]+:)? (?:Schemas validity|parser) (?:error|warning) : (.*)$/s;

/**
 * The body of an order checked against DUIS Schema V5.4, as a request of
 * the SR with a non-signed Command Variant would carry it (the body is the
 * same for CV 1-4 and 8). Throws DuisOrderError naming the field.
 */
export function checkedDuisBody(srv: string, body: unknown): DuisNode {
  const o = mustOrderableSrv(srv);
  const node = duisBodyFromJson(srv, body);
  const cv =
    o.commandVariants.find((c) => !isSignedPreCommandVariant(c)) ?? serviceRequest(srv)!.commandVariants[0];
  const compact = buildDuisRequest(
    {
      header: {
        requestId: { originator: '0000000000000000', target: '0000000000000000', counter: 1n },
        commandVariant: cv,
        serviceReferenceVariant: srv,
      },
      body: node,
    },
    { checkCommandVariant: false },
  );
  const cut = compact.indexOf('<sr:Body>') + '<sr:Body>'.length;
  const lines: string[] = [compact.slice(0, cut)];
  const fields: string[] = ['body'];
  prettyBody(node, 'body', lines, fields);
  lines.push('</sr:Body></sr:Request>');
  fields.push('body');
  const r = InProcessDuisXsdValidator.shared().validate(lines.join('\n'));
  if (r.valid) return node;
  const first = r.errors[0] ?? 'invalid';
  const m = VALIDITY.exec(first.trim());
  const field = m ? (fields[Number(m[1]) - 1] ?? 'body') : 'body';
  const why = (m ? m[2] : first).replaceAll(`{${SR_NS}}`, '').trim();
  throw new DuisOrderError(field, `does not match DUIS Schema V5.4 for ${srv} ${o.bodyElement}: ${why}`);
}

/** The body's ExecutionDateTime (future-dated orders stay off the PPMID route: SU-1). */
export function duisBodyExecutionDateTime(node: DuisNode): string | undefined {
  const e = node.children.find((c) => c.name === 'ExecutionDateTime' && c.namespace === SR_NS);
  return e?.text || undefined;
}
