# The README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run PORT=5050` when 5000 is taken; DEMO_PORT is the fake prototype that shows the rating widget.
PORT ?= 5000
DEMO_PORT ?= 5001
export FLASK_APP := wsgi.py

.PHONY: run test test-fast install lint bench loadtest clean translations

$(BIN)/flask: pyproject.toml
	@echo "Installing Cocreate and its tools into $(VENV) (needs Python 3.11 or newer; a minute or two the first time) ..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/flask

install: $(BIN)/flask

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask maturity rebuild --if-missing
	@# The worker (mail, webhooks, the schedule) runs beside the web server on a SQLite file broker, and the fake
	@# prototype showing the rating widget (http://127.0.0.1:$(DEMO_PORT)/, another origin); both stop with it.
	@# Flask's development server (no debugger, plain HTTP on 127.0.0.1): never the production server, which is
	@# gunicorn with gunicorn.conf.py behind a buffering proxy (README, Deployment).
	$(BIN)/flask worker & worker=$$!; \
	$(BIN)/flask widget demo --port $(DEMO_PORT) --app-url http://127.0.0.1:$(PORT) & demo=$$!; \
	trap 'kill $$worker $$demo 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Both test lanes run on every core with pytest-xdist: one process per core ("auto"), each with its own app and
# database (tests/conftest.py). The browser tests stay together on one worker (--dist loadgroup).
# `make test PYTEST_WORKERS=0` runs in this one process (for --pdb); PYTEST_ARGS adds pytest options.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --dist loadgroup

# The whole suite: what CI runs, on SQLite and on PostgreSQL (TEST_DATABASE_URL).
test: install
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The fast lane, for the edit-and-test loop: the suite without the browser tests (marker browser) and the
# property tests (marker property: hypothesis, schemathesis) and the slow ones (marker slow: real servers, the
# clock). Under 2 minutes on a 2-core machine.
test-fast: install
	$(BIN)/python -m pytest $(XDIST) -m "not browser and not property and not slow" $(PYTEST_ARGS)

# Seeds 100k ideas / 1M votes / 20k users into bench/cocreate_bench.db and PostgreSQL cocreate_bench,
# loads the app and a hello-world with wrk (apt-get install wrk), writes docs/performance.md.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# 60 s of 16 demo customers browsing, voting and commenting against gunicorn on 127.0.0.1; fails on any
# error answer. locust has its own virtualenv: it pins its own gevent and Flask.
.venv-load/bin/locust:
	$(PYTHON) -m venv .venv-load
	.venv-load/bin/pip install --quiet "locust>=2.20,<3"

loadtest: install .venv-load/bin/locust
	$(BIN)/python loadtest/run.py

# After marking texts with _() / {% trans %}: extract, merge into en/nl/it, translate the new entries in the
# .po files, then run it again to compile. tests/i18n fails while a catalogue misses a text.
translations: install
	$(BIN)/flask translations update
	$(BIN)/flask translations compile

lint: install
	$(BIN)/ruff check cocreate tests
	$(BIN)/bandit -q -c pyproject.toml -r cocreate
	$(BIN)/mypy cocreate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
