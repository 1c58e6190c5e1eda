# Two commands on a fresh machine:  `make run`  and  `make test`.
# `.ci/run` calls `make test`, so the README, the Makefile and CI cannot drift apart.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TASK   ?= Cartpole
ARGS   ?=
DEMO   ?= Ant

.PHONY: install browser run test bench demo clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU torch wheel first, or pip resolves torch to the CUDA build (gigabytes).
	$(PY) -m pip install --quiet "torch==2.13.0" || $(PY) -m pip install --quiet torch
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

run: install
	$(PY) -m graph.run --task $(TASK) $(ARGS)

test: install $(VENV)/.installed-extras browser
	$(PY) -m pytest tests --durations=40 $(ARGS)

bench: install
	$(PY) bench/trainer_pool.py

# A 10-second mp4 of a trained MuJoCo policy (trains the human reward first, then renders headless).
demo: install
	$(PY) -m tools.render --task $(DEMO) --train-epochs 300 --seconds 10 --out runs/demo/$(DEMO).mp4

clean:
	rm -rf $(VENV) .pytest_cache
