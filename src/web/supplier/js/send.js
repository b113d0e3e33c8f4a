// The Send a Service Request form: home, device, SR and its fields, route
// (the planner's choice by default, SU-1), a preview of the route with its
// reasons, and the API's own error message when it refuses.

import { ApiError, api, postJson } from './api.js';
import { $, $$, el } from './dom.js';
import { hasRelayPpmid, ppmidUnavailableReason } from './homes.js';
import { ROUTE_LABEL } from './labels.js';

const PREFERRED_TARGET = {
  'top-up': ['ESME', 'GSME'],
  'read-registers': ['ESME', 'GSME'],
  price: ['ESME'],
  supply: ['ESME'],
  'commission-device': ['ESME', 'GSME'],
};

export function initSend(ctx) {
  const sel = $('#send-sr');
  sel.replaceChildren(
    ...ctx.catalogue.map((s) => {
      const label = `${s.srv} ${s.name}${s.kind === 'duis' ? ' (JSON body)' : ''}${s.localDelivery ? '' : ' (WAN only)'}`;
      const o = el('option', { text: label });
      o.value = s.key;
      return o;
    }),
  );
  $('#send-home').addEventListener('change', (e) => ctx.selectHome(e.target.value));
  sel.addEventListener('change', () => {
    showFields(ctx);
    fillTargets(ctx);
    refreshRoutes(ctx);
  });
  $('#send-target').addEventListener('change', () => refreshRoutes(ctx));
  for (const r of $$('input[name=route]')) r.addEventListener('change', () => refreshRoutes(ctx));
  $('#send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submit(ctx);
  });
  showFields(ctx);
}

function currentSr(ctx) {
  return ctx.catalogue.find((s) => s.key === $('#send-sr').value);
}

function showFields(ctx) {
  const sr = currentSr(ctx);
  for (const f of $$('.sr-fields')) {
    const on = sr && f.dataset.sr === sr.kind;
    f.hidden = !on;
    f.disabled = !on;
  }
  if (sr?.kind === 'duis') $('#duis-body-element').textContent = sr.bodyElement;
}

export function fillHomes(ctx) {
  const sel = $('#send-home');
  const homes = [...ctx.homes.values()];
  sel.replaceChildren(
    ...(ctx.homeId ? [] : [Object.assign(el('option', { text: 'choose a home' }), { value: '' })]),
    ...homes.map((p) => {
      const o = el('option', { text: p.name ? `${p.name} (${p.id})` : p.id });
      o.value = p.id;
      return o;
    }),
  );
  sel.value = ctx.homeId ?? '';
}

/** A DUIS order's target types: the SRV's device types, or the DCC (the ACB) for a non-device SR. */
function duisTargets(sr) {
  return sr.targets.length > 0 ? sr.targets : ['DCC'];
}

export function fillTargets(ctx) {
  const p = ctx.homes.get(ctx.homeId);
  const sel = $('#send-target');
  const previous = sel.value;
  const sr = currentSr(ctx);
  const wanted = sr?.kind === 'duis' ? duisTargets(sr) : (PREFERRED_TARGET[sr?.kind] ?? ['ESME']);
  // the CHF and, for a non-device SR, the DCC itself are targets too (DUIS orders)
  const extra = p
    ? [
        { type: 'CHF', eui: p.chf },
        { type: 'DCC', eui: 'DCC' },
      ]
    : [];
  const all = [
    ...(p?.devices ?? []),
    ...extra.filter((x) => !(p?.devices ?? []).some((d) => d.eui === x.eui)),
  ];
  const devices = all.filter((d) => wanted.includes(d.type));
  if (!p) {
    sel.replaceChildren(Object.assign(el('option', { text: 'choose a home first' }), { value: '' }));
    return;
  }
  if (devices.length === 0) {
    sel.replaceChildren(
      Object.assign(el('option', { text: `no ${wanted.join(' or ')} at this home` }), { value: '' }),
    );
    return;
  }
  sel.replaceChildren(
    ...devices.map((d) => {
      const o = el('option', { text: d.type === 'DCC' ? 'the DCC (non-device SR)' : `${d.type} ${d.eui}` });
      o.value = d.eui;
      return o;
    }),
  );
  if (devices.some((d) => d.eui === previous)) sel.value = previous;
}

let previewTicket = 0;

/** Enables the routes the home and the SR allow, explains the others, and previews the planner's choice. */
export async function refreshRoutes(ctx) {
  const p = ctx.homes.get(ctx.homeId);
  const sr = currentSr(ctx);
  const note = $('#route-note');
  const noPpmid = ppmidUnavailableReason(p);
  const notLocal =
    sr && !sr.localDelivery
      ? `SR ${sr.srv} ${sr.name} is not available for local delivery (SECMP0038 DSP-3): WAN only.`
      : null;
  const localWhy = !p ? 'choose a home first' : (notLocal ?? (hasRelayPpmid(p) ? null : noPpmid));
  for (const r of $$('input[name=route]')) {
    const local = r.value === 'race' || r.value === 'ppmid';
    r.disabled = !p || (local && localWhy !== null);
    r.closest('label').classList.toggle('unavailable', r.disabled && local);
    r.closest('label').title = r.disabled && local ? localWhy : '';
    if (r.disabled && r.checked) $('input[name=route][value=auto]').checked = true;
  }
  if (!p || !sr) {
    note.textContent = '';
    return;
  }
  const route = $('input[name=route]:checked')?.value ?? 'auto';
  previewTicket += 1;
  const ticket = previewTicket;
  try {
    const q = new URLSearchParams({ premises: p.id, sr: sr.key, route });
    const r = await api(`api/route-preview?${q}`);
    if (ticket !== previewTicket) return;
    const lines = [];
    if (r.ok)
      lines.push(
        `${route === 'auto' ? 'The route planner will choose' : 'You chose'} ${ROUTE_LABEL[r.route]} (CV ${r.commandVariants.join(' then ')}): ${r.reasons.join('; ')}.`,
      );
    else lines.push(`Refused: ${r.reasons.join('; ')}`);
    if (localWhy && r.ok && notLocal) lines.push(notLocal);
    else if (localWhy && r.ok)
      lines.push(
        'Race and PPMID only are not offered: this home has no enhanced PPMID with its relay flag (see above).',
      );
    note.textContent = lines.join(' ');
    note.classList.toggle('refused', !r.ok);
  } catch (err) {
    if (ticket !== previewTicket) return;
    note.textContent = `Route preview unavailable: ${err.message}`;
    note.classList.add('refused');
  }
}

function fieldError(msg, input) {
  const e = new Error(msg);
  e.input = input;
  return e;
}

/** The `order` of the API from the form (throws with the field to fix). */
export function orderFromForm(sr) {
  const f = $('#send-form');
  switch (sr.kind) {
    case 'top-up': {
      const input = $('#topup-amount');
      const raw = input.value.trim().replace(/^£/, '');
      if (!/^\d+(\.\d{1,2})?$/.test(raw)) throw fieldError('Amount: enter pounds, e.g. 10 or 2.50', input);
      const [pounds, pence = ''] = raw.split('.');
      const p = Number(pounds);
      const pennies = p * 100 + Number(pence.padEnd(2, '0') || '0');
      if (pennies <= 0) throw fieldError('Amount: must be more than £0', input);
      if (pennies % 100 === 0) {
        if (p > 8191) throw fieldError('Amount: at most £8191 (a UTRN carries 13 bits of value)', input);
        return { kind: 'top-up', value: p, valueClass: 'pounds' };
      }
      if (pennies > 8191)
        throw fieldError(
          'Amount: with pence, at most £81.91 (a UTRN carries 13 bits of value); use whole pounds above',
          input,
        );
      return { kind: 'top-up', value: pennies, valueClass: 'pennies' };
    }
    case 'read-registers':
      return { kind: 'read-registers' };
    case 'price': {
      const num = (name) => {
        const input = f.elements[name];
        const v = Number(input.value);
        if (input.value.trim() === '' || !Number.isInteger(v))
          throw fieldError(`${input.labels[0].firstChild.textContent.trim()}: a whole number`, input);
        return v;
      };
      const tou = f.elements.touPrices;
      const prices = tou.value
        .split(/[\s,;]+/)
        .filter(Boolean)
        .map(Number);
      if (prices.length < 1 || prices.length > 48 || prices.some((x) => !Number.isInteger(x) || x < 0))
        throw fieldError('TOU prices: 1 to 48 whole numbers, comma separated', tou);
      return {
        kind: 'price',
        standingCharge: num('standingCharge'),
        standingChargeScale: num('standingChargeScale'),
        priceScale: num('priceScale'),
        touPrices: prices,
      };
    }
    case 'supply':
      return { kind: 'supply', action: sr.action };
    case 'duis': {
      const input = $('#duis-body');
      let body;
      try {
        body = JSON.parse(input.value.trim() || 'null');
      } catch (err) {
        throw fieldError(`Body: not JSON (${err.message})`, input);
      }
      if (Array.isArray(body) || (body !== null && typeof body !== 'object'))
        throw fieldError(`Body: a JSON object (the content of ${sr.bodyElement}) or null`, input);
      return { kind: 'duis', srv: sr.srv, body };
    }
    case 'commission-device':
      // CurrentDateTime and TolerancePeriod: the supplier fills them in when it takes the order (no-wan.ts)
      return { kind: 'commission-device' };
    default:
      throw new Error(`the console cannot build a ${sr.kind} order`);
  }
}

function showError(title, message) {
  const box = $('#send-error');
  box.replaceChildren(el('strong', { text: title }), el('span', { text: message }));
  box.hidden = false;
}

async function submit(ctx) {
  const box = $('#send-error');
  box.hidden = true;
  const status = $('#send-status');
  const p = ctx.homes.get(ctx.homeId);
  const sr = currentSr(ctx);
  if (!p) return showError('Choose a home', 'Pick a home in the table or the Home list.');
  const target = $('#send-target').value;
  if (!target) return showError('No device to command', `Home ${p.id} has no device this SR applies to.`);
  let order;
  try {
    order = orderFromForm(sr);
  } catch (err) {
    showError('Check the form', err.message);
    err.input?.focus();
    return;
  }
  const route = $('input[name=route]:checked')?.value ?? 'auto';
  const button = $('#send-button');
  button.disabled = true;
  status.textContent = 'Sending…';
  try {
    const body = { order, ...(target !== 'DCC' ? { target } : {}), ...(route !== 'auto' ? { route } : {}) };
    const c = await postJson(`/api/v1/premises/${encodeURIComponent(p.id)}/commands`, body);
    status.textContent = `Command ${c.id} accepted: ${ROUTE_LABEL[c.route] ?? c.route}`;
    ctx.onCommand(c, true);
    ctx.openCommand(c.id);
  } catch (err) {
    status.textContent = '';
    if (err instanceof ApiError)
      showError(`The supplier service refused the command (${err.code})`, err.message);
    else showError('Could not send', err.message);
  } finally {
    button.disabled = false;
  }
}
