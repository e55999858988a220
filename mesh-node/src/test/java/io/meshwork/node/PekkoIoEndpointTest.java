package io.meshwork.node;

import java.util.Map;

/** Every endpoint test again, with the endpoint on Pekko's Tcp extension instead of event loops. */
class PekkoIoEndpointTest extends EndpointTest {
  @Override
  protected Map<String, Object> nodeConfig() {
    return Map.of("meshwork.endpoint.transport", "pekko-io");
  }
}
