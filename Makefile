# The two commands that matter: `make run` (build, then the main job on the built-in workload) and `make test`
# (build, then every default test). Everything else is listed by `make help`.
BUILD    ?= build
JOBS     ?= $(shell nproc)
VENV     ?= .venv
CMAKE_FLAGS ?=
PYTHON   ?= python3

.PHONY: help deps venv configure build run test exhaustive bench lint formats cost coverage sanitize fuzz clean

help:
	@echo "make run         build, then simulate the MoR engine (SystemC model + Verilated RTL) on the built-in workload"
	@echo "make test        build, then run every default test (ctest -LE exhaustive)"
	@echo "make exhaustive  the long checks (full 2^32 sweeps, 10^8-element engine run, GAM proof) in SHARDS shards"
	@echo "                 each, JOBS at a time through GNU parallel, merged into build/exhaustive/summary.json"
	@echo "make bench       benchmarks with their baselines and ratios"
	@echo "make lint        verilator --lint-only -Wall on every RTL module"
	@echo "make formats     regenerate rtl/include/mor_pkg.sv and mor_pkg.cmake from the model's format table and contract"
	@echo "make cost        the quantizers at 100 MHz: area, memories, bytes and energy per element, the engine's clock"
	@echo "                 into docs/cost.md/.csv/.json (LIBERTY=... to override; cached reruns take seconds)"
	@echo "make coverage    Verilator line/toggle coverage of the RTL harnesses"
	@echo "make sanitize    ASan/UBSan build of the test suite, then run it"
	@echo "make fuzz        libFuzzer runs of the tensor-file readers"
	@echo "make deps        install missing Debian packages (root) or print the apt-get command"

deps:
	@cmake/deps.sh

# The Python cross-check (ml_dtypes) needs PyPI; without it those tests are reported NOT BUILT, nothing else stops.
venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/python/requirements.txt
	@$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q --disable-pip-version-check -r $< \
	  && touch $@ || echo "venv: could not install tests/python/requirements.txt; the ml_dtypes checks are skipped" >&2

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps venv $(BUILD)/CMakeCache.txt
	@if [ $(VENV)/.stamp -nt $(BUILD)/CMakeCache.txt ]; then cmake -S . -B $(BUILD) >/dev/null; fi

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest -LE exhaustive --output-on-failure -j $(JOBS) --timeout 1800

# Every `exhaustive`-label test split into SHARDS shards (--shard I/N, one thread each), JOBS at a time on the local
# cores through GNU parallel, then merged: a shard that fails or is missing fails the target. The same jobs.txt runs
# on many machines (README "Sharded regressions"). EXHAUSTIVE_TESTS=regex picks some of the tests; a shard running
# longer than EXHAUSTIVE_TIMEOUT seconds is killed (and so missing from the merge).
SHARDS ?= $(JOBS)
EXHAUSTIVE_DIR ?= $(BUILD)/exhaustive
EXHAUSTIVE_TESTS ?=
EXHAUSTIVE_TIMEOUT ?= 14400
exhaustive: build
	$(PYTHON) tests/support/exhaustive.py plan --build $(BUILD) --shards $(SHARDS) --out $(EXHAUSTIVE_DIR) \
	  --tests '$(EXHAUSTIVE_TESTS)'
	parallel --will-cite -j $(JOBS) --timeout $(EXHAUSTIVE_TIMEOUT) --joblog $(EXHAUSTIVE_DIR)/joblog \
	  < $(EXHAUSTIVE_DIR)/jobs.txt || true
	$(PYTHON) tests/support/exhaustive.py merge $(EXHAUSTIVE_DIR) --joblog $(EXHAUSTIVE_DIR)/joblog

# The main job: the MoR engine (SystemC model and Verilated RTL side by side) on the built-in workload, both modes.
run: build
	@SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 $(BUILD)/bin/mor-sim --engine cosim --json $(BUILD)/mor-sim-report.json \
	  --report $(BUILD)/mor-sim-report.txt 2>&1 | grep -v "^Info: /OSCI"
	@echo "reports: $(BUILD)/mor-sim-report.txt, $(BUILD)/mor-sim-report.json; hardware cost: docs/cost.md (make cost)"

bench: build
	$(BUILD)/bin/mor-bench
	$(BUILD)/bin/mor-bench-policy
	@if [ -x $(BUILD)/bin/mor-bench-rtl ]; then $(BUILD)/bin/mor-bench-rtl; \
	 else echo "mor-bench-rtl: not built (no Verilator); skipped"; fi

lint: build
	cd $(BUILD) && ctest -R '^rtl\.lint\.' --output-on-failure

# Written to a temporary file and renamed into place: a failed run leaves the committed files as they were.
formats: build
	$(BUILD)/bin/mor formats --verilog > rtl/include/mor_pkg.sv.tmp && mv rtl/include/mor_pkg.sv.tmp rtl/include/mor_pkg.sv
	$(BUILD)/bin/mor formats --cmake > rtl/include/mor_pkg.cmake.tmp && mv rtl/include/mor_pkg.cmake.tmp rtl/include/mor_pkg.cmake

sanitize: deps
	cmake -S . -B $(BUILD)-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOR_SANITIZE=ON -DMOR_WITH_CUDA=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest -LE 'exhaustive' --output-on-failure -j $(JOBS)

# Hardware cost (issue 5): every RTL module and cost unit through Yosys + ABC + OpenSTA, composed into the 32-lane
# quantizers and the whole engine; writes docs/cost.md, docs/cost.csv, docs/cost.json. About 8 minutes cold on 2 idle
# cores (bench/results/cost-flow.md); finished runs are reused, each keyed by the files it reads.
LIBERTY ?= $(CURDIR)/../shared/pdk/sky130_fd_sc_hd__tt_025C_1v80.lib.gz
COST_ORDERS ?= 3
cost: build
	$(BUILD)/bin/mor-metric-agreement --json $(BUILD)/metric-agreement.json > $(BUILD)/metric-agreement.txt
	$(PYTHON) rtl/cost/run_cost.py --liberty "$(LIBERTY)" --orders $(COST_ORDERS) --jobs $(JOBS) \
	  --agreement $(BUILD)/metric-agreement.json --model-lib $(BUILD)/model/libmor_model.a --work $(BUILD)/cost-work

coverage: build
	tests/rtl/golden/coverage.sh $(CURDIR) $(BUILD)/coverage

FUZZ_SECONDS ?= 600
fuzz: build
	tests/fuzz/run_fuzz.sh $(BUILD)/bin/fuzz_npy tests/fuzz/corpus/npy $(FUZZ_SECONDS)
	tests/fuzz/run_fuzz.sh $(BUILD)/bin/fuzz_safetensors tests/fuzz/corpus/safetensors $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan
