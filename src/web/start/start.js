// Start page of a running system: consoles and URLs (GET /api/system), the estate at a
// glance in live charts and the homes (SSE /api/estate/events: `hello` then `sample`
// every few seconds and after each WAN change). Values are written with textContent.

(() => {
  const C = window.ppmidCharts;
  const $ = (s) => document.querySelector(s);
  const gbp = (mp) => `£${(mp / 100_000).toFixed(2)}`;
  const ROUTE_LABEL = {
    wan: 'WAN only',
    race: 'race',
    ppmid: 'PPMID only',
    dcc: 'DCC',
    none: 'no route yet',
  };
  let history = [];

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function toast(msg, error) {
    const t = $('#toast');
    t.textContent = msg;
    t.className = `toast show${error ? ' error' : ''}`;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => {
      t.className = 'toast';
    }, 4000);
  }

  const charts = {
    wan: C.line($('#chart-wan'), { time: true, stacked: true, yTitle: 'homes', stepped: true }),
    commands: C.bar($('#chart-commands'), { stacked: true, yTitle: 'commands' }),
    relays: C.line($('#chart-relays'), { time: true, yTitle: 'relayed (cumulative)' }),
    alerts: C.bar($('#chart-alerts'), { yTitle: 'alerts' }),
  };
  charts.alerts.options.plugins.legend.display = false;

  let testApi = false;
  async function loadSystem() {
    const r = await fetch('/api/system').then((x) => x.json());
    testApi = r.testApi === true;
    document.body.dataset.testApi = String(testApi);
    $('#backchannel-note').textContent = testApi
      ? 'the WAN buttons are the SM WAN backchannel (test API on)'
      : 'start with --test-api for the SM WAN backchannel buttons';
    $('#system-line').textContent = `${r.homes} homes (${r.wanMix}), seed ${r.seed}, store ${r.store}`;
    const body = $('#consoles-body');
    const rows = r.simLastReport
      ? [
          ...r.consoles,
          {
            name: `Last simulator report: ${r.simLastReport.scenario}`,
            url: r.simLastReport.url,
            what: `${r.simLastReport.answer}${r.simLastReport.partial ? ' (stopped early)' : ''}`,
          },
        ]
      : r.consoles;
    body.replaceChildren(
      ...rows.map((c) => {
        const tr = el('tr');
        const td = el('td');
        if (c.link === false) td.append(el('code', c.url));
        else {
          const a = el('a', c.url);
          a.href = c.url;
          td.append(a);
        }
        tr.append(el('td', c.name), td, el('td', c.what));
        tr.dataset.testid = 'console-row';
        return tr;
      }),
    );
  }

  async function setWan(id, state) {
    const r = await fetch(`/api/estate/homes/${encodeURIComponent(id)}/wan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state }),
    });
    const b = await r.json();
    if (!r.ok) toast(b.message ?? `HTTP ${r.status}`, true);
    else
      toast(
        `${id}: SM WAN ${state === 'model' ? 'back to its model' : `forced ${state}`} (now ${b.wanUp ? 'up' : 'down'})`,
      );
  }

  function renderHomes(homes) {
    $('#homes-body').replaceChildren(
      ...homes.map((h) => {
        const tr = el('tr');
        tr.dataset.testid = 'home-row';
        tr.dataset.premises = h.premisesId;
        const link = el('a', h.premisesId);
        link.href = `/api/estate/homes/${encodeURIComponent(h.premisesId)}`;
        const first = el('td');
        first.append(link);
        const wan = el('td', h.wanUp ? 'up' : 'down', h.wanUp ? '' : 'wan-down');
        wan.dataset.testid = `wan-${h.premisesId}`;
        const mode = el('td', h.chMode, h.chMode === 'standalone' ? 'mode-standalone' : '');
        const buf = el('td', h.uplinkBuffered, 'num');
        buf.dataset.testid = `buffer-${h.premisesId}`;
        const ppmid = `${h.ppmid.provisioning}${h.ppmid.joined ? ', joined' : ''}, ${h.ppmid.internet}`;
        const buttons = el('td', null, 'wan-buttons backchannel');
        const states = testApi ? ['down', 'up', 'model'] : [];
        for (const state of states) {
          const label = state;
          const b = el('button', label, 'secondary');
          b.type = 'button';
          b.title = `POST /api/estate/homes/${h.premisesId}/wan {"state":"${state}"}`;
          b.dataset.testid = `wan-${state}-${h.premisesId}`;
          b.addEventListener('click', () => setWan(h.premisesId, state).catch((e) => toast(e.message, true)));
          buttons.append(b);
        }
        tr.append(
          first,
          el('td', h.wanClass),
          wan,
          mode,
          buf,
          el('td', gbp(h.esmeBalanceMillipence), 'num'),
          el('td', gbp(h.gsmeBalanceMillipence), 'num'),
          el('td', ppmid),
          buttons,
        );
        return tr;
      }),
    );
  }

  function render(summary) {
    const homes = summary.homes;
    $('#t-homes').textContent = homes.length;
    $('#t-down').textContent = summary.wan.down;
    $('#t-standalone').textContent = homes.filter((h) => h.chMode === 'standalone').length;
    $('#t-buffered').textContent = homes.reduce((a, h) => a + h.uplinkBuffered, 0);
    const cmds = summary.commands ?? [];
    $('#t-open').textContent = summary.commands
      ? cmds.filter((c) => summary.openStates.includes(c.state)).reduce((a, c) => a + c.n, 0)
      : 'n/a';
    $('#t-relays').textContent = summary.relays.delivered;
    $('#t-alerts').textContent = summary.alerts ? summary.alerts.reduce((a, x) => a + x.count, 0) : 'n/a';
    $('#glance-note').textContent = `at ${C.timeLabel(summary.at)} UTC, live`;
    renderHomes(homes);

    const routes = [...new Set(cmds.map((c) => c.route))].sort();
    const n = (r, s) => cmds.filter((c) => c.route === r && c.state === s).reduce((a, c) => a + c.n, 0);
    C.update(
      charts.commands,
      routes.map((r) => ROUTE_LABEL[r] ?? r),
      summary.states
        .filter((s) => routes.some((r) => n(r, s) > 0))
        .map((s) => ({
          label: s,
          data: routes.map((r) => n(r, s)),
        })),
    );
    const alerts = summary.alerts ?? [];
    C.update(
      charts.alerts,
      alerts.map((a) => a.type),
      [{ label: 'alerts', color: 'info', data: alerts.map((a) => a.count) }],
    );
    document.body.dataset.summaryAt = String(summary.at);
  }

  function renderHistory() {
    const pts = (k) => history.map((s) => ({ x: s.t, y: s[k] }));
    C.update(
      charts.wan,
      [],
      [
        { label: 'up', color: 'up', data: pts('wanUp') },
        { label: 'down', color: 'down', data: pts('wanDown') },
      ],
    );
    C.update(
      charts.relays,
      [],
      [
        { label: 'delivered to a meter', color: 'ok', data: pts('relayDelivered'), fill: false },
        { label: 'discarded at the CH', color: 'bad', data: pts('relayDiscarded'), fill: false },
      ],
    );
  }

  // The homes table needs to know whether the backchannel is on: the system first, then the stream.
  loadSystem()
    .catch((e) => toast(e.message, true))
    .finally(connect);
  function connect() {
    C.live(
      '/api/estate/events',
      {
        hello: (d) => {
          history = d.history;
          renderHistory();
          render(d.summary);
        },
        sample: (d) => {
          history.push(d.sample);
          if (history.length > 720) history.shift();
          renderHistory();
          render(d.summary);
        },
      },
      $('#live'),
    );
  }
})();
