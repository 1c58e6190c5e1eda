"""Command line: ``python -m graph.report RUN_DIR`` (re)writes a run's report.html and report.md from what it
wrote."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.results.report_writer import write_report
from graph.results.run_dir import SUMMARY_FILE, RunDir


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m graph.report", description="(Re)write a run's report.html and report.md."
    )
    p.add_argument("run_dir", type=Path)
    args = p.parse_args(argv)
    run = RunDir(args.run_dir)
    if not run.summary.is_file():
        print(f"error: {args.run_dir} holds no {SUMMARY_FILE}", file=sys.stderr)
        return 2
    print(write_report(run))  # keeps report_files/best_policy.mp4 if there is one
    return 0


if __name__ == "__main__":
    sys.exit(main())
