// CHM Alerts Dashboard: plain browser JavaScript, no framework, no build step.
// Every value from the server is written with textContent (never innerHTML).

const $ = (sel) => document.querySelector(sel);
const state = { types: [], chs: new Map(), filter: {}, alertCount: 0, shown: 0 };
const PAGE = 500;

function fmtTime(ms) {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

function el(tag, opts = {}, ...children) {
  const e = document.createElement(tag);
  if (opts.cls) e.className = opts.cls;
  if (opts.text !== undefined && opts.text !== null) e.textContent = String(opts.text);
  if (opts.title) e.title = opts.title;
  if (opts.data) for (const [k, v] of Object.entries(opts.data)) e.dataset[k] = v;
  for (const c of children) if (c) e.append(c);
  return e;
}

function toast(msg, error = false) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = `toast show${error ? ' error' : ''}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.className = 'toast'), 4000);
}

async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text();
  if (!r.ok) throw new Error(body?.message ? `${body.error}: ${body.message}` : `HTTP ${r.status}`);
  return body;
}

// ---------------------------------------------------------------- tabs
for (const b of document.querySelectorAll('.tabs button')) {
  b.addEventListener('click', () => {
    $('#toast').className = 'toast';
    for (const x of document.querySelectorAll('.tabs button')) x.classList.toggle('active', x === b);
    for (const s of document.querySelectorAll('.tab'))
      s.classList.toggle('active', s.id === `tab-${b.dataset.tab}`);
    if (b.dataset.tab === 'reports') runReports();
    if (b.dataset.tab === 'dsp') loadImports();
  });
}

// ---------------------------------------------------------------- operator
const opInput = $('#operator');
opInput.value = localStorage.getItem('chm.operator') || 'operator';
opInput.addEventListener('change', () => localStorage.setItem('chm.operator', opInput.value.trim()));

// ---------------------------------------------------------------- alerts
function localToUtcMs(v) {
  // datetime-local values are read as UTC (the dashboard shows UTC everywhere)
  return v ? Date.parse(`${v.length === 16 ? `${v}:00` : v}Z`) : undefined;
}

function alertQuery() {
  const f = state.filter;
  const p = new URLSearchParams();
  if (f.chf) p.set('chf', f.chf);
  if (f.type) p.set('type', f.type);
  if (f.from !== undefined) p.set('from', String(f.from));
  if (f.to !== undefined) p.set('to', String(f.to));
  return p;
}

function matchesFilter(a) {
  const f = state.filter;
  if (f.chf && a.chf !== f.chf) return false;
  if (f.type && a.alertType !== f.type) return false;
  if (f.from !== undefined && a.receivedAt < f.from) return false;
  if (f.to !== undefined && a.receivedAt >= f.to) return false;
  return true;
}

function typeLabel(t) {
  return state.types.find((x) => x.type === t)?.label ?? t;
}

function alertRow(a, fresh) {
  const checks = a.verified
    ? el('span', { cls: 'ok', text: '✓ verified', title: `signature ${a.signature}, MAC ${a.mac}` })
    : el('span', { cls: 'bad', text: '⚠ failed checks', title: `signature ${a.signature}, MAC ${a.mac}` });
  const tr = el(
    'tr',
    { cls: fresh ? 'fresh' : '', data: { id: String(a.id), chf: a.chf, type: a.alertType } },
    el('td', { cls: 'mono', text: fmtTime(a.receivedAt) }),
    el('td', { cls: 'mono', text: a.chf }),
    el(
      'td',
      {},
      el('span', { cls: `badge t-${a.alertType}`, text: a.alertType, title: typeLabel(a.alertType) }),
    ),
    el('td', { text: a.name }),
    el('td', { cls: 'mono', text: a.ppmid ?? '' }),
    el('td', { text: a.reason ?? '' }),
    el('td', { cls: 'mono', text: a.target ?? '' }),
    el('td', {}, checks),
  );
  tr.setAttribute('data-testid', 'alert-row');
  return tr;
}

function emptyRow(body, cols, text) {
  body.replaceChildren(el('tr', { cls: 'empty' }, Object.assign(el('td', { text }), { colSpan: cols })));
}

async function loadAlerts() {
  const p = alertQuery();
  $('#alerts-csv').href = `/api/alerts.csv?${p}`;
  p.set('limit', String(PAGE));
  const r = await api(`/api/alerts?${p}`);
  state.alertCount = r.total;
  $('#alert-count').textContent = String(r.total);
  const body = $('#alerts-body');
  if (r.alerts.length === 0) emptyRow(body, 8, 'No alerts match these filters.');
  else body.replaceChildren(...r.alerts.map((a) => alertRow(a, false)));
  state.shown = r.alerts.length;
}

function onLiveAlert(a) {
  if (!matchesFilter(a)) return;
  const body = $('#alerts-body');
  if (body.querySelector('tr.empty')) body.replaceChildren();
  if (body.querySelector(`tr[data-id="${a.id}"]`)) return;
  body.prepend(alertRow(a, true));
  state.alertCount++;
  $('#alert-count').textContent = String(state.alertCount);
  if (body.rows.length > PAGE) body.lastElementChild.remove();
}

$('#alert-filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const fd = new FormData(e.target);
  state.filter = {
    chf: fd.get('chf') || undefined,
    type: fd.get('type') || undefined,
    from: localToUtcMs(fd.get('from')),
    to: localToUtcMs(fd.get('to')),
  };
  loadAlerts().catch((err) => toast(err.message, true));
});
$('#alert-reset').addEventListener('click', () => {
  $('#alert-filters').reset();
  state.filter = {};
  loadAlerts().catch((err) => toast(err.message, true));
});

// ---------------------------------------------------------------- CHs
function modeBadge(mode) {
  return el('span', { cls: `badge m-${mode}`, text: mode });
}

async function act(chf, action) {
  const operator = opInput.value.trim();
  if (!operator) {
    toast('Enter your operator name first.', true);
    opInput.focus();
    return;
  }
  let note;
  if (action === 'clear') {
    note = window.prompt(`Mark ${chf} cleared (A20). Note: what was done?`, '');
    if (note === null) return;
  }
  try {
    const r = await api(`/api/chs/${chf}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operator, note: note || undefined }),
    });
    // Block / Unblock say where the command is (e.g. waiting because the CH's SM WAN is down).
    toast(action === 'clear' ? `${chf} marked cleared` : `${chf}: ${r.message}`, r.wan === 'down');
    loadChsSoon();
  } catch (err) {
    toast(err.message, true);
  }
}

function actions(c) {
  const td = el('td');
  const mk = (action, label, enabled) => {
    const b = el('button', { cls: `act ${action}`, text: label, data: { action, chf: c.chf } });
    b.type = 'button';
    b.disabled = !enabled;
    b.setAttribute('data-testid', `${action}-${c.chf}`);
    b.addEventListener('click', () => act(c.chf, action));
    return b;
  };
  td.append(
    mk('block', 'Block', c.mode === 'normal'),
    mk('clear', 'Mark cleared', c.mode === 'standalone' && !c.cleared),
    mk('unblock', 'Unblock', c.mode === 'standalone' && c.cleared),
  );
  return td;
}

function renderChs() {
  const chs = [...state.chs.values()].sort((a, b) => a.chf.localeCompare(b.chf));
  const body = $('#chs-body');
  if (chs.length === 0) emptyRow(body, 9, 'No CH has been heard from yet.');
  else
    body.replaceChildren(
      ...chs.map((c) => {
        const tr = el(
          'tr',
          { data: { chf: c.chf } },
          el('td', { cls: 'mono', text: c.chf }),
          el('td', {}, modeBadge(c.mode), pendingNote(c)),
          el('td', {
            cls: c.wan === 'down' ? 'wan-down' : '',
            text: c.wan ?? 'unknown',
            data: { testid: `wan-${c.chf}` },
          }),
          el('td', { cls: 'mono', text: fmtTime(c.modeSince) }),
          el('td', { cls: 'num', text: c.ppmidConnected }),
          el('td', { cls: 'num', text: c.relayRejected }),
          el('td', { cls: 'mono', text: fmtTime(c.lastAlertAt) }),
          el('td', { cls: c.ranIsolated ? 'flag' : '', text: c.ranIsolated ? '⚑ yes' : 'no' }),
          actions(c),
        );
        tr.setAttribute('data-testid', 'ch-row');
        return tr;
      }),
    );
  const standalone = chs.filter((c) => c.mode === 'standalone' || c.mode === 'unblock-pending');
  const sb = $('#standalone-body');
  if (standalone.length === 0) emptyRow(sb, 5, 'No CH is in standalone mode.');
  else
    sb.replaceChildren(
      ...standalone.map((c) => {
        const tr = el(
          'tr',
          { data: { chf: c.chf } },
          el('td', { cls: 'mono', text: c.chf }),
          el('td', {}, modeBadge(c.mode)),
          el('td', { cls: 'mono', text: fmtTime(c.standaloneSince) }),
          el('td', { text: c.cleared ? `yes, by ${c.clearedBy} ${fmtTime(c.clearedAt)}` : 'no' }),
          actions(c),
        );
        tr.setAttribute('data-testid', 'standalone-row');
        return tr;
      }),
    );
  const pill = $('#standalone-count');
  const label =
    standalone.length === 0 ? 'none in standalone mode' : `${standalone.length} in standalone mode`;
  pill.textContent = label;
  pill.classList.toggle('hot', standalone.length > 0);
  $('#standalone-label').textContent = `${chs.length} known, ${label}`;
  renderModes(chs);
  // the CH filter lists every known CH
  const sel = $('#alert-filters select[name=chf]');
  const current = sel.value;
  const have = new Set([...sel.options].map((o) => o.value));
  for (const c of chs) if (!have.has(c.chf)) sel.append(el('option', { text: c.chf }));
  sel.value = current;
}

/** A pending Block / Unblock on a CH whose SM WAN is down waits for it: say so next to the mode. */
function pendingNote(c) {
  if (!c.mode.endsWith('-pending')) return null;
  const text = c.wan === 'down' ? ' waiting: SM WAN down' : ' sent, awaiting the CH';
  const s = el('span', { cls: c.wan === 'down' ? 'hint wan-down' : 'hint', text });
  s.setAttribute('data-testid', `pending-${c.chf}`);
  return s;
}

/**
 * Of two views of one CH, the fresher: a list read before a live event can arrive after it
 * (e.g. the reload after Block racing the CH's standalone event); an older view never wins.
 */
function fresherCh(incoming, held) {
  return held && held.updatedAt > incoming.updatedAt ? held : incoming;
}

async function loadChs() {
  const r = await api('/api/chs');
  state.chs = new Map(r.chs.map((c) => [c.chf, fresherCh(c, state.chs.get(c.chf))]));
  renderChs();
}
const loadChsSoon = () => setTimeout(() => loadChs().catch((err) => toast(err.message, true)), 0);

// ---------------------------------------------------------------- overview charts (Chart.js)
const charts = {};
const MODE_ORDER = ['normal', 'block-pending', 'standalone', 'unblock-pending'];

function renderModes(chs) {
  if (!charts.modes) return;
  const counts = MODE_ORDER.map((m) => chs.filter((c) => c.mode === m).length);
  window.ppmidCharts.update(charts.modes, MODE_ORDER, [{ label: 'CHs', data: counts }]);
}

async function loadAlertsOverTime() {
  const r = await api('/api/reports/alerts-over-time');
  const C = window.ppmidCharts;
  const bucket =
    r.bucketMs >= 86_400_000 ? 'day' : r.bucketMs >= 3_600_000 ? 'hour' : `${r.bucketMs / 60_000} min`;
  C.update(
    charts.alerts,
    r.buckets.map((b) => C.timeLabel(b.start, r.bucketMs >= 3_600_000)),
    r.types.map((t) => ({ label: typeLabel(t), data: r.buckets.map((b) => b.counts[t] ?? 0) })),
  );
  $('#apt-note').textContent = `per ${bucket}`;
}

async function loadBillingChart() {
  const r = await api('/api/reports/billing?period=day');
  const days = [...new Set(r.rows.map((x) => x.period))].sort();
  const sum = (day, k) => r.rows.filter((x) => x.period === day).reduce((a, x) => a + (x[k] ?? 0), 0);
  const datasets = ['cv2', 'cv3', 'cv6', 'cv7'].map((k) => ({
    label: `CV ${k.slice(2)}`,
    data: days.map((d) => sum(d, k)),
  }));
  // DSP-5 charges (minor units) when the CHM knows the tariff: a line on the right axis
  const currency = r.rows.find((x) => x.currency)?.currency;
  if (currency)
    datasets.push({
      label: `charges (${currency} minor units)`,
      type: 'line',
      yAxisID: 'y2',
      color: 'bad',
      points: 4,
      fill: false,
      data: days.map((d) => sum(d, 'charges')),
    });
  window.ppmidCharts.update(charts.billing, days, datasets);
  const total = days.reduce((a, d) => a + sum(d, 'localDeliveries'), 0);
  const charges = currency ? days.reduce((a, d) => a + sum(d, 'charges'), 0) : null;
  const imports = await api('/api/dsp-logs');
  $('#billing-note').textContent =
    `${total} in ${imports.imports.length} DSP log files` +
    (charges === null ? '' : `, charges ${(charges / 100).toFixed(2)} ${currency}`);
  $('#chart-billing').dataset.charges = charges === null ? '' : String(charges);
}

function initCharts() {
  const C = window.ppmidCharts;
  charts.alerts = C.bar(document.getElementById('chart-alerts'), { stacked: true, yTitle: 'alerts' });
  charts.billing = C.bar(document.getElementById('chart-billing'), {
    stacked: true,
    yTitle: 'local deliveries',
    y2Title: 'charges (minor units)',
  });
  charts.modes = C.doughnut(document.getElementById('chart-modes'), { legend: 'right' });
}
const refreshAlertsChart = () =>
  window.ppmidCharts.throttle(() => loadAlertsOverTime().catch((err) => toast(err.message, true)), 1000);
const refreshBillingChart = () =>
  window.ppmidCharts.throttle(() => loadBillingChart().catch((err) => toast(err.message, true)), 1000);

// ---------------------------------------------------------------- reports
function reportQuery() {
  const fd = new FormData($('#report-filters'));
  const p = new URLSearchParams();
  if (fd.get('from')) p.set('from', fd.get('from'));
  if (fd.get('to')) p.set('to', fd.get('to'));
  return { p, period: fd.get('period') || 'month' };
}

function fill(body, cols, rows, empty) {
  if (rows.length === 0) emptyRow(body, cols, empty);
  else body.replaceChildren(...rows);
}

async function runReports() {
  const { p, period } = reportQuery();
  const bp = new URLSearchParams(p);
  bp.set('period', period);
  $('#apd-csv').href = `/api/reports/alerts-per-day.csv?${p}`;
  $('#billing-csv').href = `/api/reports/billing.csv?${bp}`;
  $('#perf-csv').href = `/api/reports/performance.csv?${p}`;
  try {
    const [apd, bill, perf] = await Promise.all([
      api(`/api/reports/alerts-per-day?${p}`),
      api(`/api/reports/billing?${bp}`),
      api(`/api/reports/performance?${p}`),
    ]);
    fill(
      $('#apd-body'),
      4,
      apd.rows.map((r) =>
        el(
          'tr',
          {},
          el('td', { cls: 'mono', text: r.day }),
          el('td', { cls: 'mono', text: r.chf }),
          el('td', {}, el('span', { cls: `badge t-${r.alertType}`, text: r.alertType })),
          el('td', { cls: 'num', text: r.count }),
        ),
      ),
      'No alerts in this period.',
    );
    fill(
      $('#billing-body'),
      9,
      bill.rows.map((r) =>
        el(
          'tr',
          {},
          el('td', { cls: 'mono', text: r.period }),
          el('td', { cls: 'mono', text: r.user }),
          el('td', { text: r.csp }),
          el('td', { cls: 'num', text: r.localDeliveries }),
          el('td', { cls: 'num', text: r.cv2 }),
          el('td', { cls: 'num', text: r.cv3 }),
          el('td', { cls: 'num', text: r.cv6 }),
          el('td', { cls: 'num', text: r.cv7 }),
          el('td', { cls: 'num', text: r.chs }),
        ),
      ),
      'No DSP local-delivery logs loaded for this period.',
    );
    fill(
      $('#perf-body'),
      7,
      perf.rows.map((r) =>
        el(
          'tr',
          { title: r.reason },
          el('td', { text: r.kind }),
          el('td', { cls: 'mono', text: r.chf }),
          el('td', { cls: 'mono', text: r.requestId ?? '' }),
          el('td', { cls: 'mono', text: r.user ?? '' }),
          el('td', { text: r.srv ?? '' }),
          el('td', { cls: 'mono', text: fmtTime(r.from) }),
          el('td', {
            cls: 'mono',
            text: r.kind === 'isolated-ch' ? (r.to === null ? 'ongoing' : fmtTime(r.to)) : '',
          }),
        ),
      ),
      'Nothing to exclude in this period.',
    );
  } catch (err) {
    toast(err.message, true);
  }
}
$('#report-filters').addEventListener('submit', (e) => {
  e.preventDefault();
  runReports();
});

// ---------------------------------------------------------------- DSP logs
async function loadImports() {
  try {
    const r = await api('/api/dsp-logs');
    fill(
      $('#imports-body'),
      6,
      r.imports.map((i) =>
        el(
          'tr',
          {},
          el('td', { cls: 'mono', text: fmtTime(i.importedAt) }),
          el('td', { text: i.fileName }),
          el('td', { cls: 'num', text: i.rows }),
          el('td', { cls: 'num', text: i.added }),
          el('td', { cls: 'num', text: i.duplicates }),
          el('td', { cls: 'mono', text: `${i.sha256.slice(0, 16)}…`, title: i.sha256 }),
        ),
      ),
      'No DSP log loaded yet.',
    );
  } catch (err) {
    toast(err.message, true);
  }
}
$('#dsp-upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  const files = [...$('#dsp-files').files];
  if (files.length === 0) return toast('Choose one or more DSP-4 CSV files.', true);
  const out = [];
  for (const f of files) {
    try {
      const r = await api(`/api/dsp-logs?fileName=${encodeURIComponent(f.name)}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: await f.text(),
      });
      out.push(
        r.alreadyImported
          ? `${f.name}: already loaded`
          : `${f.name}: ${r.added} added, ${r.duplicates} duplicates`,
      );
    } catch (err) {
      out.push(`${f.name}: ${err.message}`);
    }
  }
  $('#dsp-result').textContent = out.join(' · ');
  loadImports();
});

// ---------------------------------------------------------------- live updates (SSE)
function connectLive() {
  const live = $('#live');
  const es = new EventSource('/api/events');
  let lost = false;
  es.onopen = () => {
    live.textContent = 'live';
    live.className = 'live on';
    // Events sent while the stream was down are not replayed: read the state again.
    if (lost) {
      lost = false;
      loadChs().catch((err) => toast(err.message, true));
      loadAlerts().catch((err) => toast(err.message, true));
    }
  };
  es.onerror = () => {
    lost = true;
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  };
  const alertsChart = refreshAlertsChart();
  const billingChart = refreshBillingChart();
  es.addEventListener('alert', (ev) => {
    onLiveAlert(JSON.parse(ev.data));
    alertsChart();
  });
  es.addEventListener('ch', (ev) => {
    const c = JSON.parse(ev.data);
    // the CSP's view of the CH's SM WAN is not in the event: keep the last one read
    const held = state.chs.get(c.chf);
    if (held && held.updatedAt > c.updatedAt) return; // a fresher view came first (a reload)
    state.chs.set(c.chf, { ...held, ...c });
    renderChs();
  });
  es.addEventListener('command', (ev) => {
    const c = JSON.parse(ev.data);
    if (['expired', 'dropped', 'failed', 'unknown-ch'].includes(c.status))
      toast(`${c.action} for ${c.chf}: ${c.status}`, true);
  });
  es.addEventListener('import', () => {
    loadImports();
    billingChart();
  });
}

// ---------------------------------------------------------------- start
(async function start() {
  try {
    const t = await api('/api/alert-types');
    state.types = t.types;
    const sel = $('#alert-filters select[name=type]');
    for (const x of t.types) {
      const o = el('option', { text: x.type, title: x.label });
      o.value = x.type;
      sel.append(o);
    }
    initCharts();
    connectLive();
    await Promise.all([loadChs(), loadAlerts(), loadAlertsOverTime(), loadBillingChart()]);
    document.body.dataset.ready = 'true';
  } catch (err) {
    toast(err.message, true);
  }
})();
