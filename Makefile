# The two set-up commands: `make demo` and `make test`. Both install what is
# missing, configure, build, then run.
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test demo clean bench

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -G Ninja -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	./examples/run-demo.sh $(BUILD)

# Kiln against ONNX Runtime and NumPy/OpenBLAS; writes bench/RESULTS.md.
# BENCH_FLAGS: e.g. --quick, --models mlp_b1,cnn (bench/README.md).
BENCH_FLAGS ?=
bench: build
	/usr/bin/python3 bench/run.py --kiln $(BUILD)/bin/kiln $(BENCH_FLAGS)

clean:
	rm -rf $(BUILD)
