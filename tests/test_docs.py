"""README.md and docs/*.md quote only figures that bench/RESULTS.md records with their command, and stay
navigable.

**What counts as a figure.** Outside code (fenced blocks and inline `code` spans are commands, flags, settings
and sample output, not measurements), a figure is any match of ``FIGURE``:

- a ``±`` figure: ``218.5 ± 199``, ``−2.714 ± 0.017``;
- a clock time: ``9 min 46 s``;
- a time with its unit (``ms``, ``s``, ``sec``, ``second(s)``, ``min``, ``minute(s)``, ``h``, ``hour(s)``),
  a range allowed: ``3.1 s``, ``1.1-1.3 s``, ``55.5 min``, ``5 minutes``;
- a throughput: ``29 tokens/s``, ``20.8k env-steps/s``, ``4,264 steps/s``; a count: ``19.0M env-steps``;
- a percentage: ``90%``, except a confidence level (``95% CI``, ``95% confidence``, ``95% percentile``);
- a ratio: ``24.9×``, ``1.04x``, ``×1.46``, ``x0.85`` (not ``x86-64``).

Numbers without such a unit (a budget of ``150 epochs``, ``4096 envs``, a fitness of ``0.57``) are not
matched, nor are numbers written as words: write a setting or a limit in a code span or in words ("after five
minutes").

**Where it must appear.** Each figure, whitespace collapsed, ``−`` read as ``-`` and ``x`` as ``×``, must
occur in bench/RESULTS.md on one line that names a command (``COMMAND``: ``python``, ``make``, ``pytest`` or
``.ci/run`` followed by a space) and does not say "not recorded". The match is textual: a common figure
(``42%``) that happens to stand on another command's line passes, so keep figures specific (with their unit
and digits). Every data row of a RESULTS.md table names a command, a commit (seven or more hex digits) and a
date (YYYY-MM-DD), or says "not recorded".

Also: README.md has at most ``README_MAX_LINES`` lines; every relative link in README, docs, RESULTS,
CHANGELOG and ARCHITECTURE points at a file that exists (and at a heading of it, for ``#anchors``, by
GitHub's slug rule); every repository path README and docs name in a code span exists.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS = ROOT / "bench" / "RESULTS.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_LINES = 300

NUMBER = r"\d[\d,]*(?:\.\d+)?"
FIGURE = re.compile(
    rf"""(?<![\w.])(?:
        [−-]?{NUMBER}\s?±\s?{NUMBER}                                            # 218.5 ± 199
      | \d+\s?min\s\d+(?:\.\d+)?\s?s\b                                          # 9 min 46 s
      | {NUMBER}(?:-{NUMBER})?\s?(?:ms|s|sec|seconds?|min|minutes?|h|hours?)\b  # 3.1 s, 1.1-1.3 s
      | {NUMBER}k?\s?(?:env-steps|steps|tokens)/s                               # 20.8k env-steps/s
      | {NUMBER}M\s?env-steps                                                   # 19.0M env-steps
      | \d+(?:\.\d+)?\s?%(?!\s?(?:CI|confidence|percentile))                   # 90%, not 95% CI
      | \d+(?:\.\d+)?[×x](?!\w)                                                 # 24.9×, 1.04x
      | (?:×\d+(?:\.\d+)?|x\d+\.\d+)(?![\w.])                                   # ×1.46, x0.85
    )""",
    re.VERBOSE,
)
COMMAND = re.compile(r"(?:\bpython3?|\bmake|\bpytest|\.ci/run)\s")
COMMIT = re.compile(r"\b[0-9a-f]{7,40}\b")
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
NOT_RECORDED = "not recorded"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
REPO_PATH = re.compile(r"(?:agents|graph|tools|sim|tests|bench|configs|prompts|docs|\.ci)/[A-Za-z0-9_./-]*")


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def normal(text: str) -> str:
    text = re.sub(r"\s+", " ", text).replace("−", "-")
    return re.sub(r"(\d)x(?!\w)", r"\1×", re.sub(r"(?<![\w.])x(\d+\.\d)", r"×\1", text))


def figures(text: str) -> list[str]:
    return [normal(m.group(0)) for m in FIGURE.finditer(prose(text))]


def results_lines() -> list[str]:
    return [normal(line) for line in RESULTS.read_text().splitlines()]


def table_rows(text: str) -> list[str]:
    """The data rows of every Markdown table (neither the header nor the separator)."""
    lines, rows = text.splitlines(), []
    for i, line in enumerate(lines):
        if not line.startswith("|") or re.fullmatch(r"[|\s:-]+", line):
            continue
        is_header = i + 1 < len(lines) and re.fullmatch(r"\|[|\s:-]+", lines[i + 1])
        if not is_header:
            rows.append(line)
    return rows


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.MULTILINE | re.DOTALL)
    return {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, flags=re.MULTILINE)}


DOCUMENTS = [README, *DOCS]


def test_the_figure_rule_matches_what_it_says():
    text = (
        "took 9 min 46 s, held-out 218.5 ± 199 (95% CI [75, 500]), 90% valid, 24.9× and ×1.46 and "
        "1.04x, 29 tokens/s, 20.8k env-steps/s, 19.0M env-steps, 3.1 s and 1.1-1.3 s, 55.5 min, after "
        "5 minutes; not: 150 epochs × 256 envs, 4096 envs, fitness 0.57, it0-s0, 3 seeds, 2 slots, "
        "x86-64, `--timeout 900 s`"
    )
    assert figures(text) == [
        "9 min 46 s",
        "218.5 ± 199",
        "90%",
        "24.9×",
        "×1.46",
        "1.04×",
        "29 tokens/s",
        "20.8k env-steps/s",
        "19.0M env-steps",
        "3.1 s",
        "1.1-1.3 s",
        "55.5 min",
        "5 minutes",
    ]


def test_readme_is_at_most_300_lines():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_figure_is_in_results_with_its_command(doc):
    lines = [line for line in results_lines() if COMMAND.search(line) and NOT_RECORDED not in line]
    missing = sorted({f for f in figures(doc.read_text()) if not any(f in line for line in lines)})
    assert not missing, (
        f"{doc.relative_to(ROOT)} quotes figures that bench/RESULTS.md does not record on a "
        f"line with their command: {missing}"
    )


def test_every_results_row_names_its_command_commit_and_date():
    bad = [
        row
        for row in table_rows(RESULTS.read_text())
        if not (COMMAND.search(row) or NOT_RECORDED in row)
        or not (COMMIT.search(row) or NOT_RECORDED in row)
        or not (DATE.search(row) or NOT_RECORDED in row)
    ]
    assert not bad, "rows of bench/RESULTS.md without a command, a commit or a date:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "doc",
    [*DOCUMENTS, RESULTS, ROOT / "CHANGELOG.md", ROOT / "ARCHITECTURE.md"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_relative_link_resolves(doc):
    broken = []
    for target in LINK.findall(prose(doc.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)}: broken links {broken}"


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_path_named_exists(doc):
    missing = []
    for span in re.findall(r"`([^`\n]+)`", doc.read_text()):
        for match in REPO_PATH.finditer(span):
            if match.start() and not re.match(r"[\s(]", span[match.start() - 1]):
                continue  # part of a longer path, e.g. runs/.../docs/
            if match.end() < len(span) and span[match.end()] in "<*{":
                continue  # a pattern: configs/tasks/<Task>.yaml, tools/*_tools.py
            path = match.group(0).rstrip("./")
            if not (ROOT / path).exists():
                missing.append(path)
    assert not missing, f"{doc.relative_to(ROOT)} names paths that do not exist: {sorted(set(missing))}"
