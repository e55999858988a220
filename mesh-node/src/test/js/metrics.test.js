// The dashboard's Prometheus parser and figures (mesh-node/src/main/resources/meshwork/dashboard/
// metrics.js). Run: node --test mesh-node/src/test/js/metrics.test.js
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const M = require(path.join(__dirname, '../../main/resources/meshwork/dashboard/metrics.js'));

const SCRAPE = `# HELP meshwork_requests_total Requests answered, by service, method and status.
# TYPE meshwork_requests_total counter
meshwork_requests_total{service="echo",method="",status="OK"} 100
meshwork_requests_total{service="echo",method="",status="OVERLOADED"} 4
meshwork_requests_total{service="kv",method="get",status="OK"} 10 1700000000000
# TYPE meshwork_request_duration_seconds histogram
meshwork_request_duration_seconds_bucket{service="echo",method="",le="0.001"} 50
meshwork_request_duration_seconds_bucket{service="echo",method="",le="0.01"} 100
meshwork_request_duration_seconds_bucket{service="echo",method="",le="+Inf"} 104
meshwork_request_duration_seconds_sum{service="echo",method=""} 0.3
meshwork_request_duration_seconds_count{service="echo",method=""} 104
# TYPE meshwork_requests_in_flight gauge
meshwork_requests_in_flight 3
meshwork_connections_open 7
meshwork_cluster_members{status="Up"} 3
meshwork_cluster_members{status="Leaving"} 0
`;

test('parses names, labels, values and timestamps, and the declared types', () => {
  const parsed = M.parsePrometheus(SCRAPE);
  assert.equal(parsed.samples.length, 12);
  assert.deepEqual(parsed.samples[0], {
    name: 'meshwork_requests_total',
    labels: { service: 'echo', method: '', status: 'OK' },
    value: 100,
  });
  assert.equal(parsed.samples[2].value, 10);
  assert.equal(parsed.samples[5].labels.le, '+Inf');
  assert.equal(parsed.types.meshwork_requests_total, 'counter');
  assert.equal(parsed.types.meshwork_request_duration_seconds, 'histogram');
});

test('unescapes label values and accepts spaces, a trailing comma and CRLF', () => {
  const parsed = M.parsePrometheus('m{a="x\\"y\\\\z\\nw" , b = "}{,=" ,} 1.5e3\r\nn -Inf\r\nq NaN\n');
  assert.deepEqual(parsed.samples[0].labels, { a: 'x"y\\z\nw', b: '}{,=' });
  assert.equal(parsed.samples[0].value, 1500);
  assert.equal(parsed.samples[1].value, -Infinity);
  assert.ok(Number.isNaN(parsed.samples[2].value));
});

test('a malformed line is an error naming the line', () => {
  assert.throws(() => M.parsePrometheus('ok 1\nbad{a="1" 2\n'), /line 2: /);
  assert.throws(() => M.parsePrometheus('m{a="unterminated} 1'), /line 1: .*unterminated/);
  assert.throws(() => M.parsePrometheus('m one'), /line 1: value: "one"/);
  assert.throws(() => M.parsePrometheus('m'), /line 1: /);
  assert.throws(() => M.parsePrometheus('{a="b"} 1'), /line 1: .*metric name/);
  assert.throws(() => M.parsePrometheus('m 1 2 3'), /line 1: /);
});

test('an empty scrape has no samples', () => {
  assert.deepEqual(M.parsePrometheus('').samples, []);
  assert.deepEqual(M.parsePrometheus('# only a comment\n').samples, []);
});

test('summarize sums methods per service and reads the node gauges', () => {
  const s = M.summarize(M.parsePrometheus(SCRAPE));
  assert.deepEqual(s.services.echo.requests, { OK: 100, OVERLOADED: 4 });
  assert.deepEqual(s.services.kv.requests, { OK: 10 });
  assert.deepEqual(s.services.echo.buckets, { '0.001': 50, '0.01': 100, Infinity: 104 });
  assert.equal(s.node.inFlight, 3);
  assert.equal(s.node.connectionsOpen, 7);
  assert.deepEqual(s.node.members, { Up: 3, Leaving: 0 });
});

test('summarize of a scrape without Meshwork metrics has no services and null gauges', () => {
  const s = M.summarize(M.parsePrometheus('jvm_memory_used_bytes{area="heap"} 1e6\n'));
  assert.deepEqual(s.services, {});
  assert.equal(s.node.inFlight, null);
  assert.equal(s.node.connectionsOpen, null);
});

test('quantile interpolates within the bucket that holds the rank, as histogram_quantile', () => {
  const buckets = [
    { le: 0.001, count: 50 },
    { le: 0.01, count: 100 },
    { le: Infinity, count: 100 },
  ];
  // rank 99 of 100: 49 of the 50 in (0.001, 0.01].
  assert.ok(Math.abs(M.quantile(0.99, buckets) - (0.001 + 0.009 * (49 / 50))) < 1e-12);
  // rank 25: half way through the first bucket, which starts at 0.
  assert.ok(Math.abs(M.quantile(0.25, buckets) - 0.0005) < 1e-12);
});

test('quantile in the +Inf bucket is the highest finite bound; no observations or no +Inf is null', () => {
  assert.equal(M.quantile(0.99, [{ le: 0.1, count: 1 }, { le: Infinity, count: 10 }]), 0.1);
  assert.equal(M.quantile(0.99, [{ le: 0.1, count: 0 }, { le: Infinity, count: 0 }]), null);
  assert.equal(M.quantile(0.99, [{ le: 0.1, count: 5 }]), null);
  assert.equal(M.quantile(0.99, []), null);
});

test('quantile sorts the buckets and keeps counts cumulative when a scrape was torn', () => {
  const torn = [
    { le: Infinity, count: 10 },
    { le: 0.01, count: 9 },
    { le: 0.1, count: 8 }, // lower than the bucket below: read as 9
  ];
  assert.ok(Math.abs(M.quantile(0.5, torn) - 0.01 * (5 / 9)) < 1e-12);
});

function scrape(okCount, overloaded, fast, slow, inf) {
  return M.summarize(M.parsePrometheus(`
meshwork_requests_total{service="echo",method="a",status="OK"} ${okCount}
meshwork_requests_total{service="echo",method="b",status="OVERLOADED"} ${overloaded}
meshwork_request_duration_seconds_bucket{service="echo",method="a",le="0.001"} ${fast}
meshwork_request_duration_seconds_bucket{service="echo",method="a",le="0.1"} ${fast + slow}
meshwork_request_duration_seconds_bucket{service="echo",method="a",le="+Inf"} ${inf}
`));
}

test('compare: rates are counter increases over the elapsed time, errors are the non-OK ones', () => {
  const figures = M.compare(scrape(100, 0, 100, 0, 100), scrape(300, 10, 300, 0, 300), 2);
  assert.equal(figures.echo.rate, 105);
  assert.equal(figures.echo.errorRate, 5);
  assert.deepEqual(figures.echo.statusRates, { OK: 100, OVERLOADED: 5 });
});

test('compare: p99 comes from the bucket deltas of the interval only', () => {
  // Before: 1000 slow calls. In the interval: 100 fast ones only, so p99 is within the first bucket.
  const before = scrape(1000, 0, 0, 1000, 1000);
  const after = scrape(1100, 0, 100, 1000, 1100);
  const p99 = M.compare(before, after, 2).echo.p99;
  assert.ok(p99 <= 0.001, 'p99 ' + p99);
  // The other way round: 100 slow ones in the interval.
  const p99Slow = M.compare(scrape(0, 0, 1000, 0, 1000), scrape(100, 0, 1000, 100, 1100), 2).echo.p99;
  assert.ok(p99Slow > 0.001 && p99Slow <= 0.1, 'p99 ' + p99Slow);
});

test('compare: no request in the interval means rate 0 and no p99', () => {
  const same = scrape(100, 0, 100, 0, 100);
  const figures = M.compare(same, same, 2);
  assert.equal(figures.echo.rate, 0);
  assert.equal(figures.echo.p99, null);
});

test('compare: a counter reset (the node restarted) counts from zero', () => {
  const figures = M.compare(scrape(1000, 0, 1000, 0, 1000), scrape(20, 0, 20, 0, 20), 2);
  assert.equal(figures.echo.rate, 10);
  assert.ok(figures.echo.p99 <= 0.001);
});

test('compare: a service that first appears counts all its requests', () => {
  const empty = M.summarize(M.parsePrometheus(''));
  assert.equal(M.compare(empty, scrape(40, 0, 40, 0, 40), 4).echo.rate, 10);
});

test('niceCeiling rounds up to 1, 2 or 5 times a power of ten', () => {
  assert.equal(M.niceCeiling(0), 1);
  assert.equal(M.niceCeiling(0.3), 0.5);
  assert.equal(M.niceCeiling(1), 1);
  assert.equal(M.niceCeiling(1.2), 2);
  assert.equal(M.niceCeiling(37), 50);
  assert.equal(M.niceCeiling(51000), 100000);
});

test('formats rates and durations for the page', () => {
  assert.equal(M.formatRate(null), '—');
  assert.equal(M.formatRate(0), '0.0');
  assert.equal(M.formatRate(4.26), '4.3');
  assert.equal(M.formatRate(12345.6), '12,346');
  assert.equal(M.formatSeconds(null), '—');
  assert.equal(M.formatSeconds(0.00042), '420 µs');
  assert.equal(M.formatSeconds(0.0042), '4.20 ms');
  assert.equal(M.formatSeconds(0.042), '42.0 ms');
  assert.equal(M.formatSeconds(1.5), '1.50 s');
});
