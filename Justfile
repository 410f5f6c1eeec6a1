# Recipes are one-line wrappers; `just ci` runs what CI runs.

# Build the demo edition into output/2025/
build:
    cargo run --profile quick -- build

# Run the tests (the README's test command)
test:
    cargo test

# What CI runs on a clean clone
ci:
    .ci/run

# Regenerate the demo dataset (fixtures/demo/), byte-identically
demo:
    cargo run --features dev-tools --bin barometre-dev -- demo

# Regenerate the reference geography from @etalab/decoupage-administratif (needs npm)
reference:
    python3 scripts/derive_reference.py

# Fuzz one reader for SECS seconds (nightly + `cargo install cargo-fuzz`; CI never fuzzes); see fuzz/README.md
fuzz target secs="120":
    cd fuzz && cargo +nightly fuzz run {{target}} -- -max_total_time={{secs}}

# Benchmarks: end-to-end demo build, stages, ingestion of full-size inputs (BENCHMARKS.md)
bench runs="5":
    scripts/bench.sh {{runs}}
