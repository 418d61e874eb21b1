# Optimization Methods for Deep Learning: the course's commands.
# Everything runs inside .venv/, created from the machine's python3 when it is missing.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
JUPYTER := $(VENV)/bin/jupyter
NB      ?= notebooks
# JupyterLab refuses to start as root unless told; containers often run as root.
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: help lab formgrader test check release student-package figures grade test-browser benchmarks clean translations

help:
	@echo "make lab              set up .venv and open the course in JupyterLab"
	@echo "make test             set up .venv and run the whole test suite"
	@echo "make check [NB=..]    check your notebooks locally, with feedback"
	@echo "make release          regenerate notebooks/ from the instructor masters (nbgrader)"
	@echo "make student-package  build dist/optim_course_student-*.whl for a class (no solutions)"
	@echo "make figures          regenerate the concept figures (notebooks/figures/, notebooks/zh-CN/figures/)"
	@echo "make formgrader       serve nbgrader's formgrader on the course (hand grading)"
	@echo "make grade            autograde autograder/submitted/ with nbgrader, export grades.csv"
	@echo "make test-browser     the student experience in headless Chromium"
	@echo "make translations     extract, merge and compile the checks' Chinese texts"

# The installer is uv (from PyPI, into .venv): a cold install takes seconds where pip takes
# minutes. When uv cannot be had or fails, pip does the same install.
$(PY):
	$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv \
	  || echo "uv could not be installed; installing with pip instead (slower)"

define install
	@if [ -x $(VENV)/bin/uv ] && $(VENV)/bin/uv pip install --quiet --python $(PY) $(1); then :; \
	else $(PY) -m pip install --quiet --disable-pip-version-check $(1); fi
endef

# Reinstall only when the package's declared dependencies change. The course's own modules are
# compiled to bytecode as a wheel install would (an editable install does not, and where
# PYTHONDONTWRITEBYTECODE is set Python never caches it: every `python -m autograder check`
# would compile its ~30 modules again, some 35 ms of CPU).
$(VENV)/.installed: pyproject.toml | $(PY)
	$(call install,-e .)
	@$(PY) -m compileall -q autograder helpers > /dev/null || true
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(call install,-e '.[dev]')
	@touch $@

# The student's lab: nbgrader's instructor parts (formgrader, "Create Assignment", its menu) are
# switched off by the extra Jupyter config dir config/student-lab (see its README.md).
STUDENT_LAB := JUPYTER_CONFIG_PATH=$(CURDIR)/config/student-lab

lab: $(VENV)/.installed
	@echo "Opening JupyterLab on notebooks/ (the URL with its token follows; Ctrl-C stops it)."
	$(STUDENT_LAB) $(JUPYTER) lab --notebook-dir=notebooks --ip=127.0.0.1 $(ROOT_FLAG)

# Hand grading: nbgrader's formgrader on the course (autograder/, where nbgrader_config.py and
# gradebook.db are); open the URL printed, then Formgrader in the Nbgrader menu
# (docs/INSTRUCTORS.md, "Grading the written answer by hand").
formgrader: $(VENV)/.installed
	@echo "Opening JupyterLab with formgrader on the course in autograder/ (Ctrl-C stops it)."
	cd autograder && $(abspath $(JUPYTER)) lab --ip=127.0.0.1 $(ROOT_FLAG) \
		--LabApp.default_url=/formgrader

# --dist loadfile: a module's tests share one worker, so a module-scoped fixture (the graded
# fixture class) is built once; xdist's loadgroup marks are ignored under pytest 9.2
# (pytest-xdist issue 1386).
test: $(VENV)/.installed-dev zh-font
	$(PY) -m pytest -n 2 --dist loadfile tests

check: $(VENV)/.installed
	$(PY) -m autograder check $(NB)

release: $(VENV)/.installed
	$(PY) -m autograder release

# The student distribution: helpers and the checks with their precomputed data, no masters.
student-package: $(VENV)/.installed
	$(PY) -m autograder student-package

# Both sets: the English figures and the Chinese ones (the same drawings, their text in Chinese,
# for notebooks/zh-CN/), which need the Chinese font.
figures: $(VENV)/.installed zh-font
	$(PY) -m helpers.figures notebooks/figures
	$(PY) -m helpers.figures --language zh-CN notebooks/zh-CN/figures

# Extra options go in ARGS, e.g. make grade ARGS="--jobs 4 --assignments 05_adam"
grade: $(VENV)/.installed
	$(PY) -m autograder grade $(ARGS)

# Installs Debian's chromium when missing and playwright into .venv (never a browser download).
test-browser: $(VENV)/.installed-dev
	bash browser_tests/setup.sh
	$(PY) -m pytest browser_tests -v

benchmarks: $(VENV)/.installed
	$(PY) benchmarks/training.py

# The Chinese edition's figures use Noto Sans CJK SC, from Debian's fonts-noto-cjk (installed
# here when missing and apt-get can run). Without it the course still works; Chinese figure text
# then shows as boxes and helpers.plots.use_language("zh-CN") warns.
.PHONY: zh-font
# The checks' Chinese texts: extract the English texts (babel.cfg), merge them into the .po
# (translate the new entries there), compile the .mo (committed; tests/test_i18n.py checks it
# is current). Then the same for the helpers' texts (helpers/babel.cfg): the training errors
# (_) and the figures' texts (N_, helpers.plots.FIGURE_TEXTS), translated when drawn.
translations: $(VENV)/.installed-dev
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _ --no-location --project optim-course \
		--copyright-holder "the course authors" -o autograder/checks/locale/optim_course.pot .
	$(VENV)/bin/pybabel update -i autograder/checks/locale/optim_course.pot \
		-d autograder/checks/locale -D optim_course --no-fuzzy-matching -w 100
	$(VENV)/bin/pybabel compile -d autograder/checks/locale -D optim_course --statistics
	$(VENV)/bin/pybabel extract -F helpers/babel.cfg -k _ -k N_ --no-location --project optim-course \
		--copyright-holder "the course authors" -o helpers/locale/optim_course_helpers.pot .
	$(VENV)/bin/pybabel update -i helpers/locale/optim_course_helpers.pot -d helpers/locale \
		-D optim_course_helpers --no-fuzzy-matching -w 100
	$(VENV)/bin/pybabel compile -d helpers/locale -D optim_course_helpers --statistics

zh-font:
	@if fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
	       apt-get install -y -q fonts-noto-cjk >/dev/null; } \
	  || echo "could not install fonts-noto-cjk: Chinese figure text will show as boxes"; \
	else echo "for Chinese figures install a CJK font, e.g. sudo apt-get install fonts-noto-cjk"; fi

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
