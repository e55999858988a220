/** {@code meshctl}, the command-line tool for Meshwork nodes, built on picocli. */
package io.meshwork.client.cli;
