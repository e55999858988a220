"use strict";
// End-to-end tests: server.js as a child process on a free port, spoken to over `net`. The whole
// suite runs once per request decoder (the hand-written fast path, and protobufjs alone).

const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const net = require("node:net");
const path = require("node:path");
const protobuf = require("protobufjs");

const root = protobuf.loadSync(path.join(__dirname, "..", "..", "..", "protocol", "src", "main", "proto", "meshwork", "v1", "meshwork.proto"));
const Request = root.lookupType("meshwork.v1.Request");
const Reply = root.lookupType("meshwork.v1.Reply");
const Status = root.lookupEnum("meshwork.v1.Status").values;
const SERVER = path.join(__dirname, "..", "server.js");
const T = { timeout: 30000 }; // per test: a hang fails the test instead of stalling the run

/** Starts server.js on port 0; resolves with { child, port } once it prints its listening line. */
function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, "--host", "127.0.0.1", "--port", "0", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "", stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = /^listening on 127\.0\.0\.1:(\d+)\n/.exec(stdout);
      if (m) resolve({ child, port: Number(m[1]), stdout: () => stdout });
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });
}

/** A connection that collects decoded replies; `closed` resolves when the server closes it. */
class Client {
  constructor(port) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.setNoDelay(true);
    this.replies = [];
    this.raw = [];
    this.waiters = [];
    this.buffer = Buffer.alloc(0);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => this.socket.once("close", resolve));
    this.socket.on("error", () => {});
    this.socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        let length = 0, prefix = 0, complete = false;
        while (prefix < this.buffer.length && prefix < 5) {
          const b = this.buffer[prefix];
          length += (b & 0x7f) * 2 ** (7 * prefix++);
          if (b < 0x80) { complete = true; break; }
        }
        if (!complete || this.buffer.length < prefix + length) break;
        const body = this.buffer.subarray(prefix, prefix + length);
        this.raw.push(Buffer.from(body));
        this.replies.push(Reply.decode(body));
        this.buffer = this.buffer.subarray(prefix + length);
      }
      this.waiters = this.waiters.filter((w) => (this.replies.length >= w.n ? (w.resolve(), false) : true));
    });
  }

  /** Resolves with the first n replies once they have arrived. */
  waitFor(n, timeoutMs = 5000) {
    if (this.replies.length >= n) return Promise.resolve(this.replies.slice(0, n));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.replies.length} of ${n} replies after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(this.replies.slice(0, n)); } });
    });
  }

  write(bytes) {
    this.socket.write(bytes);
  }

  close() {
    this.socket.destroy();
  }
}

function frame(message) {
  return Buffer.from(Request.encodeDelimited(Request.create(message)).finish());
}

function idOf(reply) {
  return typeof reply.id === "number" ? reply.id : reply.id.toNumber();
}

function pattern(n, seed) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

for (const decoder of ["fast", "protobufjs"]) {
  describe(`server.js --decoder ${decoder}`, () => {
    let server;
    const clients = [];
    const connect = async () => {
      const c = new Client(server.port);
      clients.push(c);
      await c.connected;
      return c;
    };

    before(async () => {
      server = await startServer(["--decoder", decoder]);
    });

    after(() => {
      for (const c of clients) c.close();
      if (server) server.child.kill("SIGKILL");
    });

    it("prints exactly one listening line", T, () => {
      assert.match(server.stdout(), /^listening on 127\.0\.0\.1:\d+\n$/);
    });

    for (const size of [64, 16 * 1024]) {
      it(`echoes a ${size} B payload byte for byte`, T, async () => {
        const c = await connect();
        const payload = pattern(size, size);
        c.write(frame({ id: 7, service: "echo", method: "any", payload }));
        const [reply] = await c.waitFor(1);
        assert.equal(idOf(reply), 7);
        assert.equal(reply.status, Status.OK);
        assert.equal(reply.error, "");
        assert.ok(Buffer.from(reply.payload).equals(payload));
      });
    }

    it("answers the worked example of protocol/README.md with its exact bytes", T, async () => {
      const c = await connect();
      c.write(Buffer.from("0c080112046563686f22026869", "hex"));
      await c.waitFor(1);
      assert.equal(c.raw[0].toString("hex"), "08011a026869");
    });

    it("echoes ids up to 2^64-1, headers, an empty payload and id 0", T, async () => {
      const c = await connect();
      const big = protobuf.util.Long.fromString("18446744073709551615", true);
      c.write(Buffer.concat([
        frame({ id: big, service: "echo", payload: Buffer.from("max") }),
        frame({ id: 2, service: "echo", method: "say", deadlineMs: 250, headers: { auth: "t0k", "trace-ü": "ß" } }),
        frame({ id: 0, service: "echo", payload: Buffer.from("zero") }),
      ]));
      const replies = await c.waitFor(3);
      assert.equal(Reply.decode(c.raw[0]).id.toString(), "18446744073709551615");
      assert.equal(c.raw[0].toString("hex"), "08ffffffffffffffffff01" + "1a03" + Buffer.from("max").toString("hex"));
      assert.equal(c.raw[1].toString("hex"), "0802"); // empty payload: not written
      assert.equal(idOf(replies[2]), 0);
      assert.equal(Buffer.from(replies[2].payload).toString(), "zero");
    });

    it("answers 1,000 requests pipelined in one write, ids matching", T, async () => {
      const c = await connect();
      const frames = [];
      for (let id = 1; id <= 1000; id++) frames.push(frame({ id, service: "echo", payload: pattern(id % 100, id) }));
      c.write(Buffer.concat(frames));
      const replies = await c.waitFor(1000);
      const seen = new Set();
      for (const r of replies) {
        const id = idOf(r);
        assert.equal(r.status, Status.OK);
        assert.ok(Buffer.from(r.payload).equals(pattern(id % 100, id)), `payload of ${id}`);
        seen.add(id);
      }
      assert.equal(seen.size, 1000);
      for (let id = 1; id <= 1000; id++) assert.ok(seen.has(id));
    });

    it("reassembles frames split across writes at odd boundaries", T, async () => {
      const c = await connect();
      const bytes = Buffer.concat([
        frame({ id: 1, service: "echo", payload: pattern(300, 1) }), // 2-byte prefix, split inside it
        frame({ id: 2, service: "echo", payload: pattern(20000, 2) }), // 3-byte prefix
        frame({ id: 3, service: "echo", payload: pattern(5, 3) }),
      ]);
      const cuts = [1, 2, 3, 7, 150, 303, 304, 305, 306, 999, 5000, 20301, bytes.length - 1];
      let from = 0;
      for (const cut of cuts) {
        c.write(bytes.subarray(from, cut));
        from = cut;
        await new Promise((r) => setTimeout(r, 5)); // separate segments, separate reads
      }
      c.write(bytes.subarray(from));
      const replies = await c.waitFor(3);
      assert.deepEqual(replies.map(idOf), [1, 2, 3]);
      assert.ok(Buffer.from(replies[0].payload).equals(pattern(300, 1)));
      assert.ok(Buffer.from(replies[1].payload).equals(pattern(20000, 2)));
      assert.ok(Buffer.from(replies[2].payload).equals(pattern(5, 3)));
    });

    it("reassembles a prefix that arrives one byte per read", T, async () => {
      const c = await connect();
      const bytes = Buffer.concat([
        frame({ id: 11, service: "echo", payload: pattern(20000, 11) }), // prefix: 3 bytes
        frame({ id: 12, service: "echo", payload: pattern(200, 12) }), // prefix: 2 bytes
      ]);
      const second = bytes.length - frame({ id: 12, service: "echo", payload: pattern(200, 12) }).length;
      const singles = [0, 1, 2, 3, second - 1, second, second + 1, second + 2]; // each alone in a write
      let from = 0;
      for (const i of singles) {
        if (i > from) c.write(bytes.subarray(from, i));
        await new Promise((r) => setTimeout(r, 5));
        c.write(bytes.subarray(i, i + 1));
        await new Promise((r) => setTimeout(r, 5));
        from = i + 1;
      }
      c.write(bytes.subarray(from));
      const replies = await c.waitFor(2);
      assert.deepEqual(replies.map(idOf), [11, 12]);
      assert.ok(Buffer.from(replies[0].payload).equals(pattern(20000, 11)));
      assert.ok(Buffer.from(replies[1].payload).equals(pattern(200, 12)));
    });

    it("answers 500 frames of mixed sizes cut into random pieces", T, async () => {
      const c = await connect();
      let seed = 42;
      const rand = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
      const sizes = [0, 1, 63, 64, 115, 116, 117, 127, 128, 300, 16370, 16371, 16372, 16384, 70000];
      const frames = [], expected = new Map();
      for (let id = 1; id <= 500; id++) {
        const payload = pattern(sizes[rand(sizes.length)], id);
        expected.set(id, payload);
        frames.push(frame({ id, service: "echo", payload }));
      }
      const bytes = Buffer.concat(frames);
      for (let from = 0; from < bytes.length;) {
        const to = Math.min(bytes.length, from + 1 + rand(rand(4) === 0 ? 8 : 40000));
        c.write(bytes.subarray(from, to));
        from = to;
        if (rand(3) === 0) await new Promise((r) => setImmediate(r));
      }
      const replies = await c.waitFor(500, 20000);
      for (const r of replies) assert.ok(Buffer.from(r.payload).equals(expected.get(idOf(r))), `payload of ${idOf(r)}`);
      assert.equal(new Set(replies.map(idOf)).size, 500);
    });

    it("reassembles a 1 MiB frame written one byte-range at a time, and accepts exactly the limit", T, async () => {
      const c = await connect();
      // Request {id: 9, service: "echo", payload: P} with a body of exactly 1 MiB.
      const overhead = frame({ id: 9, service: "echo", payload: Buffer.alloc(1) }).length - 1 - 3; // minus 1 B payload, 3 B prefix
      let payloadLen = (1 << 20) - overhead;
      let bytes = frame({ id: 9, service: "echo", payload: pattern(payloadLen, 9) });
      payloadLen -= (bytes.length - 3) - (1 << 20); // payload length varint may have grown
      bytes = frame({ id: 9, service: "echo", payload: pattern(payloadLen, 9) });
      assert.equal(bytes.subarray(0, 3).toString("hex"), "808040"); // body of exactly 1 MiB
      for (let i = 0; i < bytes.length; i += 4093) c.write(bytes.subarray(i, i + 4093));
      const [reply] = await c.waitFor(1, 10000);
      assert.equal(idOf(reply), 9);
      assert.ok(Buffer.from(reply.payload).equals(pattern(payloadLen, 9)));
    });

    it("answers an unknown service with NOT_FOUND and an empty one with BAD_REQUEST, for the request's id", T, async () => {
      const c = await connect();
      c.write(Buffer.concat([
        frame({ id: 41, service: "nope", payload: Buffer.from("x") }),
        frame({ id: 42, payload: Buffer.from("x") }),
        frame({ id: 43, service: "echo", payload: Buffer.from("still here") }),
      ]));
      const [r1, r2, r3] = await c.waitFor(3);
      assert.equal(idOf(r1), 41);
      assert.equal(r1.status, Status.NOT_FOUND);
      assert.match(r1.error, /nope/);
      assert.equal(r1.payload.length, 0);
      assert.equal(idOf(r2), 42);
      assert.equal(r2.status, Status.BAD_REQUEST);
      assert.equal(idOf(r3), 43);
      assert.equal(r3.status, Status.OK);
    });

    it("answers a body that is not a Request with id 0 BAD_REQUEST and keeps the connection open", T, async () => {
      const c = await connect();
      c.write(Buffer.from([0x03, 0xff, 0xff, 0xff])); // a 3-byte body: a truncated varint tag
      c.write(Buffer.from([0x02, 0x0f, 0x00])); // wire type 7
      const [r1, r2] = await c.waitFor(2);
      for (const r of [r1, r2]) {
        assert.equal(idOf(r), 0);
        assert.equal(r.status, Status.BAD_REQUEST);
        assert.match(r.error, /not a valid meshwork\.v1\.Request/);
      }
      c.write(frame({ id: 5, service: "echo", payload: Buffer.from("after") }));
      const replies = await c.waitFor(3);
      assert.equal(idOf(replies[2]), 5);
      assert.equal(Buffer.from(replies[2].payload).toString(), "after");
    });

    it("answers an oversize prefix (2 MiB) with one id 0 BAD_REQUEST naming the limit, then closes", T, async () => {
      const c = await connect();
      c.write(Buffer.concat([frame({ id: 1, service: "echo", payload: Buffer.from("before") }), Buffer.from([0x80, 0x80, 0x80, 0x01])]));
      await c.closed;
      assert.equal(c.replies.length, 2);
      assert.equal(idOf(c.replies[0]), 1);
      assert.equal(idOf(c.replies[1]), 0);
      assert.equal(c.replies[1].status, Status.BAD_REQUEST);
      assert.match(c.replies[1].error, /2097152 bytes exceeds the maximum frame size of 1048576 bytes/);
    });

    it("answers a prefix that is not a varint32 with one id 0 BAD_REQUEST, then closes", T, async () => {
      const c = await connect();
      c.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
      await new Promise((r) => setTimeout(r, 20));
      c.write(Buffer.from([0x1f]));
      await c.closed;
      assert.equal(c.replies.length, 1);
      assert.equal(idOf(c.replies[0]), 0);
      assert.equal(c.replies[0].status, Status.BAD_REQUEST);
      assert.match(c.replies[0].error, /not a valid varint32/);
    });

    it("answers a stream that ends inside a frame with id 0 BAD_REQUEST after the earlier replies", T, async () => {
      const c = await connect();
      c.socket.end(Buffer.concat([frame({ id: 3, service: "echo", payload: Buffer.from("ok") }), Buffer.from([0x05, 0x08])]));
      await c.closed;
      assert.equal(c.replies.length, 2);
      assert.equal(idOf(c.replies[0]), 3);
      assert.equal(c.replies[1].status, Status.BAD_REQUEST);
      assert.match(c.replies[1].error, /stream ended inside a frame/);
    });

    it("keeps up with a client that does not read (backpressure), then delivers everything", T, async () => {
      const c = await connect();
      c.socket.pause();
      const payload = pattern(16 * 1024, 77);
      const frames = [];
      for (let id = 1; id <= 2000; id++) frames.push(frame({ id, service: "echo", payload })); // ~32 MiB of replies
      c.write(Buffer.concat(frames));
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(c.replies.length === 0);
      c.socket.resume();
      const replies = await c.waitFor(2000, 20000);
      assert.deepEqual(replies.map(idOf), Array.from({ length: 2000 }, (_, i) => i + 1));
      assert.ok(replies.every((r) => Buffer.from(r.payload).equals(payload)));
    });
  });
}

describe("server.js process", () => {
  it("exits 0 on SIGTERM, with a client still connected", T, async () => {
    const { child, port } = await startServer([]);
    const c = new Client(port);
    await c.connected;
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGTERM");
    assert.deepEqual(await exited, { code: 0, signal: null });
    c.close();
  });

  it("exits 0 on SIGINT", T, async () => {
    const { child } = await startServer([]);
    const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    child.kill("SIGINT");
    assert.deepEqual(await exited, { code: 0, signal: null });
  });

  it("takes its port from PORT and HOST when no flag is given", T, async () => {
    const child = spawn(process.execPath, [SERVER], { env: { ...process.env, HOST: "127.0.0.1", PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(String(d))));
    assert.match(line, /^listening on 127\.0\.0\.1:\d+\n$/);
    assert.notEqual(line, "listening on 127.0.0.1:0\n");
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });
});
