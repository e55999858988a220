package io.meshwork.client.cli;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A service's published contract, as {@code GET /services/{name}} gives it: its methods with their
 * message types, and the .proto files of those types rebuilt into descriptors. With it meshctl
 * encodes and decodes the payloads of a service it was not compiled with.
 */
final class ServiceContract {
  /** One method; the types are full protobuf names, null when the service does not publish them. */
  record Method(String name, boolean streaming, String requestType, String replyType) {}

  private final String service;
  private final List<Method> methods;
  private final boolean anyMethod;
  private final Map<String, Descriptor> messages;

  ServiceContract(
      String service, List<Method> methods, boolean anyMethod, List<FileDescriptor> files) {
    this.service = service;
    this.methods = List.copyOf(methods);
    this.anyMethod = anyMethod;
    this.messages = new LinkedHashMap<>();
    files.forEach(file -> file.getMessageTypes().forEach(this::addMessage));
  }

  private void addMessage(Descriptor type) {
    messages.put(type.getFullName(), type);
    type.getNestedTypes().forEach(this::addMessage);
  }

  /** Fetches {@code service}'s contract from the management API. */
  static ServiceContract fetch(ManagementApi api, String service) {
    String path = "/services/" + ManagementApi.segment(service);
    ManagementApi.Response response = api.get(path);
    if (response.status() == 404) {
      throw new MeshctlException(
          ExitCodes.forStatus(2), // NOT_FOUND, as a call to it would answer
          ManagementApi.reason(response.body()) + " (asked " + api.base() + ")");
    }
    if (!response.ok()) {
      throw new MeshctlException(ExitCodes.MANAGEMENT_ERROR, api.failure("GET " + path, response));
    }
    Struct body = api.parse(response.body(), "GET " + path);
    Value contract = body.getFieldsMap().get("contract");
    if (contract == null || !contract.hasStructValue()) {
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR,
          "the node at "
              + api.base()
              + " routes to "
              + service
              + " but does not know its contract (it is not in that node's"
              + " meshwork.service-classes): ask a node that has it with --management, or send raw"
              + " bytes with --text or --file");
    }
    try {
      return fromJson(service, contract.getStructValue());
    } catch (IllegalArgumentException e) {
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR,
          "the contract of " + service + " from " + api.base() + " is unusable: " + e.getMessage());
    }
  }

  /**
   * Reads the {@code contract} object of {@code GET /services/{name}}.
   *
   * @throws IllegalArgumentException when it is malformed
   */
  static ServiceContract fromJson(String service, Struct contract) {
    List<Method> methods = new ArrayList<>();
    Value list = contract.getFieldsMap().get("methods");
    if (list != null && list.hasListValue()) {
      for (Value v : list.getListValue().getValuesList()) {
        Map<String, Value> m = v.getStructValue().getFieldsMap();
        methods.add(
            new Method(
                string(m, "name"),
                "stream".equals(string(m, "kind")),
                string(m, "requestType"),
                string(m, "replyType")));
      }
    }
    Value anyMethod = contract.getFieldsMap().get("anyMethod");
    String encoded = string(contract.getFieldsMap(), "fileDescriptorSet");
    FileDescriptorSet set;
    try {
      set = FileDescriptorSet.parseFrom(Base64.getDecoder().decode(encoded == null ? "" : encoded));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "fileDescriptorSet: not a google.protobuf.FileDescriptorSet: " + e.getMessage(), e);
    }
    return new ServiceContract(
        service, methods, anyMethod != null && anyMethod.getBoolValue(), buildFiles(set));
  }

  private static String string(Map<String, Value> fields, String key) {
    Value value = fields.get(key);
    return value == null || !value.hasStringValue() ? null : value.getStringValue();
  }

  /**
   * Builds every file of {@code set} with its imports. The node sends imports first, but any order
   * works.
   *
   * @throws IllegalArgumentException naming the file when an import is missing or a file is invalid
   */
  static List<FileDescriptor> buildFiles(FileDescriptorSet set) {
    Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
    set.getFileList().forEach(file -> protos.put(file.getName(), file));
    Map<String, FileDescriptor> built = new LinkedHashMap<>();
    for (String name : protos.keySet()) {
      build(name, protos, built, new HashSet<>());
    }
    return List.copyOf(built.values());
  }

  private static FileDescriptor build(
      String name,
      Map<String, FileDescriptorProto> protos,
      Map<String, FileDescriptor> built,
      Set<String> inProgress) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    if (!inProgress.add(name)) {
      throw new IllegalArgumentException(name + " imports itself through " + inProgress);
    }
    FileDescriptorProto proto = protos.get(name);
    List<FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      if (!protos.containsKey(dependency)) {
        throw new IllegalArgumentException(
            name + " imports " + dependency + ", which the fileDescriptorSet does not contain");
      }
      dependencies.add(build(dependency, protos, built, inProgress));
    }
    try {
      FileDescriptor file =
          FileDescriptor.buildFrom(proto, dependencies.toArray(new FileDescriptor[0]));
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
  }

  String service() {
    return service;
  }

  List<Method> methods() {
    return methods;
  }

  /** The message type of that full name, if the contract's files define it. */
  Descriptor messageType(String fullName) {
    return messages.get(fullName);
  }

  /**
   * The method to encode {@code --json} for; an empty name means the service's only method.
   *
   * @throws MeshctlException (BAD_REQUEST's exit code) naming the methods there are
   */
  JsonMethod jsonMethod(String name) {
    Method method = null;
    for (Method m : methods) {
      if (m.name().equals(name)) {
        method = m;
      }
    }
    if (method == null && name.isEmpty() && methods.size() == 1) {
      method = methods.get(0);
    }
    if (method == null) {
      throw new MeshctlException(ExitCodes.forStatus(1), noSuchMethod(name));
    }
    if (method.requestType() == null) {
      throw new MeshctlException(
          ExitCodes.forStatus(1),
          service
              + " "
              + method.name()
              + " does not publish its message types, so meshctl cannot"
              + " encode JSON for it: send raw bytes with --text or --file");
    }
    Descriptor request = requireType(method, method.requestType());
    Descriptor reply = method.replyType() == null ? null : requireType(method, method.replyType());
    TypeRegistry registry = TypeRegistry.newBuilder().add(messages.values()).build();
    return new JsonMethod(service, method, request, reply, registry);
  }

  private String noSuchMethod(String name) {
    if (methods.isEmpty() && anyMethod) {
      return service
          + " takes any method with raw bytes and publishes no message types, so meshctl cannot"
          + " encode JSON for it: send the payload with --text or --file";
    }
    String known = methods.stream().map(Method::name).sorted().collect(Collectors.joining(", "));
    String what = name.isEmpty() ? " needs a METHOD" : " has no method \"" + name + "\"";
    return service + what + " (methods: " + (known.isEmpty() ? "none" : known) + ")";
  }

  private Descriptor requireType(Method method, String fullName) {
    Descriptor type = messages.get(fullName);
    if (type == null) {
      throw new MeshctlException(
          ExitCodes.MANAGEMENT_ERROR,
          "the contract of "
              + service
              + " names "
              + fullName
              + " for "
              + method.name()
              + ", but its fileDescriptorSet does not define it");
    }
    return type;
  }
}
