// SVG charts drawn here, from numbers the API returned: no chart library,
// no external service. Every chart has a <title> and a text alternative
// (role=img with aria-label, plus the numbers shown next to it).
import { s, h } from './dom.js';

// donut: parts [{label, value, cls}] around a total in the middle.
export function donut(parts, { label, center, caption = 'open' } = {}) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  const R = 60, C = 2 * Math.PI * R;
  const svg = s('svg', { viewBox: '0 0 160 160', class: 'chart donut', role: 'img', 'aria-label': label });
  svg.append(s('title', null, label));
  svg.append(s('circle', { cx: 80, cy: 80, r: R, class: 'donut-track' }));
  let off = 0;
  for (const p of parts) {
    if (!p.value) continue;
    const len = (p.value / total) * C;
    svg.append(s('circle', {
      cx: 80, cy: 80, r: R, class: `donut-seg ${p.cls}`,
      'stroke-dasharray': `${len} ${C - len}`, 'stroke-dashoffset': -off, transform: 'rotate(-90 80 80)',
    }, s('title', null, `${p.label}: ${p.value}`)));
    off += len;
  }
  const c = String(center ?? fmtShort(total));
  svg.append(s('text', { x: 80, y: 78, class: `donut-num${c.length > 5 ? ' donut-num-small' : ''}`, 'text-anchor': 'middle' }, c));
  svg.append(s('text', { x: 80, y: 98, class: 'donut-cap', 'text-anchor': 'middle' }, caption));
  return svg;
}

// hbars: horizontal bars [{label, value, cls, href, note}], each with its
// label above it; the longest bar is full width. Labels link when href is set.
export function hbars(items, { label, unit = '' } = {}) {
  const max = Math.max(1, ...items.map((i) => i.value));
  const rowH = 42, W = 460, valW = 95;
  const svg = s('svg', { viewBox: `0 0 ${W} ${Math.max(1, items.length) * rowH}`, class: 'chart hbars', role: 'img', 'aria-label': label });
  svg.append(s('title', null, label));
  items.forEach((it, i) => {
    const y = i * rowH;
    const w = Math.max(3, ((W - valW) * it.value) / max);
    const text = s('text', { x: 0, y: y + 15, class: 'bar-label' }, clip(it.label, 72));
    svg.append(it.href ? s('a', { href: it.href }, text) : text);
    svg.append(s('rect', { x: 0, y: y + 22, width: w, height: 12, rx: 3, class: `bar ${it.cls || ''}` },
      s('title', null, `${it.label}: ${it.value}${typeof unit === 'function' ? unit(it.value) : unit}${it.note ? ` (${it.note})` : ''}`)));
    const u = typeof unit === 'function' ? unit(it.value) : unit;
    svg.append(s('text', { x: w + 8, y: y + 33, class: 'bar-val' }, `${it.value}${u}`));
  });
  return svg;
}

function clip(t, n) {
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

// line: series [{name, cls, points: [{x: Date, y}]}] over a shared time axis.
export function line(series, { label } = {}) {
  const W = 560, H = 200, L = 40, B = 28, T = 10, Rr = 12;
  const xs = series.flatMap((se) => se.points.map((p) => +p.x));
  const ys = series.flatMap((se) => se.points.map((p) => p.y));
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const yMax = niceStep(Math.max(4, ...ys) / 4) * 4;
  const X = (x) => L + ((x - x0) / Math.max(1, x1 - x0)) * (W - L - Rr);
  const Y = (y) => T + (1 - y / yMax) * (H - T - B);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart line', role: 'img', 'aria-label': label });
  svg.append(s('title', null, label));
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4, y = Y(v);
    svg.append(s('line', { x1: L, x2: W - Rr, y1: y, y2: y, class: 'grid' }));
    svg.append(s('text', { x: L - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmtShort(v)));
  }
  // Date labels from the right ("Now"), skipping those too close to drawn ones.
  const ticks = series[0]?.points || [];
  let lastX = Infinity;
  for (const p of [...ticks].reverse()) {
    const x = X(+p.x);
    if (lastX - x < 56) continue;
    lastX = x;
    svg.append(s('text', { x, y: H - 8, class: 'axis', 'text-anchor': x > W - 40 ? 'end' : 'middle' },
      p.label || p.x.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })));
  }
  for (const se of series) {
    const d = se.points.map((p, i) => `${i ? 'L' : 'M'}${X(+p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    svg.append(s('path', { d, class: `series ${se.cls}` }));
    for (const p of se.points) {
      svg.append(s('circle', { cx: X(+p.x), cy: Y(p.y), r: 3.5, class: `dot ${se.cls}` },
        s('title', null, `${se.name}, ${p.label || p.x.toLocaleDateString()}: ${p.y}`)));
    }
  }
  return svg;
}

// legend lists series or parts with their colour swatch and value.
export function legend(items) {
  return h('ul', { class: 'legend' }, items.map((i) =>
    h('li', null, h('span', { class: `swatch ${i.cls}`, 'aria-hidden': 'true' }), i.label, i.value != null ? h('b', null, i.value.toLocaleString()) : null)));
}

// niceStep rounds a grid step up to 1, 2, 2.5 or 5 times a power of ten
// (whole numbers only: counts have no fractions).
function niceStep(v) {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v && Number.isInteger(m * p)) return m * p;
  return 10 * p;
}

// fmtShort writes 12 500 as 12.5k (axis labels, the middle of a donut).
export function fmtShort(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (v >= 1e3 && v % 1000 === 0) return `${v / 1e3}k`;
  return String(Math.round(v));
}
