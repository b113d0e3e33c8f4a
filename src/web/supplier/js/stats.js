// Supplier console charts (Chart.js through window.ppmidCharts, src/web/shared/charts.js):
// delivery latency by route (CDF), commands per state over time, commands per route
// and state. Figures from GET api/stats, then live from SSE api/stats/events.

const ROUTE_LABEL = {
  wan: 'WAN only',
  race: 'race WAN + PPMID',
  ppmid: 'PPMID only',
  dcc: 'DCC (CV 8)',
  none: 'no route yet',
};

function fmtSeconds(s) {
  if (s === null || s === undefined) return '–';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 6) / 10} min`;
  return `${Math.round(s / 360) / 10} h`;
}

function start() {
  const C = window.ppmidCharts;
  const latency = C.line(document.getElementById('chart-latency'), {
    xType: 'logarithmic',
    xTitle: 'seconds from order to response',
    yTitle: 'share answered',
    yMax: 1,
    yPrecision: 2,
    xTick: (v) => (Number.isInteger(Math.log10(v)) ? fmtSeconds(v) : ''),
    stepped: true,
  });
  const states = C.line(document.getElementById('chart-states'), {
    time: true,
    stacked: true,
    yTitle: 'commands',
  });
  const routes = C.bar(document.getElementById('chart-routes'), { stacked: true, yTitle: 'commands' });

  function render(s) {
    C.update(
      latency,
      [],
      s.latency.map((r) => ({
        label: `${ROUTE_LABEL[r.route] ?? r.route} (${r.n})`,
        color: r.route,
        data: r.points.map((p) => ({ x: Math.max(p.x, 0.001), y: p.y })),
        fill: false,
      })),
    );
    document.getElementById('latency-summary').textContent = s.latency.length
      ? s.latency
          .map(
            (r) =>
              `${ROUTE_LABEL[r.route] ?? r.route}: median ${fmtSeconds(r.p50)}, 90 % within ${fmtSeconds(r.p90)}`,
          )
          .join(' · ')
      : 'No command has been answered yet.';
    const t = s.overTime.t;
    C.update(
      states,
      [],
      Object.keys(s.overTime.series).map((k) => ({
        label: k === 'open' ? 'open (not yet final)' : k,
        color: k,
        data: s.overTime.series[k].map((y, i) => ({ x: t[i], y })),
      })),
    );
    const routeKeys = Object.keys(s.byRouteState).sort();
    C.update(
      routes,
      routeKeys.map((r) => ROUTE_LABEL[r] ?? r),
      s.states
        .filter((st) => routeKeys.some((r) => s.byRouteState[r][st]))
        .map((st) => ({
          label: st,
          color: st,
          data: routeKeys.map((r) => s.byRouteState[r][st] ?? 0),
        })),
    );
    const total = Object.values(s.totals).reduce((a, b) => a + b, 0);
    document.getElementById('stats-note').textContent =
      `${total} commands · figures at ${C.timeLabel(s.at)} UTC, live`;
    document.body.dataset.statsAt = String(s.at);
  }

  fetch('api/stats')
    .then((r) => r.json())
    .then(render)
    .catch((err) => console.warn('stats', err));
  C.live('api/stats/events', { stats: render });
}

// Chart.js and the shared helpers load as deferred classic scripts, before module scripts run.
start();
