"""``python -m graph.report RUN_DIR``: a run's report rewritten from what it wrote (the report itself is
tested in tests/graph/results/test_report_writer.py)."""

import json

from graph.report import main
from graph.results.run_dir import RunDir


def test_a_directory_without_a_summary_is_refused_in_one_line(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path} holds no summary.json"


def test_a_summary_gives_the_html_and_the_markdown(tmp_path, capsys):
    run = RunDir(tmp_path)
    run.summary.write_text(
        json.dumps(
            {
                "task": "Cartpole",
                "status": "no_trained_candidate",
                "stages": [],
                "iterations": [],
                "best": None,
                "final_eval": None,
                "llm": {},
            }
        )
    )
    assert main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(run.report_html)
    assert "Cartpole" in run.report_html.read_text() and run.report_md.read_text().startswith(
        "# Eureka Graph run"
    )
