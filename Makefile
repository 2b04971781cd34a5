# The two commands that do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test mutation mutation-sample mutation-rest mutation-quick mutation-clean clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v < (3, 13) else "sbs needs Python 3.10-3.12 (durable-rules does not run on %d.%d); run: make PYTHON=python3.11" % v)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/sbs validate policy/rules
	$(BIN)/sbs packs
	$(BIN)/sbs test
	@mkdir -p build
	@rm -f build/decisions.sqlite build/decisions.sqlite-wal build/decisions.sqlite-shm
	$(BIN)/sbs evaluate fixtures/sample/delivery.yaml --overrides fixtures/sample/overrides.yaml --format md --out build/sample-report.md --log build/decisions.sqlite
	@sed -n '1,/^## Skolenheter/p' build/sample-report.md | head -n -1
	@echo "The whole report, with every decision's trace: build/sample-report.md"
	$(BIN)/sbs log history 48151711 --log build/decisions.sqlite

test: install
	$(BIN)/python -m pytest -q

# Mutation testing of the code (mutmut over policy/ and engine/; about 29,000 mutants, many hours on 2
# cores): an interrupted run resumes where it stopped (mutmut keeps its results in mutants/).
# `make mutation-sample` tests a random sample (N, SEED) and gives the score with its 95 % interval;
# `make mutation-quick` only the modules a change touched; `make mutation-clean` starts over.
# A resumed run keeps mutmut's copies: the packs, the guide, fixtures, tests, the CLI, the tools and the
# documents tests read must match this checkout.
SYNC = if [ -d mutants ]; then rm -rf mutants/policy/rules mutants/fixtures mutants/tests mutants/cli mutants/tools && \
	  cp -r policy/rules mutants/policy/rules && cp policy/*.md policy/*.json mutants/policy/ && \
	  cp -r fixtures tests cli tools mutants/ && cp README.md CHANGELOG.md mutants/; fi
MUTMUT = HYPOTHESIS_PROFILE=mutation $(BIN)/mutmut run --max-children 2
mutation: install
	@$(SYNC)
	$(MUTMUT) > mutants.log 2>&1 || (tail -n 20 mutants.log; exit 1)
	$(BIN)/python tools/mutation_score.py

N ?= 1000
SEED ?= 2016
mutation-sample: install
	@$(SYNC)
	@# the first run makes the mutants and maps the tests, then stops at a name that matches no mutant
	@[ -d mutants ] || $(MUTMUT) 'no.mutant.yet' > mutants.log 2>&1 || [ -s mutants/mutmut-stats.json ] \
	  || (tail -n 20 mutants.log; exit 1)
	@# the sample is drawn once and kept, so a resumed run tests the same mutants (`make mutation-clean` draws anew)
	@[ -s mutants-sample.txt ] || $(BIN)/python tools/mutation_score.py --sample $(N) --seed $(SEED) > mutants-sample.txt
	$(MUTMUT) $$(cat mutants-sample.txt) > mutants.log 2>&1 || (tail -n 20 mutants.log; exit 1)
	$(BIN)/python tools/mutation_score.py --names mutants-sample.txt

# When the sample is only partly tested, `make mutation-rest` draws K of its untested mutants at random (once,
# kept), tests them and gives the two-phase estimate of the sample's score (tools/mutation_score.py says how).
K ?= 60
mutation-rest: install
	@$(SYNC)
	@[ -s mutants-sample.txt ] || (echo "no sample yet: run \`make mutation-sample\` first"; exit 1)
	@[ -s mutants-sample-rest.txt ] || $(BIN)/python tools/mutation_score.py --names mutants-sample.txt --rest $(K) --seed $(SEED) > mutants-sample-rest.txt
	$(MUTMUT) $$(cat mutants-sample-rest.txt) > mutants.log 2>&1 || (tail -n 20 mutants.log; exit 1)
	$(BIN)/python tools/mutation_score.py --names mutants-sample.txt --second mutants-sample-rest.txt

# Before stopping: mutate only the modules of policy/ and engine/ that changed since BASE (default: the last
# commit; uncommitted edits count), and score those mutants alone.
BASE ?= HEAD~1
mutation-quick: install
	@mods=$$(git diff --name-only $(BASE) -- policy engine | grep '\.py$$' | sed 's#\.py$$##; s#/__init__$$##; s#/#.#g; s#$$#.*#'); \
	if [ -z "$$mods" ]; then echo "no module of policy/ or engine/ changed since $(BASE)"; exit 0; fi; \
	$(SYNC); \
	echo "mutating:" $$mods; \
	$(MUTMUT) $$mods > mutants-quick.log 2>&1 || (tail -n 20 mutants-quick.log; exit 1); \
	$(BIN)/python tools/mutation_score.py --only $$mods

mutation-clean:
	rm -rf mutants mutants.log mutants-quick.log mutants-sample.txt mutants-sample-rest.txt

clean:
	rm -rf $(VENV) mutants mutants.log .pytest_cache .hypothesis *.egg-info
