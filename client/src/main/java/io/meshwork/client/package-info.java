/**
 * A small pipelined Java client for Meshwork nodes: {@link io.meshwork.client.MeshClient} speaks
 * the v1 wire protocol (varint-length-prefixed {@code Request}/{@code Reply} frames) over one TCP
 * connection.
 */
package io.meshwork.client;
