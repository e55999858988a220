package io.meshwork.client.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The answer of {@code GET /services} (Meshwork's management route), as {@code meshctl services}
 * shows it.
 */
record ServiceListing(String selfNode, boolean settled, List<Service> services) {
  /** One service and its instances, as the node that answered routes to them. */
  record Service(String name, List<Instance> instances) {}

  /** One instance: the node it runs on, whether that is the answering node, whether reachable. */
  record Instance(String node, boolean local, boolean reachable) {}

  static ServiceListing fromJson(Struct json) {
    Map<String, Value> fields = json.getFieldsMap();
    List<Service> services = new ArrayList<>();
    for (Value s : list(fields, "services")) {
      Map<String, Value> service = s.getStructValue().getFieldsMap();
      List<Instance> instances = new ArrayList<>();
      for (Value i : list(service, "instances")) {
        Map<String, Value> instance = i.getStructValue().getFieldsMap();
        instances.add(
            new Instance(
                instance.get("node").getStringValue(),
                instance.get("local").getBoolValue(),
                instance.get("reachable").getBoolValue()));
      }
      services.add(new Service(service.get("name").getStringValue(), List.copyOf(instances)));
    }
    Value settled = fields.get("listingsSettled");
    Value self = fields.get("selfNode");
    return new ServiceListing(
        self == null ? "?" : self.getStringValue(),
        settled != null && settled.getBoolValue(),
        List.copyOf(services));
  }

  /** The table of {@code meshctl services}: one row per instance, with a summary line. */
  String render() {
    Table table = new Table("SERVICE", "NODE", "LOCAL", "REACHABLE");
    for (Service service : services) {
      if (service.instances().isEmpty()) {
        table.row(service.name(), "(no instance)", "", "");
      }
      for (Instance instance : service.instances()) {
        table.row(
            service.name(),
            instance.node(),
            instance.local() ? "yes" : "no",
            instance.reachable() ? "yes" : "no");
      }
    }
    return table.render()
        + services.size()
        + (services.size() == 1 ? " service" : " services")
        + ", as routed by "
        + selfNode
        + (settled
            ? "; listings settled"
            : "; listings not settled yet: the node is still learning the cluster's services")
        + "\n";
  }

  private static List<Value> list(Map<String, Value> fields, String key) {
    Value value = fields.get(key);
    return value == null || !value.hasListValue()
        ? List.of()
        : value.getListValue().getValuesList();
  }
}
