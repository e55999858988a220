// The bundled .proto files (proto/, copied from the repository by `npm run sync-proto`), loaded
// once by reflection with protobufjs, and the message types of the built-in services' methods.
"use strict";

const path = require("node:path");
const protobuf = require("protobufjs");

const PROTO_ROOT = path.join(__dirname, "..", "proto");
const PROTO_FILES = [
  "meshwork/v1/meshwork.proto",
  "meshwork/services/v1/conformance.proto",
  "meshwork/services/v1/hash.proto",
  "meshwork/services/v1/info.proto",
  "meshwork/services/v1/kv.proto",
  "meshwork/services/v1/pubsub.proto",
  "meshwork/services/v1/ratelimit.proto",
];

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => path.join(PROTO_ROOT, target);
root.loadSync(PROTO_FILES, { keepCase: true });
root.resolveAll();

const Request = root.lookupType("meshwork.v1.Request");
const Reply = root.lookupType("meshwork.v1.Reply");
const StatusEnum = root.lookupEnum("meshwork.v1.Status");

const S = "meshwork.services.v1.";
/**
 * Request and reply types of the built-in services' methods, by "service.method". `echo` has no
 * types (its payload is any bytes) and `proxy` forwards raw bodies, so neither is here.
 */
const METHOD_TYPES = Object.freeze({
  "info.get": [S + "InfoRequest", S + "InfoReply"],
  "info.": [S + "InfoRequest", S + "InfoReply"],
  "hash.sha256": [S + "Sha256Request", S + "DigestReply"],
  "hash.pbkdf2": [S + "Pbkdf2Request", S + "DigestReply"],
  "pubsub.publish": [S + "PublishRequest", S + "PublishReply"],
  "pubsub.subscribe": [S + "SubscribeRequest", S + "TopicMessage"],
  "ratelimit.acquire": [S + "AcquireRequest", S + "AcquireReply"],
  "kv.get": [S + "KvGetRequest", S + "KvGetReply"],
  "kv.put": [S + "KvPutRequest", S + "KvPutReply"],
  "kv.delete": [S + "KvDeleteRequest", S + "KvDeleteReply"],
  "kv.keys": [S + "KvKeysRequest", S + "KvKeysReply"],
  "kv.cas": [S + "KvCasRequest", S + "KvCasReply"],
  "conformance.status": [S + "StatusRequest", S + "ConformanceReply"],
  "conformance.delay": [S + "DelayRequest", S + "ConformanceReply"],
  "conformance.stream": [S + "StreamRequest", S + "StreamItem"],
});

/** Options of Type.toObject for replies handed to users: plain, complete, JSON-friendly objects. */
const TO_OBJECT = Object.freeze({ defaults: true, longs: Number, enums: String, bytes: Buffer, arrays: true });

/** A protobufjs Type by full name (with or without a leading dot), or the Type itself. */
function lookupType(typeOrName, what) {
  if (typeOrName instanceof protobuf.Type) return typeOrName;
  if (typeof typeOrName !== "string" || typeOrName === "") {
    throw new TypeError(`${what}: ${String(typeOrName)} (expected: a message type name such as "meshwork.services.v1.KvGetRequest", or a protobufjs Type)`);
  }
  try {
    return root.lookupType(typeOrName);
  } catch (e) {
    throw new TypeError(`${what}: "${typeOrName}" is not a message type in the bundled .proto files (${e.message})`);
  }
}

module.exports = { root, Request, Reply, StatusEnum, METHOD_TYPES, TO_OBJECT, lookupType, PROTO_ROOT, PROTO_FILES };
