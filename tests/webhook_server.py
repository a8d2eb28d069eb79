"""A local HTTP server for the webhook tests: records what it receives, answers as told."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """`answers`: what to answer next (a status, or "sleep" to outlast the timeout),
    then `default`. `requests`: (path, headers, body) of each request received."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: list[int | str | tuple[int, dict[str, str]]] = []
        self.default: int = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                if answer == "sleep":
                    time.sleep(1.0)
                    answer = 200
                headers: dict[str, str] = {}
                if isinstance(answer, tuple):
                    answer, headers = answer
                self.send_response(int(answer))
                for name, value in headers.items():
                    self.send_header(name, value)
                text = f"answer {answer}".encode()
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout test)
                    self.wfile.write(text)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
