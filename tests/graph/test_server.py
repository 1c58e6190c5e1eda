"""The [server] extra: a real `langgraph dev` serves the Eureka graph, and a LangGraph client (langgraph_sdk)
steers a human-feedback run over HTTP. The Coder is a FAKE LLM (a replayed transcript); training is real."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_sync_client

from graph.results.run_dir import LLM_CALLS_FILE, SUMMARY_FILE

ROOT = Path(__file__).resolve().parent.parent.parent
FEEDBACK = "the pole falls to the left; reward a centred cart"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path):
    """`langgraph dev` on a free port, from the repository (it keeps its store in .langgraph_api/, ignored by
    git)."""
    port = free_port()
    langgraph = Path(sys.executable).parent / "langgraph"
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
        [
            str(langgraph),
            "dev",
            "--no-browser",
            "--no-reload",
            "--allow-blocking",
            "--port",
            str(port),
            "--config",
            str(ROOT / "langgraph.json"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(f"{url}/ok", timeout=2).status_code == 200
        except httpx.HTTPError:
            return proc.poll() is not None and pytest.fail((tmp_path / "server.log").read_text()[-3000:])

    try:
        until(up, 120, "the server")
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


@pytest.mark.slow
def test_a_langgraph_client_runs_and_steers_a_human_feedback_run(server, tmp_path):
    run = tmp_path / "run"
    args = [
        "--task",
        "Cartpole",
        "--iterations",
        "2",
        "--samples",
        "3",
        "--repair-attempts",
        "0",
        "--llm",
        f"replay:{ROOT / 'tests' / 'fixtures' / 'cartpole_replay.jsonl'}",
        "--eval-seeds",
        "1",
        "--num-envs",
        "128",
        "--max-epochs",
        "8",
        "--feedback",
        "human",
    ]
    config = {"configurable": {"run_dir": str(run), "args": args}}
    client = get_sync_client(url=server)
    thread = client.threads.create()["thread_id"]
    client.runs.create(thread, "eureka", input={}, config=config)
    status = until(
        lambda: (
            client.threads.get(thread)["status"] in ("interrupted", "error")
            and client.threads.get(thread)["status"]
        ),
        300,
        "the human-feedback wait",
    )
    assert status == "interrupted", (tmp_path / "server.log").read_text()[-3000:]
    # A steering message over HTTP while the run waits: the live service answers it.
    posted = httpx.post(f"{server}/eureka/messages", json={"run_dir": str(run), "text": "/status"}).json()
    answer = until(
        lambda: [
            r
            for r in httpx.get(f"{server}/eureka/replies", params={"run_dir": str(run)}).json()
            if r["message_id"] == posted["id"]
        ],
        60,
        "the /status answer",
    )
    assert answer[0]["text"].startswith("stage1-Cartpole: iteration 1 of 2")
    # The wait is answered the LangGraph way: resume the interrupt with the feedback's text.
    resumed = client.runs.create(thread, "eureka", command={"resume": FEEDBACK}, config=config)
    client.runs.join(thread, resumed["run_id"])
    state = client.threads.get_state(thread)
    assert state["values"]["status"] == "completed" and not state["next"]
    calls = [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]
    second = [c["messages"][-1]["content"] for c in calls if "/it1-" in c["key"]]
    assert second and all(FEEDBACK in p and "task_score" not in p for p in second)
    summary = json.loads((run / SUMMARY_FILE).read_text())
    assert summary["status"] == "completed" and summary["iterations"][0]["steering"][0]["text"] == FEEDBACK
    assert (
        httpx.post(
            f"{server}/eureka/messages", json={"run_dir": str(tmp_path / "nope"), "text": "hi"}
        ).status_code
        == 404
    )
