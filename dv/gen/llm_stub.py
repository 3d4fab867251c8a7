"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks.

It lets the real litellm client path (HTTP, retries, timeouts, error mapping) run against
answers written in advance, with no provider involved::

    with ScriptedServer([Reply(status=429), Reply(content='{"plans": []}')]) as srv:
        litellm.completion(model="openai/stub", api_base=srv.api_base, messages=..., ...)

Each POST to ``/v1/chat/completions`` takes the next :class:`Reply` from the script (or asks a
``responder`` callable). The server is bounded: it answers at most ``max_requests`` requests,
stops by itself after ``lifetime`` seconds, and listens on the loopback address only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: the assistant's text, or an HTTP error status."""

    content: str = ""
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (to provoke client timeouts)
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int | None = None  # reported usage; estimated from the text when None
    completion_tokens: int | None = None


Responder = Callable[[dict[str, Any], int], Reply]


class ScriptedServer:
    """OpenAI-compatible stub: ``api_base`` is ``http://127.0.0.1:<port>/v1``."""

    def __init__(self, script: Sequence[Reply] | Responder, *, max_requests: int = 200,
                 lifetime: float = 300.0, model: str = "stub") -> None:
        self._script: list[Reply] = [] if callable(script) else list(script)
        self._responder: Responder | None = script if callable(script) else None
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.model = model
        self.requests: list[dict[str, Any]] = []  # bodies of the requests seen, in order
        self.headers: list[dict[str, str]] = []  # their HTTP headers (which key was sent)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ScriptedServer:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- answering ---------------------------------------------------------------------------
    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            index = len(self.requests)
            self.requests.append(body)
            if index >= self.max_requests:
                reply = Reply(status=503, content="stub: request budget used")
                threading.Thread(target=self.stop, daemon=True).start()
                return reply
            if self._responder is not None:
                return self._responder(body, index)
            if not self._script:
                return Reply(status=500, content="stub: the script has no more replies")
            return self._script.pop(0)


def _make_handler(owner: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._send(200, {"object": "list", "data": [{"id": owner.model, "object": "model"}]})

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"unparsable": raw.decode("utf-8", "replace")}
            with owner._lock:
                owner.headers.append({k.lower(): v for k, v in self.headers.items()})
            reply = owner.next_reply(body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                err = {"error": {"message": reply.content or f"stub error {reply.status}",
                                 "type": "rate_limit_error" if reply.status == 429 else "error",
                                 "code": str(reply.status)}}
                self._send(reply.status, err, reply.headers)
                return
            text = json.dumps(body.get("messages", []))
            prompt = reply.prompt_tokens if reply.prompt_tokens is not None else len(text) // 4
            completion = (reply.completion_tokens if reply.completion_tokens is not None
                          else len(reply.content) // 4)
            self._send(200, {
                "id": f"chatcmpl-stub-{len(owner.requests)}", "object": "chat.completion",
                "created": 0, "model": body.get("model", owner.model),
                "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                             "message": {"role": "assistant", "content": reply.content}}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion},
            }, reply.headers)

        def _send(self, status: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

    return Handler


def synthetic_design(n_signals: int = 5000, width: int = 1) -> tuple[Any, list[Any]]:
    """A made-up design with ``n_signals`` registers of ``width`` bits, each declared on its
    own line, and every toggle bit of them (2 * n_signals * width holes) plus two branch holes
    open: the prompt-budget workload (no RTL file is read). Returns ``(design, holes)``."""
    from dv.cov.holes import find_holes
    from dv.cov.model import Coverage, CoverPoint
    from dv.design.model import (
        Clock,
        Design,
        Port,
        Reset,
        Signal,
        SourceMap,
        Statement,
    )

    file = "synth.sv"
    lines = ["module synth (input logic clk, input logic rst, input logic go,",
             "              input logic [7:0] din, output logic [7:0] dout);"]
    signals = [Signal("clk", 1, "port", 1), Signal("rst", 1, "port", 1),
               Signal("go", 1, "port", 1), Signal("din", 8, "port", 1),
               Signal("dout", 8, "port", 2)]
    first = len(lines) + 1
    for i in range(n_signals):
        rng = f"[{width - 1}:0] " if width > 1 else ""
        lines.append(f"    logic {rng}s{i};")
        signals.append(Signal(f"s{i}", width, "reg", first + i))
    branch_line = len(lines) + 2
    lines += ["    always_ff @(posedge clk) begin",
              "        if (go && din == 8'hA5) dout <= din;",
              "        else dout <= 8'h00;", "    end", "endmodule"]
    statements = [
        Statement(file, branch_line, branch_line, "if", "dout <= din;",
                  ("!(rst)", "go && din == 8'hA5"), ("rst", "go", "din"), "always_ff", "synth"),
        Statement(file, branch_line + 1, branch_line + 1, "else", "dout <= 8'h00;",
                  ("!(rst)", "!(go && din == 8'hA5)"), ("rst", "go", "din"), "always_ff",
                  "synth"),
    ]
    design = Design(
        top="synth", files=[file],
        ports=[Port("clk", "input", 1), Port("rst", "input", 1), Port("go", "input", 1),
               Port("din", "input", 8), Port("dout", "output", 8)],
        signals=signals, clocks=[Clock("clk")],
        resets=[Reset("rst", active_low=False, asynchronous=False, clock="clk")],
        source_map=SourceMap(lines={file: lines}, statements=statements))
    cov = Coverage()
    for i in range(n_signals):
        for bit in range(width):
            idx = f"[{bit}]" if width > 1 else ""
            for edge in ("0->1", "1->0"):
                cov.add(CoverPoint("toggle", file, first + i, 0, f"s{i}{idx}:{edge}", "synth"))
    cov.add(CoverPoint("branch", file, branch_line, 8, "if", "synth"))
    cov.add(CoverPoint("branch", file, branch_line, 8, "else", "synth", count=3))
    cov.add(CoverPoint("branch", file, branch_line + 1, 8, "else", "synth"))
    return design, find_holes(cov, design.source_map)


__all__ = ["Reply", "Responder", "ScriptedServer", "synthetic_design"]
