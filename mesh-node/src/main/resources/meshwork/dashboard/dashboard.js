// Meshwork dashboard: polls this node's read routes every 2 s and draws the page. Read-only.
// Every string from the cluster goes into the DOM as a text node or an attribute value, never as
// markup (and the Content-Security-Policy allows no inline script besides).
(function () {
  'use strict';

  const M = window.MeshMetrics;
  const POLL_MS = 2000;
  const WINDOW_MS = 5 * 60 * 1000;
  const SERIES = 8; // colours in dashboard.css: .series-0 ... .series-7
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const STATUSES = ['Joining', 'WeaklyUp', 'Up', 'Leaving', 'Exiting', 'Down', 'Removed'];

  let previous = null; // {at: ms (performance.now), summary}
  const history = []; // [{time: ms (Date.now), rates: {service: req/s}}]
  const colours = new Map(); // service -> series index, stable while the page lives

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attributes || {})) node.setAttribute(k, String(v));
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attributes || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  /** "pekko://meshwork@10.0.0.1:2551" -> "10.0.0.1:2551". */
  function shortNode(address) {
    const at = String(address).lastIndexOf('@');
    return at >= 0 ? String(address).slice(at + 1) : String(address);
  }

  function colourOf(service) {
    if (!colours.has(service)) colours.set(service, colours.size % SERIES);
    return 'series-' + colours.get(service);
  }

  async function get(path, kind) {
    try {
      const response = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok) return { ok: false, status: response.status };
      return { ok: true, body: kind === 'json' ? await response.json() : await response.text() };
    } catch (e) {
      return { ok: false, error: e.message || String(e) };
    }
  }

  function why(result, path) {
    return result.status ? 'GET /' + path + ' answered ' + result.status : 'GET /' + path + ': ' + result.error;
  }

  function count(value) {
    return value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
  }

  function axisLabel(value) {
    return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }

  function badge(text, cls) {
    return el('span', { class: 'badge ' + cls }, text);
  }

  function renderMembers(result) {
    const body = byId('members-body');
    if (!result.ok) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 4, class: 'problem' }, why(result, 'cluster/members'))));
      return null;
    }
    const data = result.body || {};
    const members = Array.isArray(data.members) ? data.members : [];
    const unreachable = new Map();
    for (const u of Array.isArray(data.unreachable) ? data.unreachable : []) {
      unreachable.set(String(u.node), Array.isArray(u.observedBy) ? u.observedBy.length : 0);
    }
    const rows = members.map((m) => {
      const node = String(m.node);
      const status = String(m.status);
      const statusClass = STATUSES.includes(status) ? 'status-' + status : 'status-other';
      const marks = [];
      if (node === data.selfNode) marks.push(badge('this node', 'self'));
      if (node === data.leader) marks.push(badge('leader', 'role'));
      if (node === data.oldest) marks.push(badge('oldest', 'role'));
      const reach = unreachable.has(node)
        ? badge('unreachable (seen by ' + unreachable.get(node) + ')', 'bad')
        : badge('reachable', 'good');
      const roles = (Array.isArray(m.roles) ? m.roles : []).map(String).join(', ');
      return el('tr', { class: 'member', 'data-node': node, 'data-status': status },
        el('td', { title: node }, el('span', { class: 'node' }, shortNode(node)), ...marks),
        el('td', {}, el('span', { class: 'status ' + statusClass }, status)),
        el('td', {}, reach),
        el('td', { class: 'muted' }, roles));
    });
    body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'no members'))]));
    byId('self-node').textContent = data.selfNode ? 'node ' + shortNode(data.selfNode) : '';
    byId('self-node').title = data.selfNode ? String(data.selfNode) : '';
    const up = members.filter((m) => m.status === 'Up').length;
    return { up, total: members.length, unreachable: unreachable.size };
  }

  function renderServices(result, figures) {
    const body = byId('services-body');
    if (!result.ok) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'problem' }, why(result, 'services'))));
      return null;
    }
    const data = result.body || {};
    const services = Array.isArray(data.services) ? data.services : [];
    byId('listings').textContent = data.listingsSettled === false ? 'listings still settling' : '';
    const rows = services.map((s) => {
      const name = String(s.name);
      const f = figures ? figures[name] : undefined;
      const instances = (Array.isArray(s.instances) ? s.instances : []).map((i) => {
        const cls = 'instance' + (i.local ? ' local' : '') + (i.reachable === false ? ' unreachable' : '');
        const label = shortNode(i.node) + (i.local ? ' (local)' : '') + (i.reachable === false ? ' (unreachable)' : '');
        return el('span', { class: cls, 'data-node': String(i.node), title: String(i.node) }, label);
      });
      return el('tr', { class: 'service', 'data-service': name },
        el('td', {}, el('span', { class: 'swatch ' + colourOf(name) }), el('span', { class: 'name' }, name)),
        el('td', { class: 'instances' }, ...(instances.length ? instances : [el('span', { class: 'problem' }, 'no instance')])),
        el('td', { class: 'num rate' }, f ? M.formatRate(f.rate) : '—'),
        el('td', { class: 'num errors' + (f && f.errorRate > 0 ? ' bad-text' : '') }, f ? M.formatRate(f.errorRate) : '—'),
        el('td', { class: 'num p99' }, f ? M.formatSeconds(f.p99) : '—'));
    });
    body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'no services'))]));
    return services.length;
  }

  /** Updates the rates from a /metrics answer; returns this interval's figures per service, or null. */
  function updateMetrics(result) {
    const state = byId('metrics-state');
    if (!result.ok) {
      byId('in-flight').textContent = '—';
      byId('connections').textContent = '—';
      previous = null;
      state.className = 'problem';
      state.textContent = 'metrics unavailable (' + why(result, 'metrics') + ')';
      return null;
    }
    let summary;
    try {
      summary = M.summarize(M.parsePrometheus(result.body));
    } catch (e) {
      previous = null;
      state.className = 'problem';
      state.textContent = 'metrics unavailable (unreadable: ' + e.message + ')';
      return null;
    }
    const at = performance.now();
    const node = summary.node;
    byId('in-flight').textContent = count(node.inFlight);
    byId('connections').textContent = count(node.connectionsOpen);
    if (previous === null) {
      previous = { at, summary };
      state.className = 'muted';
      state.textContent = 'metrics: waiting for a second sample';
      return null;
    }
    const figures = M.compare(previous.summary, summary, (at - previous.at) / 1000);
    previous = { at, summary };
    const now = Date.now();
    const rates = {};
    for (const [name, f] of Object.entries(figures)) rates[name] = f.rate;
    history.push({ time: now, rates });
    while (history.length && history[0].time < now - WINDOW_MS) history.shift();
    state.className = 'muted';
    state.textContent = 'requests served through this node, per second, last 5 minutes';
    return figures;
  }

  function renderChart(metricsOk) {
    const chart = byId('chart');
    const W = 960, H = 200, L = 48, R = 12, T = 10, B = 24;
    const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'requests per second per service' });
    const now = Date.now();
    let max = 0;
    const names = new Set();
    for (const point of history) {
      for (const [name, rate] of Object.entries(point.rates)) {
        names.add(name);
        if (rate > max) max = rate;
      }
    }
    const top = M.niceCeiling(max);
    const x = (t) => L + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (W - L - R);
    const y = (v) => T + (1 - v / top) * (H - T - B);
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
      root.append(svg('text', { x: L - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, axisLabel(v)));
    }
    for (let m = 5; m >= 0; m--) {
      const t = now - m * 60000;
      root.append(svg('text', { x: x(t), y: H - 6, class: 'axis', 'text-anchor': m === 0 ? 'end' : 'middle' }, m === 0 ? 'now' : '−' + m + ' min'));
    }
    const legend = [];
    for (const name of [...names].sort()) {
      const points = history
        .filter((p) => p.rates[name] !== undefined)
        .map((p) => x(p.time).toFixed(1) + ',' + y(p.rates[name]).toFixed(1));
      if (points.length === 1) points.push(points[0]);
      root.append(svg('polyline', { points: points.join(' '), class: 'line ' + colourOf(name) }));
      legend.push(el('span', { class: 'legend-item' }, el('span', { class: 'swatch ' + colourOf(name) }), name));
    }
    if (names.size === 0) {
      root.append(svg('text', { x: W / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle' },
        !metricsOk ? 'metrics unavailable' : history.length === 0 ? 'measuring…' : 'no requests'));
    }
    chart.replaceChildren(root);
    byId('legend').replaceChildren(...legend);
  }

  function renderTiles(members, servicesCount, figures) {
    byId('members-up').textContent = members ? members.up + ' / ' + members.total : '—';
    byId('unreachable').textContent = members ? String(members.unreachable) : '—';
    byId('unreachable-tile').classList.toggle('alarm', !!members && members.unreachable > 0);
    byId('services-count').textContent = servicesCount === null ? '—' : String(servicesCount);
    let total = null;
    if (figures) {
      total = 0;
      for (const f of Object.values(figures)) total += f.rate;
    }
    byId('total-rate').textContent = M.formatRate(total);
  }

  let lastFigures = null;

  async function poll() {
    try {
      await refresh();
    } catch (e) {
      const live = byId('connection');
      live.className = 'pill bad';
      live.textContent = 'page error: ' + (e.message || String(e));
    }
    setTimeout(poll, POLL_MS);
  }

  async function refresh() {
    const [members, services, metrics] = await Promise.all([
      get('cluster/members', 'json'),
      get('services', 'json'),
      get('metrics', 'text'),
    ]);
    const figures = updateMetrics(metrics);
    if (figures) lastFigures = figures;
    if (!metrics.ok) lastFigures = null;
    const memberCounts = renderMembers(members);
    const servicesCount = renderServices(services, lastFigures);
    renderTiles(memberCounts, servicesCount, lastFigures);
    renderChart(metrics.ok);
    const live = byId('connection');
    const healthy = members.ok && services.ok;
    live.className = 'pill ' + (healthy ? 'good' : 'bad');
    live.textContent = healthy ? 'live · ' + new Date().toLocaleTimeString('en-GB') : 'node not answering';
  }

  poll();
})();
