"use strict";
// Loads the conformance suite: the schema (../proto/meshwork/conformance/v1/conformance.proto,
// which imports the wire contract from protocol/src/main/proto) and the cases, cases.json, the
// proto3 JSON form of meshwork.conformance.v1.Suite.

const fs = require("node:fs");
const path = require("node:path");
const protobuf = require("protobufjs");

const CONFORMANCE_DIR = path.join(__dirname, "..", "..");
const IMPORT_ROOTS = [
  path.join(CONFORMANCE_DIR, "proto"),
  path.join(CONFORMANCE_DIR, "..", "src", "main", "proto"),
];
const DEFAULT_CASES = path.join(CONFORMANCE_DIR, "cases.json");

const root = new protobuf.Root();
// Imports are relative to the import roots, as for protoc -I, not to the importing file.
root.resolvePath = (origin, target) => {
  for (const dir of IMPORT_ROOTS) {
    const candidate = path.join(dir, target);
    if (fs.existsSync(candidate)) return candidate;
  }
  return protobuf.util.path.resolve(origin, target);
};
root.loadSync("meshwork/conformance/v1/conformance.proto");
root.resolveAll();

const types = {
  Suite: root.lookupType("meshwork.conformance.v1.Suite"),
  Request: root.lookupType("meshwork.v1.Request"),
  Reply: root.lookupType("meshwork.v1.Reply"),
  Status: root.lookupEnum("meshwork.v1.Status"),
};

/**
 * Throws on a key that the schema does not have (protobufjs's fromObject ignores them silently;
 * protobuf-java's JsonFormat, used by the Java runner, rejects them).
 */
function checkKnownFields(type, object, where) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    throw new Error(`${where}: ${JSON.stringify(object)} (expected: an object for ${type.fullName})`);
  }
  for (const [key, value] of Object.entries(object)) {
    const field = type.fields[key] || Object.values(type.fields).find((f) => protobuf.util.camelCase(f.name) === key);
    if (!field) {
      throw new Error(`${where}: unknown field "${key}" of ${type.fullName.replace(/^\./, "")}`);
    }
    field.resolve();
    if (field.resolvedType instanceof protobuf.Enum) {
      for (const item of field.repeated ? value : [value]) {
        if (typeof item === "string" && !(item in field.resolvedType.values)) {
          throw new Error(`${where}.${key}: "${item}" is not a value of ${field.resolvedType.fullName.replace(/^\./, "")}`);
        }
      }
      continue;
    }
    if (!(field.resolvedType instanceof protobuf.Type) || field.map) continue;
    const items = field.repeated ? value : [value];
    if (!Array.isArray(items)) throw new Error(`${where}.${key}: expected a list`);
    items.forEach((item, i) => checkKnownFields(field.resolvedType, item, field.repeated ? `${where}.${key}[${i}]` : `${where}.${key}`));
  }
}

/** Reads and checks a suite: known fields only, unique non-empty case names, steps in every case. */
function loadSuite(file = DEFAULT_CASES) {
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  checkKnownFields(types.Suite, json, path.basename(file));
  const suite = types.Suite.fromObject(json);
  const names = new Set();
  for (const c of suite.cases) {
    if (!c.name || names.has(c.name)) throw new Error(`${file}: case name "${c.name}" (expected: non-empty and unique)`);
    names.add(c.name);
    if (c.steps.length === 0) throw new Error(`${file}: case ${c.name} has no steps (expected: at least one)`);
  }
  if (suite.cases.length === 0) throw new Error(`${file}: no cases (expected: at least one)`);
  return suite;
}

module.exports = { root, types, loadSuite, DEFAULT_CASES };
