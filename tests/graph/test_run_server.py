"""Runs against a real OpenAI-compatible server with Ollama's default context (2,048 tokens): the embedded
model served by llama.cpp on loopback. Real LLM, real rl_games, nothing faked."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from graph.results.run_dir import LLM_CALLS_FILE, SUMMARY_FILE, RunDir
from graph.run import main
from tests.helpers import embedded_model_server

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent
# The text protocol: the embedded model makes no tool calls (README), and these runs test the text path.
TINY = ["--num-envs", "64", "--max-epochs", "5", "--eval-seeds", "1", "--agent-mode", "text"]
STATUSES = {"trained", "invalid", "duplicate", "failed", "llm_failed"}


def summary(run: Path) -> dict:
    return json.loads((run / SUMMARY_FILE).read_text())


def calls(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / LLM_CALLS_FILE).read_text().splitlines()]


def samples(s: dict) -> list[dict]:
    return [sample for it in s["iterations"] for sample in it["samples"]]


def test_a_2k_context_server_run_finishes_with_every_sample_accounted_for(tmp_path):
    run = tmp_path / "run"
    with embedded_model_server(context_tokens=2048) as url:
        # No repair: under the small profile a repair is a fresh sample with the same prompt, so it would only
        # ask the server the same again (each answer of the embedded model costs 30-50 s on 2 cores).
        code = main(
            [
                "--task",
                "BallBalance",
                "--llm",
                "qwen-coder",
                "--base-url",
                url,
                "--iterations",
                "1",
                "--samples",
                "2",
                "--repair-attempts",
                "0",
                "--run-dir",
                str(run),
                *TINY,
            ]
        )
    assert code == 0
    s = summary(run)
    assert s["status"] in ("completed", "no_trained_candidate")
    assert len(samples(s)) == 2
    for sample in samples(s):
        assert sample["status"] in STATUSES and (sample["status"] == "trained" or sample["error"])
    if s["status"] == "no_trained_candidate":
        assert s["reason"].startswith("no candidate trained; 2 samples:")
    records = calls(run)
    assert records and all(
        r["prompt_tokens"] + r["max_tokens"] <= 2048 for r in records
    )  # the server's count


def test_answers_cut_off_by_the_budget_are_truncated_never_trained(tmp_path):
    run = tmp_path / "run"
    with embedded_model_server(context_tokens=2048) as url:
        code = main(
            [
                "--task",
                "BallBalance",
                "--llm",
                "openai:qwen-coder",
                "--base-url",
                url,
                "--iterations",
                "1",
                "--samples",
                "2",
                "--repair-attempts",
                "0",
                "--llm-max-tokens",
                "24",
                "--run-dir",
                str(run),
                *TINY,
            ]
        )
    assert code == 0
    s = summary(run)
    assert s["status"] == "no_trained_candidate"
    assert [x["status"] for x in samples(s)] == ["invalid", "invalid"]
    assert all("cut off at the answer budget of 24 tokens" in x["error"] for x in samples(s))
    assert all(r["truncated"] and r["finish_reason"] == "length" for r in calls(run))
    assert not RunDir(run).jobs("stage1-BallBalance")


def test_a_model_the_server_does_not_serve_is_one_line_before_any_work(tmp_path, capsys):
    with embedded_model_server(context_tokens=2048) as url:
        code = main(
            [
                "--task",
                "BallBalance",
                "--llm",
                "qwen2.5-coder:7b",
                "--base-url",
                url,
                "--run-dir",
                str(tmp_path / "run"),
            ]
        )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(
        f"error: the LLM server at {url} does not serve 'qwen2.5-coder:7b'; it serves: qwen-coder"
    )
    assert not (tmp_path / "run").exists()
    code = main(
        ["--task", "BallBalance", "--llm", "qwen-coder", "--base-url", url, "--run-dir", str(tmp_path / "b")]
    )
    assert code == 2 and "cannot reach the LLM server at" in capsys.readouterr().err  # it is gone now


def test_a_server_that_goes_away_fails_its_samples_stops_resumably_and_resume_completes(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"llm_retries": 1, "llm_timeout_s": 120}))
    run = tmp_path / "run"
    # Short answers (most are cut off, so invalid): this test is about the server, not the programs.
    with embedded_model_server(context_tokens=2048) as url:
        port = url.rsplit(":", 1)[1].split("/")[0]
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "graph.run",
                "--config",
                str(config),
                "--task",
                "BallBalance",
                "--llm",
                "qwen-coder",
                "--base-url",
                url,
                "--iterations",
                "3",
                "--samples",
                "2",
                "--repair-attempts",
                "0",
                "--llm-max-tokens",
                "200",
                "--run-dir",
                str(run),
                *TINY,
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 300
        while not ((run / LLM_CALLS_FILE).exists() and calls(run)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert calls(run), "no LLM call was answered"
    # The server is gone after one answer; the other sample's request and the next iteration fail.
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 2, err
    assert "the coder's LLM is unavailable" in err and f"--resume {run}" in err
    stopped = summary(run)
    assert stopped["status"] == "stopped" and "unavailable" in stopped["reason"]
    it0, it1 = stopped["iterations"]
    assert sorted(x["status"] == "llm_failed" for x in it0["samples"]) == [False, True]
    assert [x["status"] for x in it1["samples"]] == ["llm_failed", "llm_failed"]
    assert all("unavailable after 2 tries" in x["error"] for x in it1["samples"])
    assert it1["note"].startswith("every sample failed on the LLM")

    with embedded_model_server(context_tokens=2048, port=int(port)):
        assert main(["--resume", str(run)]) == 0
    done = summary(run)
    assert done["status"] in ("completed", "no_trained_candidate")
    assert [it["iteration"] for it in done["iterations"]] == [0, 1, 2]
    assert done["iterations"][:2] == stopped["iterations"]  # the finished work was kept as it was
    assert all(x["status"] != "llm_failed" for x in done["iterations"][2]["samples"])
