"use strict";
// MeshClient against a real two-node cluster (mesh-node.jar processes, every service on both).

const { describe, it, before, after } = require("node:test");
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const { MeshClient, MeshError, Status, protos } = require("..");
const path = require("node:path");
const { startCluster, killAll, eventually, within } = require("./support/mesh-nodes");
const { extractExample, runExample } = require("./support/readme-example");

const T = { timeout: 60_000 };
const ROOT_README_OUTPUT = 'hello mesh\n2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\nNOT_FOUND no service "nope" in the cluster\n';

describe("MeshClient on a two-node cluster", () => {
  let nodes;
  let client;

  before(async () => {
    nodes = await startCluster(["client-a", "client-b"]);
    client = await MeshClient.connect({ nodes: nodes.map((n) => n.address) });
    await eventually("both nodes connected", () => client.nodes().every((n) => n.connected));
  }, { timeout: 120_000 });

  after(async () => {
    if (client) await client.close();
    await killAll();
  });

  it("echo returns the payload byte for byte", T, async () => {
    const payload = crypto.randomBytes(1000);
    assert.deepEqual(await client.call("echo", "", payload), payload);
    assert.equal((await client.call("echo", "say", "hello mesh")).toString(), "hello mesh");
    assert.equal((await client.call("echo")).length, 0);
  });

  it("5,000 pipelined calls each get their own reply, spread over both nodes", T, async () => {
    const payloads = Array.from({ length: 5000 }, (_, i) => Buffer.from(`call ${i} ${"x".repeat(i % 97)}`));
    const calls = payloads.map((p) => client.call("echo", "", p));
    // Round robin: half of the calls wait on each node's connection.
    assert.deepEqual(client.nodes().map((n) => n.inFlight), [2500, 2500]);
    const replies = await Promise.all(calls);
    replies.forEach((r, i) => assert.deepEqual(r, payloads[i], `reply ${i}`));
    for (const node of client.nodes()) assert.equal(node.inFlight, 0, `${node.address} has calls left in flight`);
  });

  it("kv put then get, typed with the bundled protos", T, async () => {
    const key = `user/${crypto.randomUUID()}`;
    assert.deepEqual(await client.callTyped("kv", "put", { key, value: Buffer.from("Ada"), consistency: "MAJORITY" }), {});
    const got = await client.callTyped("kv", "get", { key, consistency: "MAJORITY" });
    assert.deepEqual(got, { found: true, value: Buffer.from("Ada") });
    assert.deepEqual(await client.callTyped("kv", "get", { key: `${key}-missing`, consistency: "MAJORITY" }), { found: false, value: Buffer.alloc(0) });
  });

  it("hash sha256 returns the digest", T, async () => {
    const data = Buffer.from("hello");
    const { digest } = await client.callTyped("hash", "sha256", { data });
    assert.equal(digest.toString("hex"), crypto.createHash("sha256").update(data).digest("hex"));
    assert.equal(digest.toString("hex"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  });

  it("explicit message types work for any method", T, async () => {
    const reply = await client.callTyped("info", "get", {}, { requestType: "meshwork.services.v1.InfoRequest", replyType: protos.lookupType("meshwork.services.v1.InfoReply") });
    assert.match(reply.node, /^pekko:\/\/meshwork@127\.0\.0\.1:\d+$/);
    assert.ok(nodes.some((n) => n.address === reply.client_endpoint), reply.client_endpoint);
    await assert.rejects(client.callTyped("echo", "", {}), /echo\/: no bundled message types/);
  });

  it("an unknown service is NOT_FOUND, as a MeshError with the node's reason", T, async () => {
    const error = await client.call("nope", "", "x").then(() => assert.fail("resolved"), (e) => e);
    assert.ok(error instanceof MeshError);
    assert.equal(error.status, "NOT_FOUND");
    assert.equal(error.statusCode, Status.NOT_FOUND);
    assert.equal(error.error, 'no service "nope" in the cluster');
    assert.equal(error.message, 'NOT_FOUND: no service "nope" in the cluster');
    assert.equal(error.fromNode, true);
    assert.ok(nodes.some((n) => n.address === error.node), error.node);
  });

  it("a payload the service cannot decode, or an unknown method, is BAD_REQUEST", T, async () => {
    await assert.rejects(client.call("hash", "sha256", Buffer.from([0xff, 0xff, 0xff])), { name: "MeshError", status: "BAD_REQUEST", fromNode: true });
    await assert.rejects(client.call("hash", "md5", Buffer.alloc(0)), { status: "BAD_REQUEST", fromNode: true });
    await assert.rejects(client.callTyped("hash", "pbkdf2", { salt: Buffer.from("salt"), iterations: 1 }), {
      status: "BAD_REQUEST",
      error: "pbkdf2: salt: 4 bytes (expected: at least 8)",
    });
  });

  it("a call slower than its deadline is DEADLINE_EXCEEDED, answered by the node", T, async () => {
    const startedAt = Date.now();
    const request = { password: Buffer.from("pw"), salt: Buffer.from("0123456789abcdef"), iterations: 1_000_000 };
    await assert.rejects(client.callTyped("hash", "pbkdf2", request, { deadlineMs: 50 }), { status: "DEADLINE_EXCEEDED", fromNode: true });
    assert.ok(Date.now() - startedAt < 1000, `took ${Date.now() - startedAt} ms (the client-side timer would fire at 1050 ms)`);
  });

  it("a request over maxRequestFrameBytes is refused before it is sent", T, async () => {
    await assert.rejects(client.call("echo", "", Buffer.alloc((1 << 20) + 1)), {
      status: "BAD_REQUEST",
      fromNode: false,
      message: /request frame of 1048\d+ bytes \(expected: at most maxRequestFrameBytes = 1048576/,
    });
    assert.equal((await client.call("echo", "", "still fine")).toString(), "still fine");
  });

  it("bad arguments reject with a TypeError naming them", T, async () => {
    await assert.rejects(client.call("echo", "", 42), { name: "TypeError", message: /payload: \[object Number\]/ });
    await assert.rejects(client.call("echo", "", "x", { deadlineMs: 0 }), { name: "RangeError", message: /deadlineMs: 0/ });
    await assert.rejects(client.call("echo", "", "x", { headers: { auth: 1 } }), { message: /headers.auth: 1 \(expected: a string\)/ });
  });

  it("an aborted call rejects with the signal's reason", T, async () => {
    const controller = new AbortController();
    const call = client.callTyped("hash", "pbkdf2", { password: Buffer.from("pw"), salt: Buffer.from("0123456789abcdef"), iterations: 200_000 }, { signal: controller.signal });
    controller.abort(new Error("the browser went away"));
    await assert.rejects(call, /the browser went away/);
  });

  it("pubsub subscribe streams published messages; leaving the loop cancels the stream", T, async () => {
    const topic = `news-${crypto.randomUUID()}`;
    const subscription = client.streamTyped("pubsub", "subscribe", { topic }, { deadlineMs: 60_000 });
    const wanted = ["one", "two", "three"];
    const seen = new Set();

    // A subscription takes effect asynchronously (on every node, within seconds), so each message
    // is published again until it arrives; duplicates are harmless.
    let publishing = true;
    const publisher = (async () => {
      for (const text of wanted) {
        while (publishing && !seen.has(text)) {
          await client.callTyped("pubsub", "publish", { topic, data: Buffer.from(text) });
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();

    const reader = (async () => {
      for await (const message of subscription) {
        assert.equal(message.topic, topic);
        seen.add(message.data.toString());
        if (wanted.every((w) => seen.has(w))) break; // leaves the loop: cancels the stream
      }
    })();
    try {
      await eventually("every message received", () => wanted.every((w) => seen.has(w)), 30_000);
      await reader;
    } finally {
      publishing = false;
      await publisher;
    }

    assert.ok(subscription.node, "the stream names its node");
    await within(3000, "the stream's connection is closed", subscription.closed);
    assert.equal((await subscription.next()).done, true);
    // The client's own connections are untouched.
    assert.equal((await client.call("echo", "", "after the stream")).toString(), "after the stream");
    assert.ok(client.nodes().every((n) => n.connected));
  });

  it("a stream not read stops reading its connection, and the node ends it with OVERLOADED", { timeout: 120_000 }, async (t) => {
    const topic = `flood-${crypto.randomUUID()}`;
    const single = await MeshClient.connect({ nodes: [nodes[0].address] });
    try {
      const subscription = single.streamTyped("pubsub", "subscribe", { topic }, { deadlineMs: 60_000, highWaterMark: 2 });
      const first = subscription.next();
      await eventually("the subscription is in place", async () => {
        await single.callTyped("pubsub", "publish", { topic, data: Buffer.from("first") });
        return Promise.race([first.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
      });
      // Nothing is read from here on: past two buffered items the client stops reading, TCP fills,
      // and the node's outbox for it passes max-outbox-size (4 MiB).
      const data = Buffer.alloc(256 << 10, 7);
      // The client reads nothing, so it cannot see the end until it reads again: publish more than
      // the node's outbox (4 MiB) and every socket buffer between (at most 32 + 4 MiB here) hold.
      const published = 240; // 60 MiB
      for (let i = 0; i < published; i++) await single.callTyped("pubsub", "publish", { topic, data });
      const received = [];
      await assert.rejects(async () => {
        for await (const m of subscription) received.push(m.data.length);
      }, { status: "OVERLOADED", fromNode: true });
      assert.ok(received.length > 0 && received.length < published, `${received.length} of ${published} received`);
      t.diagnostic(`${received.length} of ${published} messages received before OVERLOADED`);
      await within(3000, "the stream's connection is closed", subscription.closed);
    } finally {
      await single.close();
    }
  });

  it("a stream's first item is bounded by its deadline", T, async () => {
    const quiet = client.streamTyped("pubsub", "subscribe", { topic: `quiet-${crypto.randomUUID()}` }, { deadlineMs: 200 });
    await assert.rejects(async () => {
      for await (const _ of quiet) assert.fail("no message was published");
    }, { status: "DEADLINE_EXCEEDED", fromNode: true });
    await within(3000, "the stream's connection is closed", quiet.closed);
  });

  it("a stream that fails at once throws its status from the loop", T, async () => {
    const bad = client.streamTyped("pubsub", "subscribe", { topic: "no spaces allowed" });
    await assert.rejects(async () => {
      for await (const _ of bad) assert.fail("no item expected");
    }, { status: "BAD_REQUEST", message: /topic: "no spaces allowed"/ });
  });

  it("a connection-level error (oversize frame) fails the calls in flight on that connection, then the client reconnects", T, async () => {
    const single = await MeshClient.connect({ nodes: [nodes[0].address], maxRequestFrameBytes: 4 << 20, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    try {
      const slow = single.callTyped("hash", "pbkdf2", { password: Buffer.from("pw"), salt: Buffer.from("0123456789abcdef"), iterations: 1_000_000 }, { deadlineMs: 30_000 });
      const oversize = single.call("echo", "", Buffer.alloc(2 << 20));
      for (const call of [slow, oversize]) {
        await assert.rejects(call, (e) => {
          assert.equal(e.status, "BAD_REQUEST");
          assert.equal(e.fromNode, true);
          assert.match(e.error, /connection-level error from 127\.0\.0\.1:\d+: .*1048576/);
          return true;
        });
      }
      await eventually("reconnected", async () => (await single.call("echo", "", "again")).toString() === "again");
    } finally {
      await single.close();
    }
  });

  it("the README's example runs and prints what the README says", T, async () => {
    const readme = path.join(__dirname, "..", "README.md");
    const stdout = await runExample(extractExample(readme, "example.js"), "example.js", { MESH_NODES: nodes.map((n) => n.address).join(",") });
    assert.equal(stdout, 'hello mesh\ntrue Ada\nNOT_FOUND 2 no service "nope" in the cluster\ngreetings hi\n');
  });

  it("the repository README's Node.js example runs", T, async () => {
    const readme = path.join(__dirname, "..", "..", "..", "README.md");
    const stdout = await runExample(extractExample(readme, "node-client.js"), "node-client.js", { MESH_NODES: nodes.map((n) => n.address).join(",") });
    assert.equal(stdout, ROOT_README_OUTPUT);
  });

  it("close() ends a stream being read with UNAVAILABLE and closes its connection", T, async () => {
    const other = await MeshClient.connect({ nodes: [nodes[0].address] });
    const subscription = other.streamTyped("pubsub", "subscribe", { topic: `closing-${crypto.randomUUID()}` });
    const reading = (async () => {
      for await (const _ of subscription) assert.fail("no message was published");
    })();
    await eventually("the stream is open", () => subscription.node !== undefined);
    const ended = assert.rejects(reading, { status: "UNAVAILABLE", message: /the client is closed/ });
    await other.close();
    await ended;
    await within(3000, "the stream's connection is closed", subscription.closed);
  });

  it("after close() every call rejects UNAVAILABLE", T, async () => {
    const other = await MeshClient.connect({ nodes: [nodes[1].address] });
    const inFlight = other.callTyped("hash", "pbkdf2", { password: Buffer.from("pw"), salt: Buffer.from("0123456789abcdef"), iterations: 1_000_000 }, { deadlineMs: 30_000 });
    await other.close();
    await assert.rejects(inFlight, { status: "UNAVAILABLE", message: /the client is closed/ });
    await assert.rejects(other.call("echo", "", "x"), { status: "UNAVAILABLE", message: /the client is closed/ });
    await other.close(); // idempotent
  });
});
