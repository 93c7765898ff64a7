# callstate — the two set-up commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := test
.PHONY: build-all test-platforms test-packaging wasm-profile restore-1m fuzz fuzz-smoke setup build test test-rust test-wasm-core test-js test-store test-faults soak test-runtimes test-cli test-bench demo bench clean failover

setup:            ## toolchains and system packages (idempotent; fast when done)
	bash scripts/setup.sh

build: setup      ## both npm packages, ready (SPEC §1 packaging contract)
	bash scripts/build.sh

test: build test-rust test-wasm-core test-js test-packaging test-store test-faults failover test-runtimes test-bench test-cli fuzz-smoke   ## everything: fmt, clippy, Rust, WASM, JS, store, runtimes, 60 s of each fuzz target

build-all: build  ## issue 16: the five other platforms' .node (linux arm64 glibc 2.17, x64/arm64 musl, darwin x64/arm64), std from source + cargo zigbuild (~3-6 min each when cold)
	bash scripts/build-all.sh

test-platforms: build-all ## issue 16: each .node where it runs (arm64 under qemu, a musl Node), darwin checked statically, npm's platform choice and the win32 WASM fallback, Bun and Deno (not in make test)
	bash scripts/test-platforms.sh

# The CI subset of test-platforms (in make test): only the packaging step, which needs no cross
# build (npm pack of every package, npm install --os/--cpu/--libc choosing the optional package,
# win32 ending on callstate-wasm; a platform package whose .node is not built is packed without
# it and only its package.json is checked). ~15 s here (npm pack ×8, 7 offline npm installs).
test-packaging: build
	CALLSTATE_UNBUILT_OK=1 bash scripts/test-platforms.sh packaging

test-rust:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test --workspace
	cargo test -q --no-default-features --test without_deflate   # the core without DEFLATE writes (WASM's opt-out)

test-wasm-core:   ## the core builds for wasm32 with the SPEC §11 toolchain
	source scripts/env-wasm.sh && cargo build --target wasm32-unknown-unknown -p callstate --release

test-js: build
	bash scripts/test-js.sh

test-cli: build   ## the callstate CLI on a real redis-server (migrate over 10 000 keys), the OpenTelemetry example
	bash scripts/test-cli.sh

test-store: build ## the store on a real redis-server: ioredis and node-redis, native and WASM
	bash scripts/test-store.sh

test-faults: build ## the fault matrix: pause, sleep, kill, OOM, LOADING, kill -9, ACL, resharding × clients × script/no-Lua × native/WASM, and on Valkey 8; histories checked for linearizability (~5 min)
	bash scripts/test-faults.sh

failover: build   ## issue 12: kill -9 / CLUSTER FAILOVER on a 3-master × 1-replica cluster under racing updates, durability off vs on, ioredis and node-redis Cluster (~2 min)
	bash scripts/test-failover.sh

soak: build       ## every fault at random, 5 min per backend (10 min in all); not in CI
	bash scripts/test-faults.sh --soak 300

demo: build       ## one IVR call end to end (Twilio Functions under twilio-run + redis-server), as a transcript
	bash scripts/demo.sh

test-runtimes: build   ## real runtimes: Twilio Functions IVR, workerd (Miniflare), headless Chromium, packed tarballs
	bash scripts/test-runtimes.sh

bench: build      ## issue 6: codec, scaling, store, load, size/start-up, memory, criterion -> BENCHMARKS.md (~7 min)
	bash bench/deps.sh
	node bench/run.mjs

test-bench: build ## smoke: every bench at tiny size, output checked for shape (never timed)
	bash bench/deps.sh
	node bench/run.mjs --smoke

fuzz-smoke:       ## issue 14: every cargo-fuzz target for 60 s, two at a time (one per core) under nice (~4.5 min with the build)
	bash fuzz/run.sh --seconds 60 --jobs 2 --scratch

fuzz:             ## every cargo-fuzz target for FUZZ_SECONDS (default 3600) each, then the corpus minimized
	bash fuzz/run.sh --seconds $${FUZZ_SECONDS:-3600} --cmin

clean:
	cargo clean
	rm -rf bindings/node/*.node bindings/wasm/pkg* .tools

restore-1m: build ## the CLI restores a 1 000 000-line backup (every 1000th line invalid); prints its peak RSS (a few minutes; not in make test)
	bash scripts/restore-1m.sh

wasm-profile: build ## the WASM module's size profile: twiggy top-20 and dominators (installs twiggy once), bench/wasm-size.json
	CALLSTATE_TWIGGY=1 bash scripts/setup-wasm.sh
	.tools/cargo/bin/twiggy top -n 20 target/callstate-build/callstate_wasm.names.wasm
	.tools/cargo/bin/twiggy dominators -d 2 -r 20 target/callstate-build/callstate_wasm.names.wasm
	node bench/wasm-size.mjs   # bench/wasm-size.json: bytes by crate, for BENCHMARKS.md's size chart
