// The cachet dashboard. It polls `stats` (totals since start) with the token from `#token=<token>` and turns
// consecutive answers into rates and recent latency percentiles. Plain browser JavaScript: no dependencies, no
// build step, nothing loaded from another origin.

const POLL_MS = 1000;
const RETRY_MS = 3000;
const REQUEST_TIMEOUT_MS = 5000;
/** Rates and percentiles cover the answers of about the last ten seconds. */
const WINDOW_MS = 10_000;
/** Points of the requests-per-second chart (one per poll). */
const CHART_POINTS = 60;

const byId = (id) => document.getElementById(id);

let generation = 0;
let samples = [];
let rates = [];

window.addEventListener('hashchange', start);
start();

function start() {
  generation++;
  samples = [];
  rates = [];
  const token = tokenFromHash(location.hash);
  if (token === undefined) {
    showState('This page needs a token: open it as /dashboard#token=<admin or metrics token>.', true);
    return;
  }
  showState('Connecting…', false);
  poll(token, generation);
}

function tokenFromHash(hash) {
  const token = new URLSearchParams(hash.slice(1)).get('token');
  return token === null || token === '' ? undefined : token;
}

async function poll(token, current) {
  let delayMs = POLL_MS;
  try {
    const response = await fetch('stats', {
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (current !== generation) return;
    if (response.status === 401 || response.status === 403) {
      // A wrong token stays wrong: stop until the address changes.
      showState(`${response.status}: ${await problemDetail(response)} Check the token after #token=.`, true);
      return;
    }
    if (!response.ok) throw new Error(`${response.status}: ${await problemDetail(response)}`);
    render(await response.json());
    showState('Live', false);
  } catch (err) {
    if (current !== generation) return;
    showState(`Cannot read the gateway's stats (${err instanceof Error ? err.message : String(err)}); retrying.`, true);
    delayMs = RETRY_MS;
  }
  setTimeout(() => {
    if (current === generation) poll(token, current);
  }, delayMs);
}

async function problemDetail(response) {
  try {
    const problem = await response.json();
    return typeof problem.detail === 'string' ? problem.detail : response.statusText;
  } catch {
    return response.statusText;
  }
}

function showState(text, isError) {
  const state = byId('state');
  state.textContent = text;
  state.classList.toggle('error', isError);
}

function render(stats) {
  const base = baseFor(stats);
  samples.push(stats);

  byId('requests-total').textContent = formatCount(stats.requests.total);
  const rate = base === undefined ? undefined : (stats.requests.total - base.requests.total) / ((stats.at - base.at) / 1000);
  byId('requests-rate').textContent = rate === undefined ? '–' : formatRate(rate);
  if (rate !== undefined) rates = [...rates, rate].slice(-CHART_POINTS);
  drawChart(byId('rate-chart'), rates);

  byId('hit-ratio').textContent = stats.cache.hitRatio === null ? '–' : `${(stats.cache.hitRatio * 100).toFixed(1)} %`;
  byId('hits').textContent = formatCount(stats.cache.hits);
  byId('misses').textContent = formatCount(stats.cache.misses);

  renderLatency(stats.latency, base?.latency);

  byId('bytes-served').textContent = formatBytes(stats.bytes.served);
  byId('bytes-saved').textContent = formatBytes(stats.bytes.saved);
  byId('store-bytes').textContent = formatBytes(stats.cache.bytes);

  const status = byId('health-status');
  status.textContent = stats.health.status;
  status.className = `badge ${stats.health.status}`;
  replaceRows(
    byId('upstreams'),
    stats.health.upstreams.map((u) => [
      u.name,
      `${u.healthy} / ${u.total}`,
      u.healthy === 0 ? 'down' : u.healthy < u.total ? 'degraded' : 'ok',
    ]),
  );
  const statuses = Object.entries(stats.requests.byStatus).sort(([a], [b]) => Number(a) - Number(b));
  replaceRows(
    byId('statuses'),
    statuses.map(([code, count]) => [code, formatCount(count), code.startsWith('5') ? 'down' : code.startsWith('4') ? 'degraded' : '']),
  );
  renderPurges(stats.purges);

  const updated = byId('updated');
  updated.dateTime = new Date(stats.at).toISOString();
  updated.textContent = new Date(stats.at).toLocaleTimeString();
}

/**
 * The answer the rates are measured from: the oldest kept within the window. Totals that went down (the gateway
 * restarted, a worker was replaced) start the measurement again.
 */
function baseFor(stats) {
  const last = samples.at(-1);
  if (last !== undefined && (stats.requests.total < last.requests.total || stats.at <= last.at)) samples = [];
  while (samples.length > 1 && stats.at - samples[1].at >= WINDOW_MS) samples.shift();
  return samples[0];
}

function renderLatency(latency, baseLatency) {
  let cumulative = latency.cumulative;
  let note = 'since start';
  if (baseLatency !== undefined && baseLatency.cumulative.length === cumulative.length) {
    cumulative = cumulative.map((count, i) => count - baseLatency.cumulative[i]);
    note = `last ${Math.round(WINDOW_MS / 1000)} s`;
  }
  const total = cumulative.at(-1) ?? 0;
  for (const q of [50, 95, 99]) {
    const seconds = quantile(q / 100, latency.bucketsSec, cumulative);
    byId(`latency-p${q}`).textContent =
      total === 0
        ? '–'
        : seconds === Number.POSITIVE_INFINITY
          ? `over ${formatSeconds(latency.bucketsSec.at(-1))}`
          : formatSeconds(seconds);
  }
  byId('latency-window').textContent = total === 0 ? `no responses (${note})` : `${formatCount(total)} responses, ${note}`;
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly within its bucket as Prometheus'
 * histogram_quantile does; Infinity when it falls past the largest finite bound.
 */
function quantile(q, boundsSec, cumulative) {
  const rank = q * (cumulative.at(-1) ?? 0);
  let i = 0;
  while (i < boundsSec.length && cumulative[i] < rank) i++;
  if (i === boundsSec.length) return Number.POSITIVE_INFINITY;
  const lower = i === 0 ? 0 : boundsSec[i - 1];
  const below = i === 0 ? 0 : cumulative[i - 1];
  const inBucket = cumulative[i] - below;
  return lower + (boundsSec[i] - lower) * (inBucket === 0 ? 1 : (rank - below) / inBucket);
}

function renderPurges(purges) {
  const list = byId('purges');
  list.replaceChildren(
    ...purges.map((purge) => {
      const item = document.createElement('li');
      const time = document.createElement('time');
      time.dateTime = new Date(purge.at).toISOString();
      time.textContent = new Date(purge.at).toLocaleTimeString();
      const what = purge.selectors.map((selector) => Object.entries(selector)[0].join(' ')).join(', ');
      // Selectors are shown as text, never parsed as markup.
      item.append(time, ` ${purge.soft ? 'soft ' : ''}${what}: ${formatCount(purge.purged)} ${purge.purged === 1 ? 'entry' : 'entries'}`);
      return item;
    }),
  );
  byId('purges-empty').hidden = purges.length > 0;
}

function replaceRows(body, rows) {
  body.replaceChildren(
    ...rows.map(([name, value, className]) => {
      const row = document.createElement('tr');
      const nameCell = document.createElement('td');
      nameCell.textContent = name;
      const valueCell = document.createElement('td');
      valueCell.textContent = value;
      if (className !== '') valueCell.className = className;
      row.append(nameCell, valueCell);
      return row;
    }),
  );
}

function drawChart(canvas, points) {
  // Drawn at the element's size in device pixels, so the line stays sharp at any width.
  const scale = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * scale);
  canvas.height = Math.round(canvas.clientHeight * scale);
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  if (points.length < 2) return;
  const max = Math.max(...points, 1);
  const step = canvas.width / (CHART_POINTS - 1);
  const offset = (CHART_POINTS - points.length) * step;
  context.strokeStyle = getComputedStyle(canvas).getPropertyValue('--accent').trim() || '#2f6fd6';
  context.lineWidth = 2 * scale;
  context.beginPath();
  points.forEach((value, i) => {
    const y = canvas.height - 2 - (value / max) * (canvas.height - 4);
    if (i === 0) context.moveTo(offset, y);
    else context.lineTo(offset + i * step, y);
  });
  context.stroke();
}

function formatCount(value) {
  return value.toLocaleString('en');
}

function formatRate(value) {
  return value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(1);
}

function formatSeconds(value) {
  return value < 1 ? `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} ms` : `${value.toFixed(2)} s`;
}

function formatBytes(value) {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0 ? `${scaled} B` : `${scaled.toFixed(1)} ${units[unit]}`;
}
