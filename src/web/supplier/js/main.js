// Supplier console: plain browser JavaScript modules, no framework, no build
// step. Boot: config -> catalogue -> homes -> commands -> live updates.

import { api, apiUrl, setApiBase } from './api.js';
import { createCommandList } from './commands.js';
import { $, toast } from './dom.js';
import { renderHomeSummary, renderHomes } from './homes.js';
import { fillHomes, fillTargets, initSend, refreshRoutes } from './send.js';
import { createTimeline } from './timeline.js';

const ctx = {
  config: { observed: false, links: {} },
  catalogue: [],
  homes: new Map(),
  homeId: null,
};

ctx.srName = (srv) =>
  ctx.catalogue.find((s) => s.srv === srv)?.name ??
  { 8.11: 'Update HAN Device Log', 8.13: 'Return Local Command Response' }[srv] ??
  '';
ctx.error = (err) => toast(err.message, true);

function selectHome(id) {
  if (!ctx.homes.has(id)) return;
  ctx.homeId = id;
  renderHomes(ctx);
  fillHomes(ctx);
  renderHomeSummary(ctx);
  fillTargets(ctx);
  refreshRoutes(ctx);
}
ctx.selectHome = selectHome;

const timeline = createTimeline(ctx);
const commands = createCommandList(ctx);
ctx.timelineId = () => timeline.id;
ctx.openCommand = (id) => {
  if (location.hash !== `#command=${id}`) history.replaceState(null, '', `#command=${id}`);
  commands.markSelected(id);
  return timeline.open(id);
};
ctx.onCommand = (c, fresh) => commands.upsert(c, fresh);

async function loadHome(id) {
  const p = await api(`/api/v1/premises/${encodeURIComponent(id)}`);
  const isNew = !ctx.homes.has(p.id);
  ctx.homes.set(p.id, p);
  if (isNew) {
    ctx.homes = new Map([...ctx.homes].sort((a, b) => a[0].localeCompare(b[0])));
    fillHomes(ctx);
    commands.fillFilterOptions();
  }
  renderHomes(ctx);
  if (p.id === ctx.homeId) {
    renderHomeSummary(ctx);
    fillTargets(ctx);
    refreshRoutes(ctx);
  }
}

const pendingHomes = new Map();
function refreshHomeSoon(id) {
  if (!id || pendingHomes.has(id)) return;
  pendingHomes.set(
    id,
    setTimeout(() => {
      pendingHomes.delete(id);
      loadHome(id).catch(ctx.error);
    }, 300),
  );
}

async function loadHomes() {
  const list = await api('/api/v1/premises');
  ctx.homes = new Map(list.map((p) => [p.id, p]));
  renderHomes(ctx);
  fillHomes(ctx);
  commands.fillFilterOptions();
}

// ---------------------------------------------------------------- live updates (SSE)
function setLive(on, text) {
  const live = $('#live');
  live.textContent = text;
  live.className = `live ${on ? 'on' : 'off'}`;
}

function connectLive() {
  const es = new EventSource(apiUrl('/api/v1/events'));
  let lost = false;
  es.addEventListener('hello', () => {
    setLive(true, 'live');
    document.body.dataset.live = 'true';
    // Events sent while the stream was down are not replayed: read the state again.
    if (lost) {
      lost = false;
      Promise.all([loadHomes(), commands.load(), timeline.id ? ctx.openCommand(timeline.id) : null]).catch(
        ctx.error,
      );
    }
  });
  es.onerror = () => {
    lost = true;
    setLive(false, 'reconnecting…');
    document.body.dataset.live = 'false';
  };
  es.addEventListener('command', (ev) => {
    const { command, hop } = JSON.parse(ev.data);
    commands.upsert(command);
    timeline.onCommandEvent(command, hop);
    // The WAN class (SU-1) follows the delivery history: look again when a command moves.
    refreshHomeSoon(command.premisesId);
  });
  es.addEventListener('premises', (ev) => {
    const { premisesId } = JSON.parse(ev.data);
    loadHome(premisesId).catch(ctx.error);
  });
  es.addEventListener('ppmid', (ev) => {
    const r = JSON.parse(ev.data);
    if (r.premisesId) loadHome(r.premisesId).catch(ctx.error);
  });
  es.addEventListener('refused', (ev) => {
    const r = JSON.parse(ev.data);
    toast(`Refused ${r.what}: ${r.reason}`, true);
  });
  if (ctx.config.observed) {
    const obs = new EventSource('api/observed/events');
    obs.addEventListener('observed', (ev) => timeline.onObserved(JSON.parse(ev.data)));
  }
}

function applyConfig(c) {
  ctx.config = c;
  setApiBase(c.apiBase);
  $('#supplier-id').textContent = c.supplierName ? `${c.supplierName} · ${c.supplierId}` : c.supplierId;
  const link = (id, href) => {
    const a = $(id);
    if (href) {
      a.href = href;
      a.hidden = false;
    }
  };
  link('#link-start', c.links.startPage);
  link('#link-chm', c.links.chmDashboard);
  $('#link-openapi').href = apiUrl('/openapi.json');
  $('#footer-openapi').href = apiUrl('/openapi.json');
}

(async function start() {
  try {
    applyConfig(await api('config.json'));
    ctx.catalogue = (await api('api/catalogue')).serviceRequests;
    initSend(ctx);
    $('#homes-find').addEventListener('input', () => renderHomes(ctx));
    connectLive();
    await Promise.all([loadHomes(), commands.load()]);
    const m = /^#command=(\d+)$/.exec(location.hash);
    const first = [...ctx.homes.keys()][0];
    if (first) selectHome(first);
    if (m) await ctx.openCommand(m[1]);
    window.addEventListener('hashchange', () => {
      const h = /^#command=(\d+)$/.exec(location.hash);
      if (h && h[1] !== timeline.id) ctx.openCommand(h[1]);
    });
    // A WAN class can change with time alone (an unanswered WAN command ageing past X): look again now and then.
    setInterval(() => {
      for (const id of ctx.homes.keys()) refreshHomeSoon(id);
    }, 30_000);
    setInterval(() => refreshHomeSoon(ctx.homeId), 5_000);
    document.body.dataset.ready = 'true';
  } catch (err) {
    toast(`The console could not start: ${err.message}`, true);
    document.body.dataset.ready = 'error';
  }
})();
