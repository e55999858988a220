// Statuses and MeshError: every failure a call can have, as a value with the protocol's status.
"use strict";

const { StatusEnum } = require("./protos");

/**
 * The protocol's statuses, by name and by number: `Status.NOT_FOUND === 2` and `Status[2] ===
 * "NOT_FOUND"`.
 * @type {Readonly<Record<string, number> & Record<number, string>>}
 */
const Status = Object.freeze(
  Object.assign(Object.create(null), StatusEnum.values, Object.fromEntries(Object.entries(StatusEnum.values).map(([k, v]) => [v, k]))),
);

/** Name of a status number, or `STATUS_<n>` for a number this client does not know. */
function statusName(code) {
  return typeof Status[code] === "string" ? Status[code] : `STATUS_${code}`;
}

/**
 * A call that did not end with `OK`. `message` reads like meshctl's status line:
 * `NOT_FOUND: no service "nope" in the cluster`.
 */
class MeshError extends Error {
  /**
   * @param {number} statusCode the protocol's status number (see {@link Status})
   * @param {string} error the node's `error` text, or the client's reason when `fromNode` is false
   * @param {{ node?: string, fromNode?: boolean, cause?: unknown }} [details]
   */
  constructor(statusCode, error, details = {}) {
    super(`${statusName(statusCode)}: ${error}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "MeshError";
    /** Status name, e.g. "UNAVAILABLE". */
    this.status = statusName(statusCode);
    /** Status number, e.g. 3. */
    this.statusCode = statusCode;
    /** The reason: the node's `error` text, or the client's own. */
    this.error = error;
    /** host:port of the node the call went to, when it went to one. */
    this.node = details.node;
    /** True when a node's reply carried this status; false when the client decided it. */
    this.fromNode = details.fromNode === true;
  }
}

module.exports = { Status, MeshError, statusName };
