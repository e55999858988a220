// One node of a MeshClient: its address, its current connection, and the reconnect loop that
// replaces the connection whenever it closes (exponential backoff with jitter).
"use strict";

const { Connection } = require("./connection");

class NodeLink {
  /**
   * @param {{host: string, port: number, address: string}} node
   * @param {object} options the client's validated options
   * @param {{ onConnect(link: NodeLink): void, onDisconnect(link: NodeLink, reason: string): void }} events
   */
  constructor(node, options, events) {
    this.host = node.host;
    this.port = node.port;
    this.address = node.address;
    this.options = options;
    this.events = events;
    /** @type {Connection | null} */
    this.connection = null;
    this.failures = 0; // consecutive failed attempts since the last connection
    this.lastError = null;
    this.retryTimer = null;
    this.retryAt = 0;
    this.attempt = null; // handle that aborts the attempt in progress
    this.stopped = false;
  }

  /** Starts connecting; resolves when the first attempt has connected, rejects when it failed. */
  start() {
    return this.connect();
  }

  /** A connection that can take a call now, or null. */
  get usableConnection() {
    return this.connection !== null && this.connection.usable ? this.connection : null;
  }

  /** A snapshot for MeshClient.nodes(). */
  status() {
    return {
      address: this.address,
      connected: this.usableConnection !== null,
      inFlight: this.connection === null ? 0 : this.connection.inFlight,
      lastError: this.lastError,
      reconnectInMs: this.retryTimer === null ? null : Math.max(0, this.retryAt - Date.now()),
    };
  }

  /** Stops reconnecting and closes the connection; calls in flight get UNAVAILABLE. */
  stop(reason) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.attempt !== null) this.attempt.abort(reason);
    return this.connection === null ? Promise.resolve() : this.connection.close(reason);
  }

  async connect() {
    this.retryTimer = null;
    let connection;
    try {
      connection = await Connection.open(this.host, this.port, this.address, this.options, (a) => (this.attempt = a));
    } catch (e) {
      this.attempt = null;
      this.lastError = e.error ?? e.message;
      this.failures++;
      this.scheduleRetry();
      throw e;
    }
    this.attempt = null;
    if (this.stopped) {
      connection.close("the client is closed");
      return;
    }
    this.connection = connection;
    this.failures = 0;
    this.lastError = null;
    connection.onClose = (reason) => {
      this.connection = null;
      this.lastError = reason;
      if (!this.stopped) {
        this.events.onDisconnect(this, reason);
        this.scheduleRetry();
      }
    };
    this.events.onConnect(this);
  }

  /** Next attempt after min(max, initial * 2^failures), drawn uniformly from its upper half. */
  scheduleRetry() {
    if (this.stopped) return;
    const { initialDelayMs, maxDelayMs } = this.options.reconnect;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.failures, 30));
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect().catch(() => {}), delay);
  }
}

module.exports = { NodeLink };
