"use strict";
// What a real node never does, but a broken network or a wrong port can: a peer that never
// answers, one that sends a reply frame over the limit, one that sends garbage, and no peer at
// all. Plain `net` servers stand in for those peers; everything a node does is tested against
// real nodes in the other files.

const { describe, it, after } = require("node:test");
const assert = require("node:assert/strict");
const net = require("node:net");
const { MeshClient } = require("..");
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

describe("MeshClient against misbehaving peers", () => {
  const cleanup = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
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
    assert.ok(took >= 290 && took < 2000, `took ${took} ms`);
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
