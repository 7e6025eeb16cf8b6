"""The smallest application a MEC host can run: the standard library only.

It stamps when its code began and when it asked to be confirmed ready (for bench/lifecycle.py,
which reads them from its output), confirms ready over MEC 011, and answers HTTP on its
endpoint until it is stopped.
"""

import time

BEGAN = time.time()

import http.server  # noqa: E402  (after the stamp: importing is part of the app's start-up)
import json  # noqa: E402
import os  # noqa: E402
import urllib.request  # noqa: E402

instance = os.environ["MEC_APP_INSTANCE_ID"]
base = os.environ["MEC_PLATFORM_URL"] + os.environ["MEC_API_ROOT"]
host, _, port = os.environ["MEC_APP_ENDPOINT"].rpartition(":")


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server calls
        body = json.dumps({"instance": instance}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


server = http.server.HTTPServer((host, int(port)), Hello)
confirming = time.time()
request = urllib.request.Request(
    f"{base}/mec_app_support/v1/applications/{instance}/confirm_ready",
    data=json.dumps({"indication": "READY"}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
urllib.request.urlopen(request, timeout=10).close()
print(json.dumps({"began": BEGAN, "confirming": confirming}), flush=True)
server.serve_forever()
