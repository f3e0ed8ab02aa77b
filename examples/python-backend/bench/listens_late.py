"""The page-level benchmark's late server: prints nothing, listens on 127.0.0.1:$MT_API_PORT
LISTEN_AFTER_MS (default 1500) milliseconds after it starts, and answers every request with
`{"status":"ok"}` and CORS headers for the page. It writes two epoch times, in milliseconds, to
$LATE_STAMP_FILE: when it started listening, and when the first request from the page (one with an
Origin header; the plugin's probes have none) arrived. `scripts/bench-example` runs it."""
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STAMP_FILE = os.environ["LATE_STAMP_FILE"]
BODY = json.dumps({"status": "ok"}).encode()
page_seen = False


class Handler(BaseHTTPRequestHandler):
    def _answer(self):
        global page_seen
        origin = self.headers.get("Origin")
        if origin and not page_seen:
            page_seen = True
            with open(STAMP_FILE, "a") as stamps:
                stamps.write(f"{time.time() * 1000:.3f}\n")
        self.send_response(200)
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Headers", "Authorization")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    do_GET = do_OPTIONS = _answer

    def log_message(self, *args):
        pass


time.sleep(int(os.environ.get("LISTEN_AFTER_MS", "1500")) / 1000)
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["MT_API_PORT"])), Handler)
with open(STAMP_FILE, "w") as stamps:
    stamps.write(f"{time.time() * 1000:.3f}\n")
server.serve_forever()
