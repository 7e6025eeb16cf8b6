"""A stand-in component for the stage's tests (``python stage_probe.py MODE``): records its
environment, then fails, ends, or waits (stopping cleanly on SIGTERM, or ignoring it) as MODE
says; with ``PROBE_PORT`` it listens there once its signal handling is in place."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

from meclab.demo.results import ResultWriter

mode = sys.argv[1]
with ResultWriter.from_env() as results:
    results.write({k: os.environ.get(k) for k in ("MEC_PLATFORM_URL", "MECLAB_SOCKS_URL")})
    if mode == "fail":
        print("probe: something went wrong", flush=True)
        sys.exit(3)
    if mode == "listen":
        signal.signal(signal.SIGTERM, lambda *_: (results.write({"stopped": True}), sys.exit(0)))
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "PROBE_PORT" in os.environ:  # ready: its signal handling is in place
        server = socket.create_server(("127.0.0.1", int(os.environ["PROBE_PORT"])))
    if mode != "done":
        time.sleep(120)
