// Small DOM helpers for the supplier console. Every value from the server is
// written with textContent (never innerHTML).

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** el('td', { cls, text, title, data: {k: v}, attrs: {k: v} }, ...children) */
export function el(tag, opts = {}, ...children) {
  const e = document.createElement(tag);
  if (opts.cls) e.className = opts.cls;
  if (opts.text !== undefined && opts.text !== null) e.textContent = String(opts.text);
  if (opts.title) e.title = opts.title;
  if (opts.data) for (const [k, v] of Object.entries(opts.data)) e.dataset[k] = String(v);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) e.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** ISO time or epoch ms -> `YYYY-MM-DD HH:MM:SSZ` */
export function fmtTime(t) {
  if (t === null || t === undefined) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.toISOString().replace('T', ' ').slice(0, 19)}Z`;
}

/** ISO time or epoch ms -> `HH:MM:SS.mmm` */
export function fmtClock(t) {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(11, 23);
}

export function emptyRow(body, cols, text) {
  const td = el('td', { text });
  td.colSpan = cols;
  body.replaceChildren(el('tr', { cls: 'empty' }, td));
}

export function toast(msg, error = false) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = `toast show${error ? ' error' : ''}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.className = 'toast';
  }, 5000);
}
