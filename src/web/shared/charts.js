/*
 * The consoles' charts and live updates, on Chart.js (loaded before this
 * file from the server's vendor/chart.umd.min.js; no CDN). A classic script:
 * it defines `window.ppmidCharts`, used by the start page, the supplier
 * console and the CHM Alerts Dashboard.
 *
 *   const c = ppmidCharts.line(canvas, { stacked: true, time: true, yTitle: 'homes' });
 *   ppmidCharts.update(c, labels, [{ label: 'up', data: [...], color: 'ok' }]);
 *   ppmidCharts.live('/api/estate/events', { summary: (d) => ... }, liveBadge);
 */
(() => {
  const Chart = window.Chart;
  if (!Chart) throw new Error('Chart.js did not load (vendor/chart.umd.min.js)');

  /** Colours by meaning, so a state or route reads the same on every page. */
  const COLORS = {
    ok: '#1e7b34',
    bad: '#b3261e',
    warn: '#b26a00',
    info: '#0b4a8a',
    muted: '#8a8f98',
    violet: '#6b3fa0',
    teal: '#0f7b7b',
    pink: '#b0306b',
    olive: '#6b7a12',
    brown: '#7a4a12',
  };
  const NAMED = {
    // command states (SU-2)
    queued: COLORS.muted,
    sending: COLORS.violet,
    'in-flight': COLORS.warn,
    'response-overdue': COLORS.pink,
    open: COLORS.warn,
    responded: COLORS.ok,
    failed: COLORS.bad,
    expired: COLORS.brown,
    'applied-unconfirmed': COLORS.olive,
    // routes (SU-1)
    wan: COLORS.info,
    race: COLORS.violet,
    ppmid: COLORS.teal,
    dcc: COLORS.muted,
    // WAN
    up: COLORS.ok,
    down: COLORS.bad,
    // CH modes (CSP-3)
    normal: COLORS.ok,
    'block-pending': COLORS.warn,
    standalone: COLORS.bad,
    'unblock-pending': COLORS.info,
  };
  const CYCLE = [
    COLORS.info,
    COLORS.teal,
    COLORS.warn,
    COLORS.violet,
    COLORS.pink,
    COLORS.olive,
    COLORS.bad,
    COLORS.brown,
    COLORS.ok,
    COLORS.muted,
  ];

  function colorOf(name, i) {
    return COLORS[name] ?? NAMED[name] ?? CYCLE[i % CYCLE.length];
  }

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily || 'system-ui, sans-serif';
  Chart.defaults.font.size = 12;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  const pad = (n) => String(n).padStart(2, '0');
  /** hh:mm:ss UTC of epoch ms (or yyyy-mm-dd hh:mm when `long`). */
  function timeLabel(ms, long) {
    const d = new Date(ms);
    const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return long ? `${d.toISOString().slice(0, 10)} ${hms.slice(0, 5)}` : hms;
  }

  function scales(o) {
    const x = o.time
      ? {
          type: 'linear',
          ticks: { callback: (v) => timeLabel(v, o.longTime), maxRotation: 0, autoSkipPadding: 16 },
          title: { display: !!o.xTitle, text: o.xTitle ?? '' },
        }
      : {
          type: o.xType ?? 'category',
          stacked: !!o.stacked,
          title: { display: !!o.xTitle, text: o.xTitle ?? '' },
          ...(o.xType === 'logarithmic' ? { ticks: { callback: (v) => o.xTick?.(v) ?? v } } : {}),
        };
    if (o.time) x.stacked = !!o.stacked;
    const y2 = o.y2Title
      ? {
          y2: {
            type: 'linear',
            position: 'right',
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            ticks: { precision: o.y2Precision ?? 0 },
            title: { display: true, text: o.y2Title },
          },
        }
      : {};
    // y before y2: datasets without a yAxisID take the first y scale declared
    return {
      x,
      y: {
        beginAtZero: true,
        stacked: !!o.stacked,
        ...(o.yMax !== undefined ? { max: o.yMax } : {}),
        ticks: { precision: o.yPrecision ?? 0 },
        title: { display: !!o.yTitle, text: o.yTitle ?? '' },
      },
      ...y2,
    };
  }

  function make(canvas, type, o = {}) {
    const chart = new Chart(canvas, {
      type,
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        interaction: { mode: type === 'doughnut' ? 'point' : 'index', intersect: false },
        plugins: {
          legend: { position: o.legend ?? 'bottom' },
          tooltip: o.time ? { callbacks: { title: (items) => timeLabel(items[0].parsed.x, true) } } : {},
        },
        ...(type === 'doughnut' ? { cutout: '55%' } : { scales: scales(o) }),
        ...(o.indexAxis ? { indexAxis: o.indexAxis } : {}),
      },
    });
    chart.$ppmid = { type, o };
    canvas.dataset.chart = type;
    return chart;
  }

  /**
   * Replaces a chart's data in place (no animation). `datasets`: `{label,
   * data, color?, fill?}`; time charts take `data` as `[{x, y}]`.
   */
  function update(chart, labels, datasets) {
    const { type, o } = chart.$ppmid;
    chart.data.labels = labels ?? [];
    chart.data.datasets = datasets.map((d, i) => {
      const c = d.color ? colorOf(d.color, i) : colorOf(d.label, i);
      if (type === 'doughnut')
        return {
          label: d.label,
          data: d.data,
          backgroundColor: d.colors ?? labels.map((l, j) => colorOf(l, j)),
        };
      return {
        label: d.label,
        data: d.data,
        borderColor: c,
        backgroundColor: type === 'line' ? `${c}55` : c,
        // stacked areas fill down to the series below them, the first to the axis
        fill: type === 'line' ? (d.fill ?? (o.stacked ? (i === 0 ? 'origin' : '-1') : false)) : undefined,
        pointRadius: type === 'line' ? (d.points ?? 0) : undefined,
        borderWidth: type === 'line' ? 2 : 0,
        stepped: d.stepped ?? o.stepped ?? false,
        ...(d.type ? { type: d.type, order: -1 } : {}),
        ...(d.yAxisID ? { yAxisID: d.yAxisID } : {}),
      };
    });
    const total = chart.data.datasets.reduce(
      (a, d) => a + d.data.reduce((s, v) => s + (typeof v === 'number' ? v : (v?.y ?? 0)), 0),
      0,
    );
    // For tests and assistive text: how many points and their sum are drawn now.
    chart.canvas.dataset.points = String(chart.data.datasets.reduce((a, d) => a + d.data.length, 0));
    chart.canvas.dataset.total = String(total);
    chart.update('none');
  }

  /**
   * A Server-Sent Events stream with a live badge (`.live` element: on /
   * off) and a handler per event name. Reconnects by itself (EventSource).
   */
  function live(url, handlers, badge) {
    const es = new EventSource(url);
    const set = (on) => {
      if (!badge) return;
      badge.className = `live ${on ? 'on' : 'off'}`;
      badge.textContent = on ? 'live' : 'reconnecting…';
      document.body.dataset.live = String(on);
    };
    es.onopen = () => set(true);
    es.onerror = () => set(false);
    for (const [name, fn] of Object.entries(handlers))
      es.addEventListener(name, (ev) => {
        try {
          fn(ev.data ? JSON.parse(ev.data) : undefined, ev);
        } catch (err) {
          console.warn(`live ${name}:`, err);
        }
      });
    return es;
  }

  /** Calls `fn` at most once per `ms` (trailing call kept). */
  function throttle(fn, ms) {
    let timer = null;
    let again = false;
    const run = () => {
      timer = null;
      if (again) {
        again = false;
        fn();
        timer = setTimeout(run, ms);
      }
    };
    return () => {
      if (timer) {
        again = true;
        return;
      }
      fn();
      timer = setTimeout(run, ms);
    };
  }

  window.ppmidCharts = {
    COLORS,
    colorOf,
    timeLabel,
    line: (canvas, o) => make(canvas, 'line', o),
    bar: (canvas, o) => make(canvas, 'bar', o),
    doughnut: (canvas, o) => make(canvas, 'doughnut', o),
    update,
    live,
    throttle,
  };
})();
