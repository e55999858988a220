// Compiled (not run) by test/types.test.js with tsc --strict: the declarations describe the API
// the way the README uses it, and the built-in methods' shapes are checked.
import { MeshClient, MeshError, MeshStream, Status, protos, KvGetReply, TopicMessage } from "meshwork-client";

async function example(): Promise<void> {
  const client = await MeshClient.connect({ nodes: ["127.0.0.1:7701", { host: "::1", port: 7702 }], reconnect: { maxDelayMs: 1000 } });
  client.on("disconnect", (address, reason) => console.log(address.length, reason.length));

  const echoed: Buffer = await client.call("echo", "", "hello", { deadlineMs: 500, headers: { trace: "t" }, signal: AbortSignal.timeout(1000) });
  const got: KvGetReply = await client.callTyped("kv", "get", { key: "user/42", consistency: "MAJORITY" });
  const found: boolean = got.found;
  const digest: Buffer = (await client.callTyped("hash", "sha256", { data: Buffer.from("x") })).digest;
  const waitMs: number = (await client.callTyped("ratelimit", "acquire", { key: "k", permits: 1 })).wait_ms;
  const other = await client.callTyped("greeter", "greet", { value: "Ada" }, { requestType: "google.protobuf.StringValue", replyType: protos.lookupType("x") });
  const anything: unknown = other["value"];

  // @ts-expect-error kv get has no field "nope"
  await client.callTyped("kv", "get", { nope: 1 });
  // @ts-expect-error consistency is a Consistency name or a number
  await client.callTyped("kv", "get", { key: "k", consistency: "SOME" });

  const subscription: MeshStream<TopicMessage> = client.streamTyped("pubsub", "subscribe", { topic: "news" }, { highWaterMark: 16 });
  for await (const message of subscription) {
    const data: Buffer = message.data;
    const topic: string = message.topic;
    console.log(data.length, topic);
    break;
  }
  for await (const item of client.stream("pubsub", "subscribe", Buffer.alloc(0))) {
    const bytes: Buffer = item;
    console.log(bytes.length);
  }
  await subscription.closed;

  try {
    await client.call("nope");
  } catch (e) {
    if (e instanceof MeshError && e.status === "NOT_FOUND" && e.statusCode === Status.NOT_FOUND && e.fromNode) {
      console.log(e.error, e.node);
    }
  }
  console.log(echoed, found, digest, waitMs, anything, client.nodes()[0].connected, Status[3]);
  await client.close();
}

void example;
