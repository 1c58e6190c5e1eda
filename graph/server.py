"""The Eureka graph behind the LangGraph server API (the optional ``[server]`` extra; its license differs
from the core's): ``langgraph dev --no-browser --allow-blocking`` in the repository serves what
``langgraph.json`` names (the nodes do short blocking file and SQLite I/O, which dev mode flags otherwise).

A thread is one run; its config names the run directory and, for a new run, graph.run's flags:

    client.runs.create(thread_id, "eureka", input={},
                       config={"configurable": {"run_dir": "runs/x", "args": ["--task", "Cartpole"]}})

A pause or a human-feedback wait (``--feedback human``) is an interrupt of the thread: resume it
with the message's text, ``command={"resume": "keep the cart centred"}`` (or ``"/resume"``,
``"/stop"``). While the run trains, ``POST /eureka/messages {"run_dir", "text"}`` sends any steering
message and ``GET /eureka/replies?run_dir=...&after=N`` reads the replies, as graph.chat does. The
graph's state lives in the server's store; everything else in the run directory. One run per
server process: its log events go to the run's log.jsonl.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from langchain_core.runnables import RunnableConfig
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from graph.build import build_graph
from graph.context import RunContext, open_run
from graph.results.run_dir import RunDir
from graph.run import parse_args, prepare
from graph.settings import Settings, SettingsError
from graph.steering.inbox import Inbox
from graph.steering.service import SteeringService
from graph.steering.terminal import feed_file

#: The runs this server process drives, by run directory: their context and steering service.
RUNS: dict[str, tuple[RunContext, asyncio.Task]] = {}


def run_context(run_dir: str, args: list[str]) -> RunContext:
    """The context of the run in ``run_dir``: created from ``args`` (graph.run's flags, --steer-file included)
    or the saved config."""
    key = str(Path(run_dir).resolve())
    if key in RUNS:
        return RUNS[key][0]
    run, steer_file = RunDir(run_dir), None
    if run.is_run():
        ctx = open_run(Settings.load(run.config), run, new=False)
    else:
        parsed = parse_args([*args, "--run-dir", run_dir])
        if parsed.steer_file and not parsed.steer_file.is_file():
            raise SettingsError(f"--steer-file {parsed.steer_file}: no such file")
        settings, _ = prepare(parsed)
        ctx, steer_file = open_run(settings, run, new=True), parsed.steer_file
    if steer_file:
        feed_file(ctx.inbox, steer_file)
    service = SteeringService(ctx, lambda: board_state(ctx))
    RUNS[key] = ctx, asyncio.get_running_loop().create_task(service.run())
    return ctx


async def board_state(ctx: RunContext) -> tuple[dict, dict]:
    """What the steering service reads here: the server's store is not ours, so the live board's records."""
    candidates = ctx.board.stage_candidates()
    trained = [c for c in candidates if c["fitness"] is not None]
    return {}, {"candidates": candidates, "best": max(trained, key=lambda c: c["fitness"], default=None)}


def make_graph(config: RunnableConfig):
    """The graph factory the server calls for each request; a run's requests get its context bound in."""
    configurable = (config or {}).get("configurable", {})
    if not configurable.get("run_dir"):
        return build_graph()  # reading a thread's state needs the shape only
    try:
        return build_graph(context=run_context(configurable["run_dir"], list(configurable.get("args") or [])))
    except SystemExit as exc:  # argparse already said what is wrong
        raise SettingsError(f"bad args for graph.run: exit {exc.code}") from None


async def post_message(request: Request) -> JSONResponse:
    body = await request.json()
    if not isinstance(body, dict) or not body.get("run_dir") or not isinstance(body.get("text"), str):
        return JSONResponse({"error": 'send {"run_dir": ..., "text": ...}'}, status_code=400)
    run = RunDir(body["run_dir"])
    if not run.is_run():
        return JSONResponse({"error": f"{body['run_dir']} is not a run directory"}, status_code=404)
    message_id = Inbox(run.inbox).post(body["text"], f"http:{uuid.uuid4().hex}")
    return JSONResponse({"id": message_id})


async def get_replies(request: Request) -> JSONResponse:
    run_dir = request.query_params.get("run_dir", "")
    if not RunDir(run_dir).is_run():
        return JSONResponse({"error": f"{run_dir!r} is not a run directory"}, status_code=404)
    after = int(request.query_params.get("after", "0") or 0)
    replies = Inbox(RunDir(run_dir).inbox).replies(after=after)
    return JSONResponse(
        [{"id": r.id, "message_id": r.message_id, "agent": r.agent, "text": r.text} for r in replies]
    )


app = Starlette(
    routes=[
        Route("/eureka/messages", post_message, methods=["POST"]),
        Route("/eureka/replies", get_replies, methods=["GET"]),
    ]
)
