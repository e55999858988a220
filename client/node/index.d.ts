// Types of meshwork-client's public API (index.js); the built-in services' message shapes are
// generated into types/services.d.ts by `npm run gen-types`.
/// <reference types="node" />
import { EventEmitter } from "node:events";
import type { Root, Type } from "protobufjs";
import type { BuiltInMethods } from "./types/services";

export * from "./types/services";

export type StatusName =
  | "OK" | "BAD_REQUEST" | "NOT_FOUND" | "UNAVAILABLE" | "DEADLINE_EXCEEDED"
  | "OVERLOADED" | "UNAUTHENTICATED" | "PERMISSION_DENIED" | "INTERNAL";

/** The protocol's statuses by name and by number: `Status.NOT_FOUND === 2`, `Status[2] === "NOT_FOUND"`. */
export declare const Status: Readonly<{
  OK: 0; BAD_REQUEST: 1; NOT_FOUND: 2; UNAVAILABLE: 3; DEADLINE_EXCEEDED: 4;
  OVERLOADED: 5; UNAUTHENTICATED: 6; PERMISSION_DENIED: 7; INTERNAL: 8;
  [code: number]: StatusName | undefined;
}>;

/** The protobufjs Root of the bundled .proto files. */
export declare const protos: Root;

export interface MeshClientOptions {
  /** Client endpoints: "host:port", "[::1]:7700" or { host, port }. */
  nodes: Array<string | { host: string; port: number }>;
  /** Per connection attempt; default 3000. */
  connectTimeoutMs?: number;
  /** Deadline of a call that sets none; default 5000. */
  defaultDeadlineMs?: number;
  /** Deadline to the first item of a stream that sets none; default 300000. */
  defaultStreamDeadlineMs?: number;
  /** How long after a call's deadline the client-side timer fails it; default 1000. */
  graceMs?: number;
  /** Larger reply frames close the connection; default 16 MiB. */
  maxReplyFrameBytes?: number;
  /** Larger requests are refused (BAD_REQUEST) before sending; default 1 MiB. */
  maxRequestFrameBytes?: number;
  /** Request bytes that may wait for one connection before calls are refused (OVERLOADED); default 64 MiB. */
  maxQueuedBytes?: number;
  /** Reconnect backoff: initial 100 ms, doubling to 5000 ms, with jitter. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

export interface CallOptions {
  /** Sent as deadline_ms; default: the client's defaultDeadlineMs (defaultStreamDeadlineMs for streams). */
  deadlineMs?: number;
  /** Request headers: auth token, trace context, routing keys. */
  headers?: Record<string, string>;
  /** Rejects the call (or cancels the stream) when aborted. */
  signal?: AbortSignal;
}

export interface TypeOptions {
  /** Full name ("meshwork.services.v1.KvGetRequest") or a protobufjs Type; needed for methods that are not built in. */
  requestType?: string | Type;
  replyType?: string | Type;
}

export interface StreamOptions extends CallOptions {
  /** Items buffered before the connection stops reading; default 1024. */
  highWaterMark?: number;
}

export interface NodeStatus {
  address: string;
  connected: boolean;
  inFlight: number;
  lastError: string | null;
  reconnectInMs: number | null;
}

type Key<S extends string, M extends string> = `${S}.${M}`;
/** The request shape of a built-in method, else any object. */
export type RequestOf<S extends string, M extends string> =
  Key<S, M> extends keyof BuiltInMethods ? BuiltInMethods[Key<S, M>][0] : Record<string, unknown>;
/** The reply shape of a built-in method, else any object. */
export type ReplyOf<S extends string, M extends string> =
  Key<S, M> extends keyof BuiltInMethods ? BuiltInMethods[Key<S, M>][1] : Record<string, unknown>;

/** A call that did not end with OK. `message` reads `NOT_FOUND: no service "nope" in the cluster`. */
export declare class MeshError extends Error {
  constructor(statusCode: number, error: string, details?: { node?: string; fromNode?: boolean; cause?: unknown });
  readonly name: "MeshError";
  /** e.g. "NOT_FOUND" (`STATUS_<n>` for a number this client does not know). */
  readonly status: StatusName | `STATUS_${number}`;
  /** e.g. 2. */
  readonly statusCode: number;
  /** The node's reason, or the client's. */
  readonly error: string;
  /** host:port of the node the call went to, when it went to one. */
  readonly node: string | undefined;
  /** True when a node's reply carried the status; false when the client decided it. */
  readonly fromNode: boolean;
}

/** The items of one streaming call; leaving the `for await` loop early cancels it at the node. */
export declare class MeshStream<T> implements AsyncIterableIterator<T> {
  private constructor();
  /** host:port of the serving node, once the stream's connection is open. */
  readonly node: string | undefined;
  /** Resolves once the stream's connection is closed. */
  readonly closed: Promise<void>;
  next(): Promise<IteratorResult<T, undefined>>;
  return(value?: unknown): Promise<IteratorResult<T, undefined>>;
  /** Closes the stream's connection, which cancels the stream at the node. */
  cancel(): Promise<void>;
  [Symbol.asyncIterator](): MeshStream<T>;
}

export declare class MeshClient extends EventEmitter {
  /** Resolves once a connection to one of the nodes is open; rejects (UNAVAILABLE) when none can be reached. */
  static connect(options: MeshClientOptions): Promise<MeshClient>;
  constructor(options: MeshClientOptions);
  /** Raw payload in, the reply's payload out; rejects with a MeshError for any status but OK. */
  call(service: string, method?: string, payload?: Uint8Array | string, options?: CallOptions): Promise<Buffer>;
  /** Plain objects in and out, encoded with the bundled .proto types. */
  callTyped<S extends string, M extends string>(service: S, method: M, request: RequestOf<S, M>, options?: CallOptions & TypeOptions): Promise<ReplyOf<S, M>>;
  /** A streaming call's items, each on a connection of its own. */
  stream(service: string, method: string, payload?: Uint8Array | string, options?: StreamOptions): MeshStream<Buffer>;
  streamTyped<S extends string, M extends string>(service: S, method: M, request: RequestOf<S, M>, options?: StreamOptions & TypeOptions): MeshStream<ReplyOf<S, M>>;
  /** The nodes and their state. */
  nodes(): NodeStatus[];
  /** Closes every connection and stream; idempotent. */
  close(): Promise<void>;

  on(event: "connect", listener: (address: string) => void): this;
  on(event: "disconnect", listener: (address: string, reason: string) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: "connect", listener: (address: string) => void): this;
  once(event: "disconnect", listener: (address: string, reason: string) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}
