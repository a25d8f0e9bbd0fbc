// The dashboard: plain browser JavaScript over the public API (no build step). uPlot comes from
// the app's own /vendor route (served from node_modules: the page works offline).
import uPlot from '/vendor/uplot/uPlot.esm.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// With API_KEYS set, the page is opened as /?api_key=KEY and passes the key on.
const apiKey = params.get('api_key');
const state = {
  symbol: params.get('symbol')?.toUpperCase() ?? null,
  interval: params.get('interval') ?? '5m',
  chart: null,
  series: null,
  stream: null,
  updates: 0,
  lastUpdate: null,
  /** alert id → the alert (GET /v1/alerts, then `alert` events), of the symbol shown. */
  alerts: new Map(),
  /** Ids of the alert events received from /v1/stream (for the browser test). */
  streamedAlerts: [],
};
// For the browser test and for poking at it in the console.
window.dashboard = state;

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = message === '';
}

async function getJson(path) {
  const headers = { accept: 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) };
  const response = await fetch(path, { headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${body.message ?? response.statusText}`);
  return body;
}

const seconds = (iso) => Date.parse(iso) / 1000;
const fixed = (n, digits) => (n === null || n === undefined ? '–' : Number(n).toFixed(digits));
const hhmm = (iso) => new Date(iso).toISOString().slice(11, 16);
const tone = (compound) => (compound >= 0.05 ? 'pos' : compound <= -0.05 ? 'neg' : 'neu');

function cell(text, className, tag = 'td') {
  const td = document.createElement(tag);
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// ---- the chart: one series per (measure, source), so batch and speed are told apart ----

const BATCH = getComputedStyle(document.documentElement).getPropertyValue('--batch').trim() || '#2f6fdf';
const SPEED = getComputedStyle(document.documentElement).getPropertyValue('--speed').trim() || '#e8772e';
const BEARISH = getComputedStyle(document.documentElement).getPropertyValue('--bearish').trim() || '#b42318';
const BULLISH = getComputedStyle(document.documentElement).getPropertyValue('--bullish').trim() || '#1f8a4c';
/** How far back the alert list reaches: past the widest chart (2 days), for alerts opened before it. */
const ALERTS_SPAN_MS = 3 * 86_400_000;

/** Draws the batch boundary as a labelled vertical line. */
function boundaryPlugin() {
  return {
    hooks: {
      draw: (u) => {
        const boundary = state.series?.boundary;
        if (!boundary) return;
        const x = u.valToPos(seconds(boundary), 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#98a2b3';
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = '#667085';
        ctx.font = `${12 * devicePixelRatio}px system-ui`;
        ctx.fillText('batch | speed', x + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
        ctx.restore();
      },
    },
  };
}

/**
 * Draws each alert of the symbol: its span shaded from opened_at to closed_at (or now while open),
 * and at opened_at a line with a triangle pointing the alert's way (▼ bearish, ▲ bullish), so the
 * direction reads from the shape as well as from the colour.
 */
function alertsPlugin() {
  return {
    hooks: {
      draw: (u) => {
        const { min, max } = u.scales.x;
        const { left, top, width, height } = u.bbox;
        const ctx = u.ctx;
        const dpr = devicePixelRatio;
        let markers = 0;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        for (const alert of state.alerts.values()) {
          const start = seconds(alert.opened_at);
          const end = alert.closed_at ? seconds(alert.closed_at) : Date.now() / 1000;
          if (end < min || start > max) continue;
          const colour = alert.direction === 'bullish' ? BULLISH : BEARISH;
          const x0 = u.valToPos(Math.max(start, min), 'x', true);
          const x1 = u.valToPos(Math.min(end, max), 'x', true);
          ctx.globalAlpha = 0.14;
          ctx.fillStyle = colour;
          ctx.fillRect(x0, top, Math.max(x1 - x0, 2 * dpr), height);
          ctx.globalAlpha = 1;
          if (start < min) continue;
          markers++;
          ctx.strokeStyle = colour;
          ctx.lineWidth = 2 * dpr;
          // The price series leave a dash pattern set.
          ctx.setLineDash([]);
          ctx.beginPath();
          ctx.moveTo(x0, top);
          ctx.lineTo(x0, top + height);
          ctx.stroke();
          const size = 7 * dpr;
          const y = top + size + 2 * dpr;
          const tip = alert.direction === 'bullish' ? -size : size;
          ctx.beginPath();
          ctx.moveTo(x0 - size, y - tip / 2);
          ctx.lineTo(x0 + size, y - tip / 2);
          ctx.lineTo(x0, y + tip / 2);
          ctx.closePath();
          ctx.fill();
        }
        ctx.restore();
        $('chart').dataset.alertMarkers = String(markers);
      },
    },
  };
}

function chartData(series) {
  const xs = [];
  const cols = [[], [], [], []];
  for (const b of series.buckets) {
    xs.push(seconds(b.start));
    const batch = b.source === 'batch';
    cols[0].push(batch ? b.mean_compound : null);
    cols[1].push(batch ? null : b.mean_compound);
    cols[2].push(batch ? b.close_price : null);
    cols[3].push(batch ? null : b.close_price);
  }
  return [xs, ...cols];
}

function makeChart(data) {
  const width = Math.max(320, $('chart').clientWidth);
  const opts = {
    width,
    height: 320,
    plugins: [boundaryPlugin(), alertsPlugin()],
    // Times in UTC, as everywhere in the API.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      // The range asked for, not just the buckets present: a gap or a young demo shows as such.
      x: {
        time: true,
        range: (_, min, max) =>
          state.series ? [seconds(state.series.from), seconds(state.series.to)] : [min, max],
      },
      compound: { range: [-1, 1] },
      price: { auto: true },
    },
    series: [
      {
        label: 'time (UTC)',
        value: (_, v) => (v === null ? '–' : new Date(v * 1000).toISOString().slice(0, 16)),
      },
      { label: 'compound · batch', scale: 'compound', stroke: BATCH, width: 2, value: (_, v) => fixed(v, 3) },
      { label: 'compound · speed', scale: 'compound', stroke: SPEED, width: 2, value: (_, v) => fixed(v, 3) },
      {
        label: 'price · batch',
        scale: 'price',
        stroke: BATCH,
        width: 1,
        dash: [6, 3],
        value: (_, v) => fixed(v, 2),
      },
      {
        label: 'price · speed',
        scale: 'price',
        stroke: SPEED,
        width: 1,
        dash: [6, 3],
        value: (_, v) => fixed(v, 2),
      },
    ],
    axes: [
      // HH:MM (UTC): the range is at least an hour, so ticks are minutes apart at the least.
      { values: (_, ticks) => ticks.map((t) => new Date(t * 1000).toISOString().slice(11, 16)) },
      { scale: 'compound', label: 'mean compound' },
      { scale: 'price', side: 1, label: 'close price', grid: { show: false } },
    ],
  };
  return new uPlot(opts, data, $('chart'));
}

async function loadSeries() {
  const { symbol, interval } = state;
  if (!symbol) return;
  const series = await getJson(`/v1/symbols/${encodeURIComponent(symbol)}/sentiment?interval=${interval}`);
  // A slower answer for a symbol or interval no longer shown is dropped.
  if (symbol !== state.symbol || interval !== state.interval) return;
  state.series = series;
  const data = chartData(series);
  if (state.chart) state.chart.setData(data);
  else state.chart = makeChart(data);
  const points = data.slice(1).reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
  const chart = $('chart');
  chart.dataset.points = String(points);
  chart.dataset.symbol = symbol;
  chart.dataset.batch = String(series.buckets.filter((b) => b.source === 'batch').length);
  chart.dataset.speed = String(series.buckets.filter((b) => b.source === 'speed').length);
  $('horizon').textContent = series.boundary
    ? `batch boundary ${series.boundary.replace('T', ' ').slice(0, 16)} UTC (run ${series.run_id})`
    : 'no batch run yet: everything from the speed view';
  $('gaps').textContent = series.gaps.length
    ? `not covered by either view: ${series.gaps.map((g) => `${g.from.slice(0, 16)}–${g.to.slice(0, 16)} (${g.reason})`).join('; ')}`
    : '';
}

// Live minutes re-read the series, at most every few seconds however many arrive.
let refetch = null;
function scheduleSeriesReload() {
  if (refetch) return;
  refetch = setTimeout(() => {
    refetch = null;
    loadSeries().catch((e) => showError(e.message));
  }, 3000);
}

// ---- tweets, pivot ----

async function loadTweets() {
  const symbol = state.symbol;
  if (!symbol) return;
  const page = await getJson(`/v1/symbols/${encodeURIComponent(symbol)}/tweets?limit=15`);
  if (symbol !== state.symbol) return;
  const body = $('tweets').querySelector('tbody');
  body.replaceChildren(
    ...page.tweets.map((t) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(hhmm(t.created_at)),
        cell(fixed(t.compound, 3), tone(t.compound)),
        cell(fixed(t.price_at_tweet, 2)),
        cell(t.text),
      );
      return tr;
    }),
  );
}

/** Red for negative, white for neutral, green for positive; ±0.5 is full colour. */
function heat(compound) {
  const v = Math.max(-1, Math.min(1, compound / 0.5));
  const [r, g, b] =
    v >= 0 ? [255 - 200 * v, 255 - 80 * v, 255 - 180 * v] : [255, 255 + 170 * v, 255 + 170 * v];
  return `rgb(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)})`;
}

async function loadPivot() {
  const pivot = await getJson('/v1/pivot/hourly');
  $('pivot-date').textContent = `${pivot.date} (UTC hours; dashed: from the speed view)`;
  const table = document.createElement('table');
  const head = document.createElement('tr');
  head.append(...['symbol', ...pivot.hours.map((h) => hhmm(h.hour))].map((text) => cell(text, '', 'th')));
  table.append(head);
  for (const symbol of pivot.symbols) {
    const tr = document.createElement('tr');
    const name = cell(symbol);
    name.style.fontWeight = symbol === state.symbol ? '700' : '400';
    tr.append(name);
    for (const hour of pivot.hours) {
      const value = hour.values[symbol];
      const td = cell(value === null || value === undefined ? '' : fixed(value, 2), hour.source);
      if (value !== null && value !== undefined) td.style.background = heat(value);
      td.title = `${symbol} ${hhmm(hour.hour)} UTC: ${fixed(value, 3)} (${hour.source})`;
      tr.append(td);
    }
    table.append(tr);
  }
  $('pivot').replaceChildren(pivot.hours.length ? table : document.createTextNode('no tweets yet today'));
}

// ---- alerts: the list beside the chart, and the markers on it ----

const when = (iso) => iso.slice(5, 16).replace('T', ' ');
const percent = (x) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x * 100).toFixed(2)}%`;
const signed = (x) => `${x < 0 ? '−' : x > 0 ? '+' : ''}${Math.abs(x).toFixed(2)}`;

/** Keeps the newer of two versions of an alert (the list's answer may be older than a live event). */
function mergeAlert(alert) {
  const known = state.alerts.get(alert.alert_id);
  if (known && known.updated_at > alert.updated_at) return;
  state.alerts.set(alert.alert_id, alert);
}

function showAlerts() {
  const alerts = [...state.alerts.values()].sort(
    (a, b) => b.opened_at.localeCompare(a.opened_at) || a.rule.localeCompare(b.rule),
  );
  const body = $('alert-list').querySelector('tbody');
  body.replaceChildren(
    ...alerts.map((a) => {
      const tr = document.createElement('tr');
      tr.dataset.alertId = a.alert_id;
      tr.dataset.direction = a.direction;
      tr.dataset.status = a.status;
      const what = document.createElement('td');
      const direction = cell(a.direction === 'bullish' ? '▲ bullish' : '▼ bearish', a.direction, 'span');
      const rule = cell(a.rule, 'rule', 'small');
      what.append(`${a.symbol} `, direction, document.createElement('br'), rule);
      const span = document.createElement('td');
      // The closing time without its day when it is the opening's.
      const closed = !a.closed_at
        ? 'open'
        : `→ ${a.closed_at.slice(0, 10) === a.opened_at.slice(0, 10) ? a.closed_at.slice(11, 16) : when(a.closed_at)}`;
      span.append(
        when(a.opened_at),
        document.createElement('br'),
        cell(closed, a.closed_at ? 'closed' : 'open', 'span'),
      );
      tr.append(
        what,
        span,
        cell(signed(a.mean_compound), tone(a.mean_compound)),
        cell(percent(a.price_change), a.price_change < 0 ? 'neg' : 'pos'),
      );
      tr.title = `${a.alert_id}: ${a.tweet_count} tweets in ${when(a.window_start)}–${a.window_end.slice(11, 16)} UTC, price ${fixed(a.open_price, 2)} → ${fixed(a.close_price, 2)}`;
      return tr;
    }),
  );
  $('alerts-empty').hidden = alerts.length > 0;
  const alertsBox = $('alerts');
  alertsBox.dataset.count = String(alerts.length);
  alertsBox.dataset.symbol = state.symbol;
  state.chart?.redraw(false);
}

async function loadAlerts() {
  const symbol = state.symbol;
  if (!symbol) return;
  const from = new Date(Date.now() - ALERTS_SPAN_MS).toISOString();
  const list = await getJson(
    `/v1/alerts?symbol=${encodeURIComponent(symbol)}&from=${encodeURIComponent(from)}&limit=100`,
  );
  if (symbol !== state.symbol) return;
  for (const alert of list.alerts) mergeAlert(alert);
  $('alerts-note').textContent = list.truncated ? 'last 3 days, the latest 100' : 'last 3 days';
  showAlerts();
}

// ---- the live feed ----

function showMinute(row) {
  const body = $('live-minute').querySelector('tbody');
  const rows = [
    ['minute (UTC)', row.minute.replace('T', ' ').slice(0, 16)],
    ['tweets', String(row.tweets)],
    ['positive / neutral / negative', `${row.positive} / ${row.neutral} / ${row.negative}`],
    ['mean compound', fixed(row.mean_compound, 3)],
    ['close', fixed(row.close_price, 2)],
    ['final', row.final ? 'yes' : 'not yet (watermark)'],
    ['updated', row.updated_at.slice(11, 19)],
  ];
  body.replaceChildren(
    ...rows.map(([k, v]) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(k),
        cell(v, k === 'mean compound' && row.mean_compound !== null ? tone(row.mean_compound) : ''),
      );
      return tr;
    }),
  );
}

function follow(symbol) {
  state.stream?.close();
  const live = $('live');
  live.dataset.state = 'connecting';
  live.textContent = 'live: connecting';
  // EventSource cannot send headers: the key goes in the query.
  const key = apiKey ? `&api_key=${encodeURIComponent(apiKey)}` : '';
  const stream = new EventSource(`/v1/stream?symbols=${encodeURIComponent(symbol)}${key}`);
  state.stream = stream;
  stream.onopen = () => {
    live.dataset.state = 'open';
    live.textContent = `live: ${symbol}`;
  };
  stream.onerror = () => {
    // EventSource reconnects by itself; the badge says so meanwhile.
    live.dataset.state = 'error';
    live.textContent = 'live: reconnecting';
  };
  stream.addEventListener('minute', (event) => {
    const row = JSON.parse(event.data);
    if (row.symbol !== state.symbol) return;
    state.updates++;
    state.lastUpdate = row;
    const count = $('live-count');
    count.dataset.count = String(state.updates);
    count.dataset.symbol = row.symbol;
    count.textContent = `${state.updates} updates from /v1/stream`;
    showMinute(row);
    scheduleSeriesReload();
  });
  stream.addEventListener('alert', (event) => {
    const alert = JSON.parse(event.data);
    if (alert.symbol !== state.symbol) return;
    state.streamedAlerts.push(alert.alert_id);
    mergeAlert(alert);
    showAlerts();
  });
}

// ---- wiring ----

function remember() {
  const url = new URL(location.href);
  url.searchParams.set('symbol', state.symbol);
  url.searchParams.set('interval', state.interval);
  history.replaceState(null, '', url);
}

async function show(symbol) {
  state.symbol = symbol;
  state.updates = 0;
  state.lastUpdate = null;
  state.alerts = new Map();
  showAlerts();
  const count = $('live-count');
  count.dataset.count = '0';
  count.textContent = 'no update yet';
  $('live-minute').querySelector('tbody').replaceChildren();
  remember();
  follow(symbol);
  const results = await Promise.allSettled([loadSeries(), loadTweets(), loadPivot(), loadAlerts()]);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
  showError(failed.join('\n'));
}

async function start() {
  const { symbols } = await getJson('/v1/symbols');
  const picker = $('symbol');
  picker.replaceChildren(
    ...symbols.map((s) => {
      const option = document.createElement('option');
      option.value = s.symbol;
      option.textContent = s.last_price === null ? s.symbol : `${s.symbol} (${fixed(s.last_price, 2)})`;
      return option;
    }),
  );
  if (symbols.length === 0) {
    showError('no symbols tracked yet: is anything producing?');
    return;
  }
  if (!state.symbol || !symbols.some((s) => s.symbol === state.symbol)) state.symbol = symbols[0].symbol;
  picker.value = state.symbol;
  $('interval').value = state.interval;
  picker.addEventListener('change', () => show(picker.value));
  $('interval').addEventListener('change', () => {
    state.interval = $('interval').value;
    remember();
    loadSeries().catch((e) => showError(e.message));
  });
  window.addEventListener('resize', () =>
    state.chart?.setSize({ width: $('chart').clientWidth, height: 320 }),
  );
  setInterval(() => {
    Promise.all([loadTweets(), loadPivot(), loadSeries(), loadAlerts()]).catch((e) => showError(e.message));
  }, 30_000);
  await show(state.symbol);
}

start().catch((e) => showError(e.message));
