"use strict";
// What a real node rarely or never does, but a broken network or a wrong port can: a peer that
// answers in reverse order, one that stops reading, one that never answers, one that sends a reply
// frame over the limit, one that sends garbage, and no peer at all. Plain `net` servers stand in
// for those peers; everything a node does is tested against real nodes in the other files.

const { describe, it, after } = require("node:test");
const assert = require("node:assert/strict");
const net = require("node:net");
const { MeshClient } = require("..");
const { FrameDecoder } = require("../lib/framing");
const { Request, Reply } = require("../lib/protos");
const { freePorts } = require("./support/mesh-nodes");

/** A TCP server on a free port; `onConnection(socket)` decides how it misbehaves. */
async function peer(onConnection) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${server.address().port}`,
    connections: () => sockets.size,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("MeshClient against scripted peers", () => {
  const cleanup = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("numbers calls 1, 2, 3, ... per connection and matches replies that come in reverse order", { timeout: 30_000 }, async () => {
    const N = 500;
    const idsByConnection = [];
    // Collects N requests, then answers them last first, each with its id and payload.
    const reversing = await peer((socket) => {
      const ids = [];
      idsByConnection.push(ids);
      const requests = [];
      const decoder = new FrameDecoder(1 << 20, (body) => {
        const request = Request.decode(body);
        ids.push(Number(request.id));
        requests.push(request);
        if (requests.length === N) {
          socket.write(Buffer.concat(requests.reverse().map((r) => Reply.encodeDelimited({ id: r.id, payload: r.payload }).finish())));
          requests.length = 0;
        }
      });
      socket.on("data", (chunk) => decoder.push(chunk));
    });
    cleanup.push(reversing.close);
    const client = await MeshClient.connect({ nodes: [reversing.address] });
    cleanup.push(() => client.close());
    for (let round = 0; round < 2; round++) {
      const replies = await Promise.all(Array.from({ length: N }, (_, i) => client.call("echo", "", `r${round} c${i}`)));
      replies.forEach((r, i) => assert.equal(r.toString(), `r${round} c${i}`));
    }
    assert.equal(idsByConnection.length, 1);
    assert.deepEqual(idsByConnection[0], Array.from({ length: 2 * N }, (_, i) => i + 1));
  });

  it("keeps ids below 2^53: a connection that used them up is replaced once its calls are done", { timeout: 30_000 }, async () => {
    const ids = [];
    const echoing = await peer((socket) => {
      const decoder = new FrameDecoder(1 << 20, (body) => {
        const request = Request.decode(body);
        ids.push(Number(request.id));
        socket.write(Reply.encodeDelimited({ id: request.id, payload: request.payload }).finish());
      });
      socket.on("data", (chunk) => decoder.push(chunk));
    });
    cleanup.push(echoing.close);
    const client = await MeshClient.connect({ nodes: [echoing.address], reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    cleanup.push(() => client.close());
    client.links[0].connection.nextId = Number.MAX_SAFE_INTEGER; // as if 2^53 - 2 calls had been made
    assert.equal((await client.call("echo", "", "last")).toString(), "last");
    const until = Date.now() + 5000;
    while (!client.nodes()[0].connected && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await client.call("echo", "", "first again")).toString(), "first again");
    assert.deepEqual(ids, [Number.MAX_SAFE_INTEGER, 1]);
  });

  it("holds requests back while the socket is full, and refuses calls OVERLOADED past maxQueuedBytes", { timeout: 60_000 }, async (t) => {
    const deaf = await peer((socket) => socket.pause()); // accepts, never reads
    cleanup.push(deaf.close);
    const maxQueuedBytes = 4 << 20;
    const client = await MeshClient.connect({ nodes: [deaf.address], maxQueuedBytes, defaultDeadlineMs: 60_000 });
    cleanup.push(() => client.close());
    const payload = Buffer.alloc(64 << 10);
    let refused = null;
    let calls = 0;
    // Batches of calls, a turn of the event loop apart, until the client refuses one (at most 200 MiB).
    for (let batch = 0; batch < 320 && refused === null; batch++) {
      for (let i = 0; i < 10; i++, calls++) {
        client.call("echo", "", payload).catch((e) => {
          if (refused === null && e.status !== "UNAVAILABLE") refused = e; // UNAVAILABLE: close() at the end
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    t.diagnostic(`refused after ${calls} calls of 64 KiB`);
    assert.ok(refused !== null, "no call was refused");
    assert.equal(refused.status, "OVERLOADED");
    assert.equal(refused.fromNode, false);
    assert.match(refused.error, /bytes of requests already wait for the connection to 127\.0\.0\.1:\d+ \(maxQueuedBytes = 4194304\)/);
    assert.equal(client.nodes()[0].connected, true, "the connection stays open");
    assert.ok(client.links[0].connection.waitingForDrain, "the client waits for 'drain' before it writes more");
  });

  it("a peer that never answers: the client-side timer fails the call at deadline + grace, and the silent connection is replaced", { timeout: 30_000 }, async () => {
    let accepted = 0;
    const silent = await peer(() => accepted++);
    cleanup.push(silent.close);
    const client = await MeshClient.connect({ nodes: [silent.address], graceMs: 200, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    cleanup.push(() => client.close());
    const startedAt = Date.now();
    await assert.rejects(client.call("echo", "", "hello?", { deadlineMs: 100 }), (e) => {
      assert.equal(e.status, "DEADLINE_EXCEEDED");
      assert.equal(e.fromNode, false);
      assert.equal(e.error, `no reply from ${silent.address} within 100 ms (+ 200 ms grace; client-side timer)`);
      return true;
    });
    const took = Date.now() - startedAt;
    assert.ok(took >= 280 && took < 2000, `took ${took} ms`); // 300 ms, give or take the clocks' granularity
    // Nothing was read while the call waited: the connection is presumed dead and replaced.
    const until = Date.now() + 5000;
    while (accepted < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(accepted, 2, "the client opened a new connection");
  });

  it("a reply frame over maxReplyFrameBytes closes the connection before it is read", { timeout: 30_000 }, async () => {
    // Answers every connection with the prefix of a 2 MiB frame, and nothing else.
    const huge = await peer((socket) => socket.once("data", () => socket.write(Buffer.from([0x80, 0x80, 0x80, 0x01]))));
    cleanup.push(huge.close);
    const client = await MeshClient.connect({ nodes: [huge.address], maxReplyFrameBytes: 1 << 20 });
    cleanup.push(() => client.close());
    await assert.rejects(client.call("echo", "", "x"), (e) => {
      assert.equal(e.status, "UNAVAILABLE");
      assert.match(e.error, /closed with the call in flight \(reply frame of 2097152 bytes \(expected: at most maxReplyFrameBytes = 1048576\)\)/);
      return true;
    });
  });

  it("a frame that is not a Reply closes the connection", { timeout: 30_000 }, async () => {
    const garbage = await peer((socket) => socket.once("data", () => socket.write(Buffer.from([0x02, 0xff, 0xff]))));
    cleanup.push(garbage.close);
    const client = await MeshClient.connect({ nodes: [garbage.address] });
    cleanup.push(() => client.close());
    await assert.rejects(client.call("echo", "", "x"), { status: "UNAVAILABLE", message: /a reply frame is not a meshwork\.v1\.Reply/ });
  });

  it("connect() rejects UNAVAILABLE naming every node when none can be reached, and leaves nothing running", { timeout: 30_000 }, async () => {
    const [p1, p2] = await freePorts(2);
    await assert.rejects(MeshClient.connect({ nodes: [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`] }), (e) => {
      assert.equal(e.status, "UNAVAILABLE");
      assert.match(e.message, new RegExp(`cannot connect to any node \\(127\\.0\\.0\\.1:${p1}: .*ECONNREFUSED.*; 127\\.0\\.0\\.1:${p2}: `));
      return true;
    });
  });

  it("bad options are refused with the value and the expectation", () => {
    assert.throws(() => new MeshClient({ nodes: [] }), /nodes: \[\] \(expected: a non-empty array of "host:port"\)/);
    assert.throws(() => new MeshClient({ nodes: ["localhost"] }), /node: "localhost" \(expected: "host:port"/);
    assert.throws(() => new MeshClient({ nodes: ["h:1"], graceMs: -1 }), /graceMs: -1 \(expected: an integer from 1/);
    assert.equal(new MeshClient({ nodes: ["[::1]:7700"] }).links[0].address, "[::1]:7700");
  });
});
