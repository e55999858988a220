package io.meshwork.client.cli;

import picocli.CommandLine.Command;

/** Mixed into every command: its {@code --help} ends with the list of {@link ExitCodes}. */
@Command(
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      " 0:OK",
      " 1:an unexpected failure inside meshctl",
      " 2:invalid arguments, including --json that does not parse or does not fit the request type",
      " 3:the node cannot be reached",
      " 4:the management API cannot be reached",
      " 5:the management API answered with an error (e.g. no such member)",
      " 6:the management API's mutating routes are read-only (HTTP 405)",
      " 7:bench: the method streams its reply (bench measures unary calls)",
      " 8:bench: some calls failed",
      " 9:the management API refused leave/down: wrong or missing credentials (HTTP 401), or"
          + " plain HTTP from another machine (HTTP 403)",
      "1x:the call ended with status number x: 11 BAD_REQUEST (also: an unknown method for --json),"
          + " 12 NOT_FOUND (also: a service the management API does not know), 13 UNAVAILABLE,"
          + " 14 DEADLINE_EXCEEDED, 15 OVERLOADED, 16 UNAUTHENTICATED, 17 PERMISSION_DENIED,"
          + " 18 INTERNAL"
    })
final class ExitCodeHelp {}
