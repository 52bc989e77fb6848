# A-Ops developer and operator targets. `make run` and `make test` are the README's two commands.
.PHONY: install run test check lint types unit bench testenv-start testenv-stop testenv-status clean

PYTEST_ARGS ?=
DATA_DIR ?= $(HOME)/.local/share/aops

install:            ## Debian packages, .venv with the suite and its test tools
	bash scripts/install-deps.sh

run: install        ## the whole suite on its embedded defaults (SQLite, in-process queues)
	.venv/bin/aops standalone --data-dir $(DATA_DIR)

test:               ## everything CI runs: real test servers, ruff, mypy, pytest
	bash scripts/run-tests.sh $(PYTEST_ARGS)

check: test

lint:
	.venv/bin/ruff check .
	npm --prefix web run --silent lint

types:
	.venv/bin/mypy
	npm --prefix web run --silent typecheck

bench: install      ## benchmarks against the real servers (prints JSON figures)
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk; }
	TESTENV_KEEP=1 bash scripts/testenv.sh start && . .testenv/env && \
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done

testenv-start: install
	bash scripts/testenv.sh start

testenv-stop:
	bash scripts/testenv.sh stop

testenv-status:
	bash scripts/testenv.sh status

clean:
	rm -rf .testenv .pytest_cache .mypy_cache .ruff_cache
