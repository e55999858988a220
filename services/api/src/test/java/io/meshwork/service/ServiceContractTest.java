package io.meshwork.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.meshwork.protocol.internal.v1.CallEnvelope;
import io.meshwork.protocol.internal.v1.CallResultProto;
import io.meshwork.protocol.v1.Request;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

class ServiceContractTest {
  private static ServiceDefinition<Object> definition() {
    return ServiceDefinition.builder("svc")
        .unary("call", CallEnvelope.getDefaultInstance(), CallResultProto.getDefaultInstance(), c -> c)
        .unary("untyped", Request.parser(), c -> c)
        .anyMethod(c -> c)
        .behavior(ctx -> Behaviors.ignore())
        .build();
  }

  @Test
  void methodsAndTheirTypesInDeclarationOrder() {
    ServiceContract contract = definition().contract();
    assertThat(contract.service()).isEqualTo("svc");
    assertThat(contract.anyMethod()).isTrue();
    assertThat(contract.methods()).extracting(ServiceContract.Method::name).containsExactly("call", "untyped");
    ServiceContract.Method call = contract.methods().get(0);
    assertThat(call.requestType().getFullName()).isEqualTo("meshwork.internal.v1.CallEnvelope");
    assertThat(call.replyType().getFullName()).isEqualTo("meshwork.internal.v1.CallResultProto");
    assertThat(contract.methods().get(1).requestType()).isNull();
  }

  @Test
  void theFileSetHoldsEachNeededFileOnceWithImportsFirst() {
    var files = definition().contract().fileDescriptorSet().getFileList();
    assertThat(files)
        .extracting(FileDescriptorProto::getName)
        .containsExactly("meshwork/v1/meshwork.proto", "meshwork/internal/v1/envelope.proto");
  }

  @Test
  void typedMethodsAreCheckedLikeUntypedOnes() {
    var spec = definition().methods().get("call");
    assertThat(spec.requestType().getName()).isEqualTo("CallEnvelope");
    assertThatThrownBy(
            () ->
                ServiceDefinition.builder("svc")
                    .unary("m", Request.getDefaultInstance(), Request.getDefaultInstance(), c -> c)
                    .unary("m", Request.parser(), c -> c))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("declared once");
    assertThatThrownBy(
            () ->
                ServiceDefinition.builder("svc")
                    .unary("", Request.getDefaultInstance(), Request.getDefaultInstance(), c -> c))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
