# The commands people type. `make book` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .stamps
COURSE ?= .
# One BLAS thread: the chapters' matrices are small, and on a busy 2-core machine (or with
# two pytest workers) OpenBLAS threads make them many times slower, not faster.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
ASSIGNMENT ?= all
WORKERS ?= 2
# Where `make collect` reads an LMS zip or a folder of submissions from.
SUBMISSIONS ?= downloads
# Course settings, each optional and remembered once given (nngrade.json): the gradebook URL
# (default: sqlite gradebook.db), the roster CSV, the LMS (default: detected per download).
DB_URL ?=
ROSTER ?=
LMS ?=
# the LMS's time zone (IANA name; default UTC), remembered too; Moodle's grading worksheet of the
# download (default: Grades-<zip name>.csv beside it); Canvas/Blackboard gradebook export (column ids)
TIMEZONE ?=
WORKSHEET ?=
GRADEBOOK ?=
# REGRADE=1: autograde again what was already graded (hand-entered scores are kept where the
# answer did not change)
REGRADE ?=
# STUDENT=id: collect, autograde and feedback for that one student (a late hand-in)
STUDENT ?=
# more options of `nngrade autograde`, e.g. AUTOGRADE_FLAGS="--tamper zero"
AUTOGRADE_FLAGS ?=
NNGRADE = $(VENV)/bin/nngrade
STUDENT_FLAG = $(if $(STUDENT),--student '$(STUDENT)')
COURSE_FLAGS = --course $(COURSE) $(if $(DB_URL),--db-url '$(DB_URL)') \
	$(if $(ROSTER),--roster '$(ROSTER)') $(if $(LMS),--lms '$(LMS)') \
	$(if $(TIMEZONE),--timezone '$(TIMEZONE)')

.PHONY: help venv assets system-deps book test test-fast lint format release collect autograde \
        feedback report export similarity benchmark benchmark-site clean student-edition

help:
	@echo "make book        build the site into _build/html (sets everything up first)"
	@echo "make test        lint, then every test: nnlib, notebooks, grading, browser"
	@echo "make test-fast   only the quick unit tests (no notebooks, no grading, no browser)"
	@echo "make lint        ruff check and ruff format --check"
	@echo "make format      ruff format, then ruff check --fix"
	@echo "make student-edition  dist/student/ and dist/nn-course-student.zip (no solutions)"
	@echo "make release     regenerate exercises/ from solutions/ (nbgrader generate_assignment)"
	@echo "make collect     SUBMISSIONS=zip-or-dir [ROSTER=roster.csv LMS=canvas]: into submitted/"
	@echo "make autograde   grade submitted/ safely (isolated, WORKERS=$(WORKERS))"
	@echo "make feedback    feedback pages without hidden tests, and feedback-upload/<a>.zip"
	@echo "make report      what collect/autograde said about each submission"
	@echo "make export      grades.csv (and grades-<lms>.csv for the LMS import)"
	@echo "make similarity  reports/<a>-similarity.html: the most similar answers (instructor only)"
	@echo "                 every step: ASSIGNMENT=name (default all), DB_URL=postgresql+psycopg2://..."
	@echo "                 collect, autograde, feedback: STUDENT=id for that student alone"
	@echo "make benchmark   print the speed benchmarks"
	@echo "make benchmark-site  Lighthouse on every page of the built site, mobile and desktop"
	@echo "make clean       remove what the build made (_build, dist, .stamps, _vendor, node_modules)"

$(STAMPS)/venv: requirements.lock pyproject.toml instructor/pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . -e instructor
	@touch $@
venv: $(STAMPS)/venv

$(STAMPS)/assets: package.json package-lock.json scripts/vendor_assets.py $(STAMPS)/venv
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/vendor_assets.py
	@touch $@
assets: $(STAMPS)/assets

system-deps:
	@bash scripts/system-deps.sh

# The execution cache keys on the chapters' code only: when the demos' renderer changes, the
# cached outputs (static demos, figure PNGs) are stale, so the chapters are read and run again.
$(STAMPS)/demo-renderer: nnbook/base.py
	@mkdir -p $(STAMPS)
	rm -rf _build/.jupyter_cache _build/.doctrees
	@touch $@

# postbuild rewrites the pages in place, once: when that rewrite changes, Sphinx writes every
# page again for it (the execution cache stays). Likewise when the vendored site files change:
# Sphinx does not copy its extra files over ones already in _build/html.
$(STAMPS)/page-rewriter: scripts/site_pages.py scripts/typeset_math.js scripts/vendor_assets.py
	@mkdir -p $(STAMPS)
	rm -rf _build/html
	@touch $@

book: $(STAMPS)/venv $(STAMPS)/assets $(STAMPS)/demo-renderer $(STAMPS)/page-rewriter
	NNLIB_BOOK_BUILD=1 $(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going \
		|| { $(PY) scripts/postbuild.py --explain-failure; exit 1; }
	$(PY) scripts/student_edition.py --site _build/html
	$(PY) scripts/postbuild.py _build/html

# What students download (the site serves the zip too: `make book` builds it into _build/html).
student-edition: $(STAMPS)/venv
	$(PY) scripts/student_edition.py

lint: $(STAMPS)/venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMPS)/venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: system-deps book lint
	$(VENV)/bin/python -m pytest -n 2 --dist loadgroup --durations=25

test-fast: $(STAMPS)/venv
	$(VENV)/bin/python -m pytest -m "not slow and not browser"

release: $(STAMPS)/venv
	$(NNGRADE) release $(ASSIGNMENT) $(COURSE_FLAGS)

collect: $(STAMPS)/venv
	$(NNGRADE) collect $(ASSIGNMENT) $(COURSE_FLAGS) --from '$(SUBMISSIONS)' \
		$(if $(WORKSHEET),--worksheet '$(WORKSHEET)') $(STUDENT_FLAG)

autograde: $(STAMPS)/venv
	@bash scripts/system-deps.sh bubblewrap
	$(NNGRADE) autograde $(ASSIGNMENT) $(COURSE_FLAGS) --workers $(WORKERS) \
		$(if $(REGRADE),--regrade) $(STUDENT_FLAG) $(AUTOGRADE_FLAGS)

feedback: $(STAMPS)/venv $(STAMPS)/assets
	$(NNGRADE) feedback $(ASSIGNMENT) $(COURSE_FLAGS) $(STUDENT_FLAG)

report: $(STAMPS)/venv
	$(NNGRADE) report $(ASSIGNMENT) $(COURSE_FLAGS)

export: $(STAMPS)/venv
	$(NNGRADE) export $(ASSIGNMENT) $(COURSE_FLAGS) $(if $(GRADEBOOK),--gradebook '$(GRADEBOOK)')

similarity: $(STAMPS)/venv
	$(NNGRADE) similarity $(ASSIGNMENT) $(COURSE_FLAGS)

benchmark: $(STAMPS)/venv
	$(PY) benchmarks/train_mlp.py
	$(PY) benchmarks/autodiff_mlp.py
	$(PY) benchmarks/grading.py
	$(PY) benchmarks/validate.py
	$(PY) tests/grading/benchmark_autograde.py

# Lighthouse (pinned in benchmarks/lighthouse/) on Debian's chromium; `make book` first.
benchmark-site: $(STAMPS)/venv
	npm ci --prefix benchmarks/lighthouse --no-audit --no-fund --loglevel=error
	$(PY) benchmarks/site.py

clean:
	rm -rf _build dist $(STAMPS) _vendor node_modules .jupyter_cache
