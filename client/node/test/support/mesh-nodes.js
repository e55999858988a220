// Real Meshwork nodes for the tests: `java -jar mesh-node.jar` processes on free ports, configured
// by MESH_* variables, ready once GET /ready answers 200. Every process started here is killed
// (SIGKILL) by killAll(), and by a last-resort 'exit' hook if a test run dies first.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const JAR = path.resolve(process.env.MESH_NODE_JAR ?? path.join(__dirname, "..", "..", "..", "..", "mesh-node", "target", "mesh-node.jar"));
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java";
// Small heaps, one GC thread, one event loop: several nodes share a small machine in the tests.
const JVM_OPTIONS = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];

// $@: the java command. Exits with the JVM's status; kills the JVM when stdin ends.
const WATCHDOG = 'exec 3<&0; "$@" </dev/null & jvm=$!; { cat >/dev/null; kill -9 "$jvm" 2>/dev/null; } <&3 & wait "$jvm"';

const started = new Set();
process.on("exit", () => {
  for (const node of started) node.kill();
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const node of started) node.kill();
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

/** Free TCP ports on 127.0.0.1, all different (each found by listening on port 0). */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function requireJar() {
  if (!fs.existsSync(JAR)) {
    throw new Error(`mesh-node.jar not found at ${JAR}: build it first, from the repository root: ` +
      "mvn -B -o -q -pl mesh-node -am package -DskipTests (or set MESH_NODE_JAR)");
  }
}

class MeshNode {
  /**
   * Starts a node. `seed`: another MeshNode to join (default: this node starts a cluster of its
   * own). `services`: MESH_SERVICES ("all", or a comma list).
   * @param {{name: string, services?: string, seed?: MeshNode, ports?: {port: number, clusterPort: number, managementPort: number}}} spec
   */
  static async start(spec) {
    requireJar();
    const ports = spec.ports ?? await freePorts(3).then(([port, clusterPort, managementPort]) => ({ port, clusterPort, managementPort }));
    return new MeshNode(spec, ports);
  }

  constructor(spec, ports) {
    this.spec = spec;
    this.name = spec.name;
    this.ports = ports;
    this.port = ports.port;
    this.address = `127.0.0.1:${ports.port}`;
    this.clusterAddress = `127.0.0.1:${ports.clusterPort}`;
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "meshwork-client-node-"));
    this.logFile = path.join(logDir, `${spec.name}.log`);
    const log = fs.openSync(this.logFile, "a");
    // The JVM runs under a small shell that holds a pipe from this process as its stdin: if this
    // process dies without its 'after' hooks (killed, or a crash), the pipe ends and the shell
    // kills the JVM, so no node outlives the tests. The shell and the JVM form a process group
    // of their own, killed together by kill().
    this.child = spawn("/bin/sh", ["-c", WATCHDOG, "mesh-node", JAVA, ...JVM_OPTIONS, "-jar", JAR], {
      detached: true,
      env: {
        ...process.env,
        MESH_HOST: "127.0.0.1",
        MESH_PORT: String(ports.port),
        MESH_CLUSTER_PORT: String(ports.clusterPort),
        MESH_MANAGEMENT_PORT: String(ports.managementPort),
        MESH_SERVICES: spec.services ?? "all",
        MESH_SEED_NODES: spec.seed ? spec.seed.clusterAddress : this.clusterAddress,
        MESH_EVENT_LOOPS: "1",
      },
      stdio: ["pipe", log, log],
    });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
    this.exitedWith = null;
    this.child.stdin.on("error", () => {});
    this.exited.then((e) => {
      this.exitedWith = e;
      this.child.stdin.destroy(); // ends the watchdog's cat
      started.delete(this);
    });
    started.add(this);
  }

  /** Resolves once GET /ready answers 200; rejects (with the log's tail) if the process exits or time runs out. */
  async awaitReady(timeoutMs = 60_000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.exitedWith !== null) throw new Error(`${this.name} exited (${JSON.stringify(this.exitedWith)}) before it was ready; log ${this.logFile}:\n${this.logTail()}`);
      if ((await this.httpStatus("/ready")) === 200) return this;
      await delay(200);
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms; log ${this.logFile}:\n${this.logTail()}`);
  }

  /** HTTP status of a management route, or -1 when the node does not answer. */
  httpStatus(route) {
    return new Promise((resolve) => {
      const req = http.get({ host: "127.0.0.1", port: this.ports.managementPort, path: route, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(-1));
    });
  }

  /** SIGKILL; resolves once the process has exited. */
  async kill() {
    if (this.exitedWith === null) {
      try {
        process.kill(-this.child.pid, "SIGKILL"); // the shell and the JVM
      } catch {
        // already gone
      }
    }
    await this.exited;
  }

  /** A new process for this node on the same ports. */
  restart() {
    return MeshNode.start({ ...this.spec, ports: this.ports });
  }

  logTail(lines = 30) {
    try {
      return fs.readFileSync(this.logFile, "utf8").split("\n").slice(-lines).join("\n");
    } catch (e) {
      return `(no log: ${e.message})`;
    }
  }
}

/** Kills every node these tests started. */
async function killAll() {
  await Promise.all([...started].map((n) => n.kill()));
}

/** Rejects with a message naming `what` unless the promise settles within ms. */
function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts a cluster: the first node seeds, the others join it; resolves when all are ready. */
async function startCluster(names, services = "all") {
  const first = await MeshNode.start({ name: names[0], services });
  const others = await Promise.all(names.slice(1).map((name) => MeshNode.start({ name, services, seed: first })));
  const nodes = [first, ...others];
  await Promise.all(nodes.map((n) => n.awaitReady()));
  return nodes;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` (sync or async, truthy = done) every 50 ms until it holds, or fails after timeoutMs. */
async function eventually(what, check, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const result = await check();
      if (result) return result;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= until) throw new Error(`not within ${timeoutMs} ms: ${what}${last ? ` (last: ${last.message})` : ""}`);
    await delay(50);
  }
}

module.exports = { MeshNode, startCluster, killAll, freePorts, eventually, within, delay, JAR };
