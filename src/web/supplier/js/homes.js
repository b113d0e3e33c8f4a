// The Homes table: every premises with its WAN class (SU-1) and its enhanced
// PPMID (SU-3), and the summary of the chosen home that says which routes it
// has and why (no dead ends).

import { $, el, emptyRow } from './dom.js';
import { PPMID_STATE_LABEL, WAN_LABEL } from './labels.js';

export function wanBadge(cls, reasons) {
  return el('span', {
    cls: `badge w-${cls}`,
    text: WAN_LABEL[cls] ?? cls,
    title: (reasons ?? []).join('\n'),
  });
}

export function ppmidBadge(p) {
  if (!p.ppmid && !p.ppmidState) return el('span', { cls: 'badge p-none', text: 'none' });
  const state = p.ppmidState ?? 'registered';
  return el('span', { cls: `badge p-${state}`, text: PPMID_STATE_LABEL[state] ?? state });
}

/** Whether the planner may send a command through the home's PPMID (relay flag set, C3). */
export function hasRelayPpmid(p) {
  return !!p && !!p.ppmid && p.relayEnabled === true;
}

/** Why the home's PPMID cannot be used, in words; null when it can. */
export function ppmidUnavailableReason(p) {
  if (!p) return 'choose a home first';
  if (hasRelayPpmid(p)) return null;
  switch (p.ppmidState) {
    case null:
    case undefined:
      return `Home ${p.id} has no enhanced PPMID, so only the WAN route is offered. Provision one (SU-3: POST /api/v1/premises/${p.id}/ppmid) to deliver through it.`;
    case 'registered':
    case 'device-log-pending':
      return "This home's enhanced PPMID is being provisioned: the 8.11 Update HAN Device Log that sets its relay flag in the CHF has not been answered yet (it goes over the WAN). Until then only the WAN route is offered.";
    case 'failed':
      return "Provisioning of this home's enhanced PPMID failed (the 8.11 Device Log update was not answered), so only the WAN route is offered. Provision it again once the WAN answers.";
    default:
      return `The PPMID is ${p.ppmidState} without its relay flag: only the WAN route is offered.`;
  }
}

function matches(p, q) {
  if (!q) return true;
  const s = q
    .trim()
    .toUpperCase()
    .replace(/[-:\s]/g, '');
  return [p.id, p.name ?? '', p.chf, p.ppmid ?? ''].some((x) =>
    x
      .toUpperCase()
      .replace(/[-:\s]/g, '')
      .includes(s),
  );
}

// What the Homes table last showed: a refresh that changes nothing leaves the
// rows in place, so an operator's click on a row is never lost to a periodic
// re-render (mouse down on the old row, up on its replacement).
let shownHomes = '';

export function renderHomes(ctx) {
  const body = $('#homes-body');
  const q = $('#homes-find').value;
  const shown = JSON.stringify([q, ctx.homeId ?? null, [...ctx.homes.values()]]);
  if (shown === shownHomes && body.isConnected) return;
  shownHomes = shown;
  const homes = [...ctx.homes.values()].filter((p) => matches(p, q));
  $('#homes-count').textContent = String(ctx.homes.size);
  if (ctx.homes.size === 0)
    return emptyRow(body, 4, 'No homes yet: the supplier has no premises registered.');
  if (homes.length === 0) return emptyRow(body, 4, `No home matches "${q}".`);
  body.replaceChildren(
    ...homes.map((p) => {
      const pick = el('button', {
        cls: 'linklike home-name',
        text: p.name || p.id,
        attrs: { type: 'button' },
      });
      pick.setAttribute('aria-label', `Choose home ${p.name || p.id}`);
      pick.setAttribute('aria-pressed', String(ctx.homeId === p.id));
      const tr = el(
        'tr',
        { cls: `home${ctx.homeId === p.id ? ' selected' : ''}`, data: { id: p.id } },
        el('td', {}, pick, p.name ? el('span', { cls: 'home-id', text: p.id }) : null),
        el('td', { cls: 'mono', text: p.chf }),
        el('td', {}, wanBadge(p.wanClass, p.wanReasons)),
        el('td', { title: p.ppmid ? `PPMID ${p.ppmid}` : 'no enhanced PPMID' }, ppmidBadge(p)),
      );
      tr.setAttribute('data-testid', 'home-row');
      tr.addEventListener('click', () => ctx.selectHome(p.id));
      return tr;
    }),
  );
}

/** The chosen home's WAN and PPMID in words. */
export function renderHomeSummary(ctx) {
  const box = $('#home-summary');
  const p = ctx.homes.get(ctx.homeId);
  if (!p) {
    box.hidden = true;
    $('#send-home-label').textContent = 'choose a home';
    return;
  }
  $('#send-home-label').textContent = `to ${p.name || p.id}`;
  const wanLine = el('p', {}, el('b', { text: 'WAN: ' }), wanBadge(p.wanClass, p.wanReasons), ' ');
  const reasons = el('ul', {}, ...(p.wanReasons ?? []).map((r) => el('li', { text: r })));
  const why = ppmidUnavailableReason(p);
  const ppmidLine = el(
    'p',
    {},
    el('b', { text: 'Enhanced PPMID: ' }),
    ppmidBadge(p),
    p.ppmid ? el('span', { cls: 'mono', text: ` ${p.ppmid}` }) : null,
  );
  const note = why
    ? el('p', { cls: 'hint', text: why, data: { testid: 'no-ppmid-reason' } })
    : el('p', {
        cls: 'hint',
        text: 'The route planner may deliver through this PPMID (relay flag set in the CHF Device Log).',
      });
  note.setAttribute('data-testid', 'ppmid-note');
  box.replaceChildren(wanLine, reasons, ppmidLine, note);
  box.hidden = false;
}
