// The command list (SU-2) with filters (state, home, SR, route), newest
// first, kept up to date from the supplier's Server-Sent Events.

import { api } from './api.js';
import { $, el, emptyRow, fmtTime } from './dom.js';
import { newerView, outcomeLine, ROUTE_LABEL, STATE_LABEL } from './labels.js';

const LIMIT = 200;

export function createCommandList(ctx) {
  // latest: the newest view seen of each recent command (bounded), so a slow list never undoes an event.
  const s = { filter: {}, rows: new Map(), latest: new Map() };
  const LATEST_MAX = 1000;

  function matches(c) {
    const f = s.filter;
    if (f.state === 'open' && c.terminal) return false;
    if (f.state === 'terminal' && !c.terminal) return false;
    if (f.state && !['open', 'terminal'].includes(f.state) && c.state !== f.state) return false;
    if (f.premises && c.premisesId !== f.premises) return false;
    if (f.srv && c.srv !== f.srv) return false;
    if (f.route && c.route !== f.route) return false;
    return true;
  }

  function row(c, fresh) {
    const open = el('a', { cls: 'open mono', text: c.id, attrs: { href: `#command=${c.id}` } });
    open.setAttribute('aria-label', `Open the timeline of command ${c.id}`);
    const home = ctx.homes.get(c.premisesId);
    const tr = el(
      'tr',
      {
        cls: `cmd${fresh ? ' fresh' : ''}${ctx.timelineId() === c.id ? ' selected' : ''}`,
        data: { id: c.id, state: c.state },
      },
      el('td', {}, open),
      el('td', { cls: 'mono', text: fmtTime(c.createdAt) }),
      el('td', { text: home?.name || c.premisesId }),
      el('td', { cls: 'mono', text: c.target }),
      el('td', { text: `${c.srv} ${ctx.srName(c.srv)}` }),
      el('td', { text: ROUTE_LABEL[c.route] ?? c.route ?? '' }),
      el('td', {}, el('span', { cls: `badge s-${c.state}`, text: STATE_LABEL[c.state] ?? c.state })),
      el('td', { cls: 'outcome', text: outcomeLine(c) }),
    );
    tr.setAttribute('data-testid', 'command-row');
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a')) return;
      ctx.openCommand(c.id);
    });
    return tr;
  }

  function count() {
    $('#commands-count').textContent = String(s.rows.size);
  }

  async function load() {
    const p = new URLSearchParams({ limit: String(LIMIT) });
    for (const [k, v] of Object.entries(s.filter)) if (v) p.set(k, v);
    const list = (await api(`/api/v1/commands?${p}`)).map((c) => newerView(c, s.latest.get(c.id)));
    s.rows = new Map(list.map((c) => [c.id, c]));
    const body = $('#commands-body');
    if (list.length === 0) emptyRow(body, 8, 'No commands match these filters.');
    else body.replaceChildren(...list.map((c) => row(c, false)));
    count();
  }

  /** A command created or changed (SSE, or the answer to a send). */
  function upsert(seen, fresh = true) {
    // An event may overtake a slower list or answer: never show an older view over a newer one.
    const c = newerView(seen, s.latest.get(seen.id));
    s.latest.delete(c.id);
    s.latest.set(c.id, c);
    if (s.latest.size > LATEST_MAX) s.latest.delete(s.latest.keys().next().value);
    const body = $('#commands-body');
    const existing = body.querySelector(`tr[data-id="${CSS.escape(c.id)}"]`);
    if (!matches(c)) {
      if (existing) {
        existing.remove();
        s.rows.delete(c.id);
        count();
      }
      return;
    }
    s.rows.set(c.id, c);
    if (existing) existing.replaceWith(row(c, false));
    else {
      body.querySelector('tr.empty')?.remove();
      body.prepend(row(c, fresh));
      if (body.rows.length > LIMIT) body.lastElementChild.remove();
    }
    count();
  }

  function markSelected(id) {
    for (const tr of $('#commands-body').querySelectorAll('tr.cmd'))
      tr.classList.toggle('selected', tr.dataset.id === id);
  }

  function fillFilterOptions() {
    const homeSel = $('#command-filters select[name=premises]');
    const cur = homeSel.value;
    homeSel.replaceChildren(
      Object.assign(el('option', { text: 'all homes' }), { value: '' }),
      ...[...ctx.homes.values()].map((p) =>
        Object.assign(el('option', { text: p.name || p.id }), { value: p.id }),
      ),
    );
    homeSel.value = cur;
    const srSel = $('#command-filters select[name=srv]');
    const srvs = new Map(ctx.catalogue.map((x) => [x.srv, x.name]));
    srvs.set('8.11', 'Update HAN Device Log');
    srvs.set('8.13', 'Return Local Command Response');
    const curSr = srSel.value;
    srSel.replaceChildren(
      Object.assign(el('option', { text: 'all SRs' }), { value: '' }),
      ...[...srvs].map(([srv, name]) =>
        Object.assign(el('option', { text: `${srv} ${name}` }), { value: srv }),
      ),
    );
    srSel.value = curSr;
  }

  $('#command-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const fd = new FormData(e.target);
    s.filter = Object.fromEntries([...fd.entries()].filter(([, v]) => v));
    load().catch((err) => ctx.error(err));
  });
  $('#filters-reset').addEventListener('click', () => {
    $('#command-filters').reset();
    s.filter = {};
    load().catch((err) => ctx.error(err));
  });

  return { load, upsert, markSelected, fillFilterOptions };
}
