"""The run report: a real (small) MuJoCo run, its report.html opened in a real headless Chromium."""

import json
import shutil
import warnings

import pytest

from graph.results.report_writer import write_report
from graph.results.run_dir import (
    COMPONENTS_PLOT,
    EXECUTE_RATE_PLOT,
    FITNESS_PLOT,
    PLOT_FILES,
    REPORT_HTML,
    REPORT_MD,
    SUMMARY_FILE,
    RunDir,
)
from graph.results.run_dir import REPORT_FILES as FILES_DIR
from graph.results.run_dir import REPORT_VIDEO as VIDEO_FILE
from graph.run import main
from sim.registry import task_class
from sim.reward.program import function_source
from tools.job_dir import ATTEMPT_PROGRAM, RESULT_FILE, program_file

CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# In the page: an element's pixels drawn on a canvas, as [distinct colours, a checksum].
PIXELS = """(element) => {
    const w = element.naturalWidth || element.videoWidth, h = element.naturalHeight || element.videoHeight;
    const canvas = document.createElement('canvas'); canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext('2d'); ctx.drawImage(element, 0, 0);
    const data = ctx.getImageData(0, 0, w, h).data; const colours = new Set(); let sum = 0;
    for (let i = 0; i < data.length; i += 4 * 7) { \
colours.add(data[i] << 16 | data[i + 1] << 8 | data[i + 2]); sum += data[i] * (i % 251); }
    return [colours.size, sum];
}"""
SEEK = (
    "async (video, t) => { await new Promise((done) => { video.onseeked = done; video.currentTime = t; }); }"
)


@pytest.fixture(scope="module")
def ant_run(tmp_path_factory):
    """A one-candidate Ant run whose (replayed) Coder writes the human reward: real rl_games, real MuJoCo."""
    tmp = tmp_path_factory.mktemp("report")
    code = function_source(task_class("Ant").human_reward).replace("def human_reward", "def compute_reward")
    transcript = tmp / "calls.jsonl"
    transcript.write_text(json.dumps({"agent": "coder", "response": f"```python\n{code}\n```"}) + "\n")
    run = tmp / "run"
    flags = "--task Ant --iterations 1 --samples 1 --eval-seeds 1 --num-envs 16 --max-epochs 3".split()
    assert main([*flags, "--llm", f"replay:{transcript}", "--run-dir", str(run)]) == 0
    return run


@pytest.mark.slow
def test_the_report_holds_the_results_plots_and_the_video_of_the_best_policy(ant_run):
    summary = json.loads((ant_run / SUMMARY_FILE).read_text())
    md = (ant_run / REPORT_MD).read_text()
    final = summary["final_eval"]
    assert f"{final['mean']:.4g} ± {final['std']:.4g}" in md and "def compute_reward(" in md
    assert all(f"({FILES_DIR}/{name})" in md for name in PLOT_FILES) and f"({FILES_DIR}/{VIDEO_FILE})" in md
    assert "| total | 1 |" in md  # one LLM call
    assert all((ant_run / FILES_DIR / name).stat().st_size > 1000 for name in (*PLOT_FILES, VIDEO_FILE))


@pytest.mark.slow
def test_the_report_opens_in_a_headless_browser_with_its_plots_and_video(ant_run):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "this test drives Debian's chromium: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((ant_run / REPORT_HTML).resolve().as_uri())
        shot = page.screenshot(path=str(ant_run / "screenshot.png"), full_page=True)
        assert len(shot) > 20_000
        plots = page.query_selector_all("img.plot")
        assert len(plots) == len(PLOT_FILES)
        for plot in plots:
            assert plot.evaluate("(img) => img.complete && img.naturalWidth > 300")
            colours, _ = plot.evaluate(PIXELS)
            assert colours > 10  # a drawn plot, not a blank image
        video = page.query_selector("video")
        video.evaluate("(v) => new Promise((done) => v.readyState >= 2 ? done() : (v.onloadeddata = done))")
        assert video.evaluate("(v) => v.duration") == pytest.approx(5.0, abs=0.2)
        frames = []
        for t in (0.5, 4.0):
            video.evaluate(SEEK, t)
            frames.append(video.evaluate(PIXELS))
        assert all(colours > 10 for colours, _ in frames) and frames[0][1] != frames[1][1]  # the policy moves
        browser.close()


def test_a_report_without_a_trained_candidate_still_has_its_tables(tmp_path):
    summary = {
        "task": "Cartpole",
        "status": "no_trained_candidate",
        "reason": "2 samples: 2 invalid",
        "best": None,
        "final_eval": None,
        "llm": {
            "calls": 2,
            "prompt_tokens": 20,
            "completion_tokens": 10,
            "cost_usd": 0.5,
            "models": {
                "openai:gpt-4o": {"calls": 2, "prompt_tokens": 20, "completion_tokens": 10, "cost_usd": 0.5}
            },
        },
        "stages": [
            {
                "stage": 1,
                "attempt": 1,
                "task": "Cartpole",
                "name": "stage1-Cartpole",
                "budget": {"iterations": 1, "samples": 2, "ppo": {"max_epochs": 5}},
                "iterations": [{"iteration": 0, "samples": [{"status": "invalid", "fitness": None}] * 2}],
                "best": None,
                "final_eval": None,
                "fitness": None,
                "decision": {"action": "stop", "reason": "no candidate of the stage trained", "by": "config"},
            }
        ],
    }
    write_report(RunDir(tmp_path), summary)
    md = (tmp_path / REPORT_MD).read_text()
    assert (
        "Status: no_trained_candidate (2 samples: 2 invalid)" in md
        and "| 1.1 | Cartpole | 1 x 2, 5 epochs | 0 / 2 |" in md
    )
    assert "| openai:gpt-4o | 2 | 20 | 10 | $0.5000 |" in md and "Best reward" not in md
    assert sorted(p.name for p in (tmp_path / FILES_DIR).iterdir()) == [EXECUTE_RATE_PLOT, FITNESS_PLOT]


def test_a_run_stopped_before_its_first_iteration_ended_gets_a_report_and_no_console_warning(tmp_path):
    summary = {
        "task": "Cartpole",
        "status": "stopped",
        "reason": "interrupted",
        "best": None,
        "final_eval": None,
        "stages": [
            {
                "stage": 1,
                "attempt": 1,
                "task": "Cartpole",
                "name": "stage1-Cartpole",
                "budget": {"iterations": 3, "samples": 4, "ppo": {"max_epochs": 100}},
                "iterations": [],
                "best": None,
                "final_eval": None,
                "fitness": None,
                "decision": None,
            }
        ],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning here reaches the user's console beside the run's own lines
        write_report(RunDir(tmp_path), summary)
    assert "Status: stopped (interrupted)" in (tmp_path / REPORT_MD).read_text()


def best_run(tmp_path, code: str):
    """A run whose best candidate trained with ``code`` (its summary.json, result.json and reward file, which
    the Coder wrote with ``code``), its report written; the reward file's path."""
    reward = program_file(RunDir(tmp_path).candidate("stage1-Cartpole", "it0-s0"), ATTEMPT_PROGRAM, 0)
    reward.parent.mkdir(parents=True)
    reward.write_text(code)
    job = RunDir(tmp_path).training("stage1-Cartpole", "it0-s0")
    job.mkdir(parents=True)
    job.joinpath(RESULT_FILE).write_text(
        json.dumps(
            {
                "fitness": [1.0, 2.0],
                "episode_length": [5.0, 9.0],
                "components": {"_shaped": [0.1, 0.2], "x$y": [0.3, 0.1]},
            }
        )
    )
    best = {
        "iteration": 0,
        "sample": 0,
        "fitness": 9.0,
        "train_fitness": 2.0,
        "reward_path": str(reward),
        "checkpoint": None,
        "code": code,
    }
    stage = {
        "stage": 1,
        "attempt": 1,
        "task": "Cartpole",
        "name": "stage1-Cartpole",
        "best": best,
        "budget": {"iterations": 1, "samples": 1, "ppo": {"max_epochs": 2}},
        "final_eval": None,
        "fitness": 9.0,
        "iterations": [{"iteration": 0, "samples": [{"status": "trained", "fitness": 9.0}]}],
        "decision": None,
    }
    summary = {
        "task": "Cartpole",
        "status": "completed",
        "best": best,
        "final_eval": None,
        "llm": {},
        "stages": [stage],
    }
    RunDir(tmp_path).summary.write_text(json.dumps(summary))
    write_report(RunDir(tmp_path))
    return reward


def test_the_report_shows_the_program_that_trained_even_if_its_file_changed_since(tmp_path):
    trained = "def compute_reward(pole_angle):\n    return 1.0 - pole_angle ** 2, {}\n"
    reward = best_run(tmp_path, trained)
    reward.write_text("def compute_reward(pole_angle):\n    return pole_angle * 0, {}  # rewritten\n")
    write_report(RunDir(tmp_path))  # rebuilt from summary.json, as python -m graph.report does
    page, md = (tmp_path / REPORT_HTML).read_text(), (tmp_path / REPORT_MD).read_text()
    assert "return 1.0 - pole_angle ** 2, {}" in page and "rewritten" not in page
    assert f"````python\n{trained}````" in md


def test_untrusted_text_is_shown_as_it_is_and_never_applied(tmp_path):
    """Bidi controls made visible, markup escaped, a long best program cut with the path of the whole file,
    component names that mathtext or a leading underscore would mangle drawn as written."""
    code = "def compute_reward(pole_angle):  # \u202e<script>alert(1)</script>\n" + "    # pad\n" * 5000
    reward = best_run(tmp_path, code)
    page, md = (tmp_path / REPORT_HTML).read_text(), (tmp_path / REPORT_MD).read_text()
    assert "\u202e" not in page + md and "<U+202E>" in page and "<U+202E>" in md
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert f"truncated at 20000 of {len(code)} characters; full file: {reward}" in page
    assert (tmp_path / FILES_DIR / COMPONENTS_PLOT).stat().st_size > 1000
