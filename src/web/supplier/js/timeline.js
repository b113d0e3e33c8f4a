// The timeline of one command, live: the supplier's hops (SU-2) from the API
// and its Server-Sent Events, and what the simulated home's CH and meter did
// (observed), with a six-stage summary on top. No reloads: hops are appended
// as they arrive; the list is an aria-live region.

import { api } from './api.js';
import { $, el, fmtClock, fmtTime } from './dom.js';
import {
  computeStages,
  describeHop,
  describeObserved,
  newerView,
  ROUTE_LABEL,
  STATE_LABEL,
} from './labels.js';

export function createTimeline(ctx) {
  const t = {
    id: null,
    command: null,
    hops: new Map(), // seq -> hop
    observed: new Map(), // seq -> observed hop
    ticket: 0,
    // While the GET of an opened command is on its way, its live events are kept here and folded
    // in after it: the GET may have been read before them (or after them), and the first command
    // opened has no view yet. Without this, a fast delivery's events are lost or a stale GET wins.
    loading: false,
    pendingObserved: [],
  };

  function stateBadge(c) {
    const b = el('span', { cls: `badge s-${c.state}`, text: STATE_LABEL[c.state] ?? c.state });
    b.setAttribute('data-testid', 'command-state');
    return b;
  }

  function renderHead() {
    const c = t.command;
    const head = $('#command-head');
    const home = ctx.homes.get(c.premisesId);
    const sr = ctx.srName(c.srv);
    $('#timeline-title').textContent = `of command ${c.id}`;
    const dl = el('dl', { cls: 'command-head' });
    const row = (k, v) => dl.append(el('dt', { text: k }), el('dd', {}, v));
    row('Service Request', `${c.srv} ${sr}`);
    row('State', stateBadge(c));
    row('Home', home?.name ? `${home.name} (${c.premisesId})` : c.premisesId);
    row('Device', el('span', { cls: 'mono', text: c.target }));
    row(
      'Route',
      c.route ? `${ROUTE_LABEL[c.route] ?? c.route} · CV ${(c.commandVariants ?? []).join(' then ')}` : '',
    );
    row('Request ID', el('span', { cls: 'mono', text: c.requestId ?? 'assigned at dispatch' }));
    if (c.order?.kind === 'top-up' && c.order.utrn)
      row('UTRN', el('span', { cls: 'mono', text: c.order.utrn.replace(/(\d{4})(?=\d)/g, '$1 ') }));
    row('Expires', fmtTime(c.expiresAt));
    if (c.reason && c.terminal) row('Outcome', c.reason);
    head.replaceWith(Object.assign(dl, { id: 'command-head' }));
    dl.setAttribute('data-testid', 'command-head');
  }

  function renderStages() {
    const stages = computeStages(
      t.command,
      [...t.hops.values()],
      [...t.observed.values()],
      ctx.config.observed,
    );
    const ol = $('#stages');
    ol.replaceChildren(
      ...stages.map((s) => {
        const li = el(
          'li',
          { cls: s.status, data: { stage: s.id, status: s.status } },
          el('b', { text: s.label }),
          el('span', { text: s.note, title: s.note }),
        );
        li.setAttribute('data-testid', `stage-${s.id}`);
        li.setAttribute('aria-label', `${s.label}: ${s.status}, ${s.note}`);
        return li;
      }),
    );
    ol.hidden = false;
  }

  function hopItem(kind, h, fresh) {
    const observed = kind === 'observed';
    const d = observed ? describeObserved(h) : describeHop(h);
    const what = el('div', { cls: 'what' }, el('b', { text: d.title }));
    if (observed)
      what.append(
        el('span', {
          cls: 'src',
          text: `observed in ${h.home}`,
          title: 'seen in the simulated home; a real supplier does not see this',
        }),
      );
    const lines = d.lines.filter(Boolean);
    if (lines.length) what.append(el('ul', {}, ...lines.map((l) => el('li', { text: l }))));
    const li = el(
      'li',
      {
        cls: `${d.tone}${observed ? ' observed' : ''}${fresh ? ' fresh' : ''}`,
        data: { kind: h.kind, stage: d.stage, ...(observed ? { observed: 'true' } : { seq: h.seq }) },
      },
      el('span', { cls: 't', text: fmtClock(h.at), title: fmtTime(h.at) }),
      el('span', { cls: 'dot', attrs: { 'aria-hidden': 'true' } }),
      what,
    );
    li.setAttribute('data-testid', 'hop');
    return li;
  }

  function renderHops() {
    const items = [
      ...[...t.hops.values()].map((h) => ['hop', h]),
      ...[...t.observed.values()].map((h) => ['observed', h]),
    ].sort(
      (a, b) =>
        Date.parse(a[1].at) - Date.parse(b[1].at) ||
        (a[0] === 'hop' && b[0] === 'hop' ? a[1].seq - b[1].seq : 0),
    );
    const ol = $('#hops');
    if (items.length === 0) ol.replaceChildren(el('li', { cls: 'empty', text: 'No hops yet.' }));
    else ol.replaceChildren(...items.map(([k, h]) => hopItem(k, h, false)));
  }

  function append(kind, h) {
    const ol = $('#hops');
    ol.querySelector('li.empty')?.remove();
    ol.append(hopItem(kind, h, true));
    ol.scrollTop = ol.scrollHeight;
  }

  async function open(id) {
    const ticket = ++t.ticket;
    t.id = id;
    t.command = null;
    t.hops.clear();
    t.observed.clear();
    t.pendingObserved = [];
    t.loading = true;
    $('#hops').replaceChildren(el('li', { cls: 'empty', text: `Loading command ${id}…` }));
    try {
      const r = await api(`/api/v1/commands/${encodeURIComponent(id)}`);
      if (ticket !== t.ticket) return;
      t.command = newerView(r.command, t.command);
      for (const h of r.timeline) t.hops.set(h.seq, h);
      if (ctx.config.observed && t.command.requestId) {
        const o = await api(`api/observed?${new URLSearchParams({ requestId: t.command.requestId })}`);
        if (ticket !== t.ticket) return;
        for (const h of o.hops) t.observed.set(h.seq, h);
      }
      for (const h of t.pendingObserved) if (h.requestId === t.command.requestId) t.observed.set(h.seq, h);
      t.pendingObserved = [];
      t.loading = false;
      renderHead();
      renderStages();
      renderHops();
      document.body.dataset.timeline = id;
    } catch (err) {
      if (ticket !== t.ticket) return;
      t.loading = false;
      $('#hops').replaceChildren(
        el('li', { cls: 'empty bad', text: `Could not load command ${id}: ${err.message}` }),
      );
    }
  }

  /** A `command` event of the supplier's SSE stream. */
  function onCommandEvent(command, hop) {
    if (command.id !== t.id) return;
    t.command = newerView(command, t.command);
    const fresh = hop && !t.hops.has(hop.seq);
    if (fresh) t.hops.set(hop.seq, hop);
    if (t.loading) return; // folded in and drawn once the GET is back
    renderHead();
    if (fresh) append('hop', hop);
    renderStages();
  }

  /** An observed hop (the simulated home). */
  function onObserved(h) {
    if (t.loading) {
      t.pendingObserved.push(h);
      return;
    }
    if (!t.command || h.requestId !== t.command.requestId || t.observed.has(h.seq)) return;
    t.observed.set(h.seq, h);
    append('observed', h);
    renderStages();
  }

  return {
    open,
    onCommandEvent,
    onObserved,
    get id() {
      return t.id;
    },
  };
}
