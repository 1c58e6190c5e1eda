# Two commands on a fresh machine:  `make run`  and  `make test`.
# `.ci/run` calls `make test`, so the README, the Makefile and CI cannot drift apart.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TASK   ?= Cartpole
ARGS   ?=
DEMO   ?= Ant
# torch, pinned: the version sim/reward/torch_reviewed.txt was reviewed on (pyproject.toml pins the same).
# On PyPI the Linux x86-64 builds are the CUDA ones; for the CPU build elsewhere, install it first from
# PyTorch's CPU index (pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu): a torch
# already in the venv is kept. A newer torch needs a new review: tests/sim/reward/test_allow_list.py says how.
TORCH       ?= 2.13.0

.PHONY: install browser egl run lint test bench demo gpu-check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: a torch already in the venv is kept (a CPU or CUDA build of $(TORCH) the user chose,
	# README, "Quick start"); else torch==$(TORCH), the CPU wheel (pip's own local wheels or mirror apply too).
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet "torch==$(TORCH)"
	$(PY) -m pip install --quiet -e ".[test,local]"
	touch $@

install: $(VENV)/.installed

# The tests also cover the optional extras: [server] (the LangGraph server API), [ray] (the Ray pool), [gpu] (MuJoCo Warp).
$(VENV)/.installed-extras: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[server,ray,gpu]"
	touch $@

# The report test opens report.html in Debian's chromium (Playwright's own browser download is never used).
browser:
	@command -v chromium >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }; }

# MuJoCo renders headless through EGL (make demo, the report's clip of a MuJoCo policy): Debian's Mesa EGL.
egl:
	@{ ldconfig -p | grep -q libEGL_mesa.so.0 && ldconfig -p | grep -q libEGL.so.1; } || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri || { apt-get update -qq && apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri; }; }

run: install
	$(PY) -m graph.run --task $(TASK) $(ARGS)

# Style as ruff sees it ([tool.ruff] in pyproject.toml): formatting and lint, both checked, nothing rewritten.
lint: $(VENV)/.installed-extras
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

test: lint install $(VENV)/.installed-extras browser egl
	$(PY) -m pytest tests --durations=40 $(ARGS)

bench: install
	$(PY) bench/trainer_pool.py

# A 10-second mp4 of a trained MuJoCo policy (trains the human reward first, then renders headless).
demo: install egl
	$(PY) -m tools.render --task $(DEMO) --train-epochs 300 --seconds 10 --out runs/demo/$(DEMO).mp4

# On a GPU machine: each GPU trains a Cartpole and a MuJoCo job at once inside the confinement, in 5
# minutes, and reports env-steps/s; a refusal names its layer (docs/scaling.md). Without a GPU it
# says so and passes.
gpu-check: install
	$(PY) -m tools.devices --check

clean:
	rm -rf $(VENV) .pytest_cache
