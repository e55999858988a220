"use strict";
// Every case of ../cases.json against a real node: mesh-node/target/mesh-node.jar (build it with
// `mvn -B -o -q -pl mesh-node -am package -DskipTests`) on free ports, hosting echo and
// conformance, killed at the end.

const { before, after, test } = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const path = require("node:path");
const { loadSuite } = require("../lib/suite.js");
const { runCase, resultLine } = require("../lib/runner.js");

const JAR = process.env.MESH_NODE_JAR || path.join(__dirname, "..", "..", "..", "..", "mesh-node", "target", "mesh-node.jar");
const HOST = "127.0.0.1";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function readyStatus(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: HOST, port, path: "/ready", timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(0));
  });
}

let node;
let clientPort;
let output = "";

before(async () => {
  assert.ok(fs.existsSync(JAR), `${JAR} is missing: build it with mvn -B -o -q -pl mesh-node -am package -DskipTests`);
  const [port, clusterPort, managementPort] = [await freePort(), await freePort(), await freePort()];
  clientPort = port;
  node = spawn("java", ["-jar", JAR], {
    env: {
      ...process.env,
      MESH_HOST: HOST,
      MESH_PORT: String(port),
      MESH_CLUSTER_PORT: String(clusterPort),
      MESH_MANAGEMENT_PORT: String(managementPort),
      MESH_SERVICES: "echo,conformance",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk) => {
    output = (output + chunk).slice(-20000);
  };
  node.stdout.on("data", keep);
  node.stderr.on("data", keep);
  const deadline = Date.now() + 60000;
  while ((await readyStatus(managementPort)) !== 200) {
    if (node.exitCode !== null) assert.fail(`the node exited with ${node.exitCode}:\n${output}`);
    if (Date.now() > deadline) assert.fail(`the node was not ready within 60 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

after(() => {
  if (node && node.exitCode === null) node.kill("SIGKILL");
});

for (const c of loadSuite().cases) {
  test(c.name, async () => {
    const result = await runCase(HOST, clientPort, c);
    assert.ok(result.passed, resultLine(result));
  });
}
