"use strict";
// Failover between two nodes that both host echo, hash and info: SIGKILL one with calls in flight,
// carry on with the other, restart the killed one on the same port and see the client use it again.
// The nodes are two single-node clusters: what is tested is the client, and two clustered nodes
// would let the Split Brain Resolver down the survivor when its peer vanishes.

const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { MeshClient } = require("..");
const { MeshNode, killAll, eventually } = require("./support/mesh-nodes");

const SERVICES = "echo,hash,info";
const SLOW = { password: Buffer.from("pw"), salt: Buffer.from("0123456789abcdef"), iterations: 1_000_000 };

describe("MeshClient failover between two nodes", () => {
  let a, b, client;
  const events = [];

  before(async () => {
    [a, b] = await Promise.all([MeshNode.start({ name: "failover-a", services: SERVICES }), MeshNode.start({ name: "failover-b", services: SERVICES })]);
    await Promise.all([a.awaitReady(), b.awaitReady()]);
    client = await MeshClient.connect({ nodes: [a.address, b.address], reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
    client.on("connect", (node) => events.push(["connect", node]));
    client.on("disconnect", (node, reason) => events.push(["disconnect", node, reason]));
    await eventually("both nodes connected", () => client.nodes().every((n) => n.connected));
  }, { timeout: 120_000 });

  after(async () => {
    if (client) await client.close();
    await killAll();
  });

  it("calls in flight on a killed node reject UNAVAILABLE at once, naming it; the others complete", { timeout: 120_000 }, async (t) => {
    // Four slow calls, two on each node (round robin), all in flight when a is killed.
    const calls = [0, 1, 2, 3].map(() =>
      client.callTyped("hash", "pbkdf2", SLOW, { deadlineMs: 60_000 }).then(
        (reply) => ({ ok: true, reply }),
        (error) => ({ ok: false, error, at: Date.now() }),
      ),
    );
    assert.deepEqual(client.nodes().map((n) => n.inFlight), [2, 2]);
    await new Promise((resolve) => setImmediate(resolve)); // the client writes on the next turn
    const killedAt = Date.now();
    await a.kill();

    const outcomes = await Promise.all(calls);
    const failed = outcomes.filter((o) => !o.ok);
    assert.equal(failed.length, 2, JSON.stringify(outcomes.map((o) => (o.ok ? "ok" : o.error.message))));
    for (const { error, at } of failed) {
      assert.equal(error.status, "UNAVAILABLE");
      assert.equal(error.node, a.address);
      assert.match(error.message, new RegExp(`connection to ${a.address.replace(/\./g, "\\.")} closed with the call in flight`));
      // At once: when the socket closes, not at the deadline (60 s) or its client-side timer.
      assert.ok(at - killedAt < 3000, `rejected ${at - killedAt} ms after the kill`);
      t.diagnostic(`${error.node}: rejected ${at - killedAt} ms after the kill`);
    }
    assert.equal(outcomes.filter((o) => o.ok && o.reply.digest.length === 32).length, 2);
    assert.ok(events.some(([what, node]) => what === "disconnect" && node === a.address), JSON.stringify(events));
  });

  it("new calls go to the remaining node", { timeout: 30_000 }, async () => {
    assert.deepEqual(client.nodes().map((n) => n.connected), [false, true]);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.call("echo", "", `after ${i}`)));
    replies.forEach((r, i) => assert.equal(r.toString(), `after ${i}`));
    for (let i = 0; i < 4; i++) {
      assert.equal((await client.callTyped("info", "get", {})).client_endpoint, b.address);
    }
  });

  it("the client reconnects to a node restarted on the same port and uses it again", { timeout: 120_000 }, async () => {
    a = await a.restart();
    await a.awaitReady();
    await eventually(`reconnected to ${a.address}`, () => client.nodes()[0].connected, 20_000);
    assert.ok(events.some(([what, node]) => what === "connect" && node === a.address), JSON.stringify(events));
    const served = new Set();
    for (let i = 0; i < 4; i++) served.add((await client.callTyped("info", "get", {})).client_endpoint);
    assert.deepEqual([...served].sort(), [a.address, b.address].sort());
  });

  it("with no node connected a call rejects at once with UNAVAILABLE naming every node", { timeout: 30_000 }, async () => {
    await Promise.all([a.kill(), b.kill()]);
    await eventually("both connections closed", () => client.nodes().every((n) => !n.connected));
    const startedAt = Date.now();
    await assert.rejects(client.call("echo", "", "anyone?"), (e) => {
      assert.equal(e.status, "UNAVAILABLE");
      assert.match(e.message, /^UNAVAILABLE: no node connected \(/);
      assert.ok(e.message.includes(a.address) && e.message.includes(b.address), e.message);
      return true;
    });
    assert.ok(Date.now() - startedAt < 100, `took ${Date.now() - startedAt} ms`);
  });
});
