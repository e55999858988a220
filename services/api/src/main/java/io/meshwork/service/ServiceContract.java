package io.meshwork.service;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a service offers, for clients and tools that discover it at run time: its methods with their
 * request and reply message types, and every {@code .proto} file those types need, as a {@link
 * FileDescriptorSet} (in dependency order) from which a client can build the messages with no
 * generated code (protobuf's {@code DynamicMessage}, {@code JsonFormat}).
 *
 * @param service the service's name
 * @param methods the declared methods, in declaration order
 * @param anyMethod true when the service also takes any other method name with raw payload bytes
 */
public record ServiceContract(String service, List<Method> methods, boolean anyMethod) {

  public ServiceContract {
    requireNonNull(service, "service");
    methods = List.copyOf(methods);
  }

  /**
   * One method.
   *
   * @param requestType the request message, or null when the method was declared with a bare
   *     parser (its payload is still decoded, but its type is not published)
   * @param replyType the reply message (for a stream: each item's), or null likewise
   * @param streaming true for a streaming method
   */
  public record Method(String name, Descriptor requestType, Descriptor replyType, boolean streaming) {
    public Method {
      requireNonNull(name, "name");
    }
  }

  /** Every file that declares a request or reply type, with the files they import, imports first. */
  public FileDescriptorSet fileDescriptorSet() {
    Set<FileDescriptor> ordered = new LinkedHashSet<>();
    for (Method m : methods) {
      if (m.requestType() != null) {
        addWithDependencies(m.requestType().getFile(), ordered);
      }
      if (m.replyType() != null) {
        addWithDependencies(m.replyType().getFile(), ordered);
      }
    }
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    for (FileDescriptor file : ordered) {
      FileDescriptorProto proto = file.toProto();
      set.addFile(proto);
    }
    return set.build();
  }

  private static void addWithDependencies(FileDescriptor file, Set<FileDescriptor> ordered) {
    if (ordered.contains(file)) {
      return;
    }
    for (FileDescriptor dependency : file.getDependencies()) {
      addWithDependencies(dependency, ordered);
    }
    ordered.add(file);
  }
}
