// Meshwork dashboard: the Prometheus text format and the figures the page shows from it, with no
// DOM, so that `node --test mesh-node/src/test/js/metrics.test.js` checks them. In the browser
// this is window.MeshMetrics; in Node, module.exports.
(function (root) {
  'use strict';

  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
  const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

  /** A sample value or a bucket bound: a float, +Inf, -Inf or NaN. */
  function parseValue(token) {
    if (token === '+Inf' || token === 'Inf') return Infinity;
    if (token === '-Inf') return -Infinity;
    if (token === 'NaN') return NaN;
    const value = Number(token);
    if (token === '' || Number.isNaN(value)) throw new Error('value: "' + token + '" (expected: a number, +Inf, -Inf or NaN)');
    return value;
  }

  /**
   * Parses the Prometheus text exposition format (version 0.0.4) into
   * {samples: [{name, labels: {k: v}, value}], types: {family: 'counter' | 'gauge' | ...}}.
   * Throws an Error naming the line for anything else.
   */
  function parsePrometheus(text) {
    const samples = [];
    const types = {};
    const lines = String(text).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/\r$/, '').trim();
      if (line === '') continue;
      try {
        if (line[0] === '#') {
          const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
          if (type) types[type[1]] = type[2];
          continue;
        }
        samples.push(parseSample(line));
      } catch (e) {
        throw new Error('line ' + (i + 1) + ': ' + e.message);
      }
    }
    return { samples, types };
  }

  function parseSample(line) {
    const name = NAME.exec(line);
    if (!name) throw new Error('"' + line.slice(0, 40) + '" (expected: a metric name)');
    let rest = line.slice(name[0].length);
    const labels = {};
    if (rest[0] === '{') {
      rest = rest.slice(1);
      for (;;) {
        rest = rest.replace(/^\s+/, '');
        if (rest[0] === '}') { rest = rest.slice(1); break; }
        const label = LABEL.exec(rest);
        if (!label) throw new Error('labels of ' + name[0] + ': expected a label name or }');
        rest = rest.slice(label[0].length).replace(/^\s+/, '');
        if (rest[0] !== '=') throw new Error('label ' + label[0] + ': expected =');
        rest = rest.slice(1).replace(/^\s+/, '');
        if (rest[0] !== '"') throw new Error('label ' + label[0] + ': expected a quoted value');
        rest = rest.slice(1);
        let value = '';
        let closed = false;
        let j = 0;
        for (; j < rest.length; j++) {
          const c = rest[j];
          if (c === '\\') {
            const next = rest[++j];
            value += next === 'n' ? '\n' : next === undefined ? '' : next;
          } else if (c === '"') {
            closed = true;
            break;
          } else {
            value += c;
          }
        }
        if (!closed) throw new Error('label ' + label[0] + ': unterminated value');
        labels[label[0]] = value;
        rest = rest.slice(j + 1).replace(/^\s+/, '');
        if (rest[0] === ',') rest = rest.slice(1);
        else if (rest[0] !== '}') throw new Error('labels of ' + name[0] + ': expected , or }');
      }
    }
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') {
      throw new Error(name[0] + ': expected a value and an optional timestamp');
    }
    return { name: name[0], labels, value: parseValue(fields[0]) };
  }

  /**
   * The Meshwork figures of one scrape: per service the request counts by status and the
   * duration buckets (summed over methods, by bound), and the node's gauges.
   */
  function summarize(parsed) {
    const services = {};
    const node = { inFlight: null, connectionsOpen: null, members: {} };
    const service = (name) =>
      services[name] || (services[name] = { requests: {}, buckets: {} });
    for (const s of parsed.samples) {
      switch (s.name) {
        case 'meshwork_requests_total': {
          const svc = service(s.labels.service || '');
          const status = s.labels.status || '';
          svc.requests[status] = (svc.requests[status] || 0) + s.value;
          break;
        }
        case 'meshwork_request_duration_seconds_bucket': {
          if (s.labels.le === undefined) break;
          const svc = service(s.labels.service || '');
          const le = String(parseValue(s.labels.le));
          svc.buckets[le] = (svc.buckets[le] || 0) + s.value;
          break;
        }
        case 'meshwork_requests_in_flight':
          node.inFlight = (node.inFlight || 0) + s.value;
          break;
        case 'meshwork_connections_open':
          node.connectionsOpen = (node.connectionsOpen || 0) + s.value;
          break;
        case 'meshwork_cluster_members':
          node.members[s.labels.status || ''] = s.value;
          break;
        default:
      }
    }
    return { services, node };
  }

  /** A counter's increase; a counter lower than before was reset (the node restarted). */
  function increase(before, after) {
    if (before === undefined) return after;
    return after >= before ? after - before : after;
  }

  /**
   * The q-quantile of a cumulative histogram [{le, count}], as Prometheus' histogram_quantile:
   * linear within the bucket that holds the rank; the highest finite bound when the rank falls in
   * the +Inf bucket; null without observations or without a +Inf bucket.
   */
  function quantile(q, buckets) {
    const sorted = buckets.slice().sort((a, b) => a.le - b.le);
    if (sorted.length === 0 || sorted[sorted.length - 1].le !== Infinity) return null;
    // Scrapes are not atomic: keep the counts cumulative.
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].count < sorted[i - 1].count) sorted[i] = { le: sorted[i].le, count: sorted[i - 1].count };
    }
    const total = sorted[sorted.length - 1].count;
    if (!(total > 0)) return null;
    const rank = q * total;
    let i = 0;
    while (sorted[i].count < rank) i++;
    if (sorted[i].le === Infinity) return sorted.length > 1 ? sorted[sorted.length - 2].le : null;
    const lower = i === 0 ? 0 : sorted[i - 1].le;
    const below = i === 0 ? 0 : sorted[i - 1].count;
    const inBucket = sorted[i].count - below;
    if (inBucket <= 0) return sorted[i].le;
    return lower + (sorted[i].le - lower) * ((rank - below) / inBucket);
  }

  /**
   * Per service, between two summaries `seconds` apart: {rate, errorRate, statusRates, p99}
   * (requests/s, non-OK requests/s, requests/s by status, seconds or null when no request ended).
   */
  function compare(before, after, seconds) {
    const result = {};
    for (const name of Object.keys(after.services)) {
      const now = after.services[name];
      const then = before.services[name] || { requests: {}, buckets: {} };
      const statusRates = {};
      let rate = 0;
      let errorRate = 0;
      for (const status of Object.keys(now.requests)) {
        const r = seconds > 0 ? increase(then.requests[status], now.requests[status]) / seconds : 0;
        statusRates[status] = r;
        rate += r;
        if (status !== 'OK') errorRate += r;
      }
      // A reset of any bucket resets them all: then the whole histogram is the interval's.
      const reset = Object.keys(now.buckets).some((le) => now.buckets[le] < (then.buckets[le] || 0));
      const deltas = Object.keys(now.buckets).map((le) => ({
        le: Number(le),
        count: reset ? now.buckets[le] : now.buckets[le] - (then.buckets[le] || 0),
      }));
      result[name] = { rate, errorRate, statusRates, p99: quantile(0.99, deltas) };
    }
    return result;
  }

  /** A round upper bound for a chart's axis: 1, 2 or 5 times a power of ten, at least `value`. */
  function niceCeiling(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) {
      if (step * power >= value * (1 - 1e-9)) return step * power;
    }
    return 10 * power;
  }

  function formatRate(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return '—';
    if (value < 10) return value.toFixed(1);
    return Math.round(value).toLocaleString('en-US');
  }

  function formatSeconds(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return '—';
    if (value < 0.001) return (value * 1e6).toFixed(0) + ' µs';
    if (value < 1) return (value * 1e3).toFixed(value < 0.01 ? 2 : 1) + ' ms';
    return value.toFixed(2) + ' s';
  }

  const api = { parsePrometheus, parseValue, summarize, compare, quantile, niceCeiling, formatRate, formatSeconds };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.MeshMetrics = Object.freeze(api);
})(this);
