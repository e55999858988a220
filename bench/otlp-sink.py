#!/usr/bin/env python3
"""A minimal OTLP/HTTP receiver for benchmarks: answers every POST 200 and counts the bytes.

    python3 bench/otlp-sink.py 14318      # then MESH_OTLP_ENDPOINT=http://127.0.0.1:14318/v1/traces

It prints one line per export (path, bytes, content type). It decodes nothing: it stands in for a
collector that keeps up, so that a benchmark measures the node's side of tracing.
"""
import http.server
import sys


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        print(f"POST {self.path} {len(body)} bytes {self.headers.get('Content-Type')}", flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 4318
    http.server.HTTPServer(("127.0.0.1", port), Sink).serve_forever()
