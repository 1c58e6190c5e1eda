"""Serve the embedded model over OpenAI-compatible HTTP on loopback, as llama.cpp's server does.

    python -m agents.llm.local_server --port 8765 --context 2048 --alias qwen-coder
    python -m graph.run --task BallBalance --llm qwen-coder --base-url http://127.0.0.1:8765/v1

It prints one line, ``serving ALIAS at http://127.0.0.1:PORT/v1``, once it answers, and runs
until it is stopped (SIGTERM or Ctrl-C). Useful to try a run against a server with a small
context (Ollama's default is 2,048 tokens) without installing one.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from agents.llm.local_llm import start_server
from agents.llm.local_model import LocalModelError, assemble

DEFAULT_ALIAS = "qwen-coder"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m agents.llm.local_server", description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed)")
    p.add_argument("--context", type=int, default=2048, help="context window in tokens")
    p.add_argument("--alias", default=DEFAULT_ALIAS, help="the model name the server answers to")
    p.add_argument("--model", type=Path, help="a GGUF file (default: the embedded Qwen2.5-Coder-1.5B)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    try:
        server = start_server(
            args.model or assemble(), args.threads, args.context, port=args.port, alias=args.alias
        )
    except LocalModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"serving {args.alias} at {server.listening_address}/v1", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    # The native server has no stop call and its threads may be mid-generation: leave at once.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
