#!/usr/bin/env bash
# Benchmarks (issue 8), see BENCHMARKS.md. Prints medians; never fails on timings.
#
#   scripts/bench.sh [RUNS]        (default 5; `just bench`)
#
# 1. builds the binaries once with the `quick` profile, the one of the README's first
#    command (typst, the rasterisers and the readers optimised, polars and the rest not: a
#    cold build stays under 10 minutes); BENCH_PROFILE=release (what `cargo install`
#    gives) optimises every dependency (a cold build of about 20 minutes);
#    BENCH_PROFILE=dist adds link-time optimisation (the binary to ship; 17 minutes cold);
# 2. writes the full-size inputs into $BAROMETRE_BENCH_DATA (default target/bench-data)
#    when absent;
# 3. builds the demo edition RUNS times (BAROMETRE_TIMINGS=1): median wall time, median of
#    each stage, median peak memory; side by side, in turn with each build, the Python peer
#    (benches/peers/fiches.py: pandas + matplotlib + jinja2 + typst, 101 simpler fiches)
#    renders the fiches from the tables of the first build, and the ratios are printed. The
#    peer's virtualenv is made in $TARGET/peer-venv from benches/peers/requirements.txt
#    when absent (PyPI); BENCH_PEER=0 skips the peer, BENCH_PEER_PYTHON=path uses that
#    interpreter instead;
# 4. times the ingestion workloads RUNS times each in a fresh process (so that peak memory
#    is the workload's): DREES full-size workbook, INSEE all years, survey 1,000,000,
#    open RPPS directory 2,000,000 rows (~630 MB);
# 5. with BENCH_DIVAN=1, runs `cargo bench` (divan): its first build compiles the
#    dependencies again with the dev-dependencies' features (a second cold bench build).
# BENCH_BIN=path skips step 1 and uses that binary (and barometre-dev beside it).
# Needs bash, awk and sort only.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${1:-5}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
TARGET="${CARGO_TARGET_DIR:-target}"
DATA="${BAROMETRE_BENCH_DATA:-target/bench-data}"
export BAROMETRE_BENCH_DATA="$DATA"

if [[ -n "${BENCH_BIN:-}" ]]; then
    BIN="$BENCH_BIN" # an already built binary (for trying the script)
else
    PROFILE="${BENCH_PROFILE:-quick}"
    echo "== build (cargo build --profile $PROFILE)"
    cargo build --profile "$PROFILE" --locked --features dev-tools --bin barometre --bin barometre-dev
    BIN="$TARGET/$PROFILE/barometre"
fi
# The generators live in the developers' binary, beside the user one.
DEV="$(dirname "$BIN")/barometre-dev"

if [[ ! -f "$DATA/medecins-rpps-2012-2026.xlsx" || ! -f "$DATA/estim-pop-dep-sexe-gca-1975-2026.xlsx" || ! -f "$DATA/renoncement.csv" || ! -f "$DATA/PS_LibreAcces_Personne_activite_202511200000.txt" ]]; then
    echo "== full-size inputs into $DATA"
    "$DEV" bench-data --out "$DATA"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }

# Median of the numbers on stdin.
median() {
    sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# `timing: <stage> <value> <unit>` lines of the logs → "<stage>\t<value>\t<unit>", then the
# median of each stage in order of first appearance.
stage_medians() {
    awk '/^timing: / { unit = $NF; v = $(NF - 1); $1 = ""; $NF = ""; $(NF - 1) = ""; gsub(/^ +| +$/, ""); print $0 "\t" v "\t" unit }' "$@" >"$WORK/stages.tsv"
    cut -f1 "$WORK/stages.tsv" | awk '!seen[$0]++' | while IFS= read -r stage; do
        unit="$(awk -F'\t' -v s="$stage" '$1 == s { print $3; exit }' "$WORK/stages.tsv")"
        m="$(awk -F'\t' -v s="$stage" '$1 == s { print $2 }' "$WORK/stages.tsv" | median)"
        printf '  %-24s %10s %s\n' "$stage" "$m" "$unit"
    done
}

PEER="${BENCH_PEER:-1}"
PY=""
if [[ "$PEER" == 1 ]]; then
    if [[ -n "${BENCH_PEER_PYTHON:-}" ]]; then
        PY="$BENCH_PEER_PYTHON"
    else
        PY="$TARGET/peer-venv/bin/python"
        if [[ ! -x "$PY" ]] || ! "$PY" -c 'import pandas, matplotlib, jinja2, typst' 2>/dev/null; then
            echo "== Python peer: virtualenv in $TARGET/peer-venv (benches/peers/requirements.txt)"
            python3 -m venv "$TARGET/peer-venv"
            "$TARGET/peer-venv/bin/pip" install --quiet -r benches/peers/requirements.txt
        fi
    fi
fi

echo
echo "== demo edition, all outputs: $RUNS runs of \`barometre build\` (medians)"
for i in $(seq 1 "$RUNS"); do
    t0="$(now)"
    BAROMETRE_TIMINGS=1 "$BIN" build --output "$WORK/out" 2>"$WORK/build-$i.log"
    t1="$(now)"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$WORK/build-wall.txt"
    if [[ -n "$PY" ]]; then
        # The peer's inputs: the tables of the edition just built, copied once.
        [[ -d "$WORK/peer-tables" ]] || cp -r "$WORK/out/2025/tables" "$WORK/peer-tables"
        rm -rf "$WORK/peer-out"
        t0="$(now)"
        "$PY" benches/peers/fiches.py "$WORK/peer-tables" "$WORK/peer-out" >/dev/null
        t1="$(now)"
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$WORK/peer-wall.txt"
    fi
done
printf '  %-24s %10s s\n' "wall (process)" "$(median <"$WORK/build-wall.txt")"
stage_medians "$WORK"/build-*.log
if [[ -n "$PY" ]]; then
    edition="$(median <"$WORK/build-wall.txt")"
    peer="$(median <"$WORK/peer-wall.txt")"
    fiches="$(awk '/^timing: fiches \(PDF\) / { print $(NF - 1) }' "$WORK"/build-*.log | median)"
    echo
    echo "== side by side: Python peer, 101 simpler fiches, in turn with each build (medians)"
    printf '  %-24s %10s s\n' "peer wall (process)" "$peer"
    awk -v p="$peer" -v e="$edition" -v f="$fiches" 'BEGIN {
        printf "  %-24s %10.1f ×\n", "peer / whole edition", p / e
        if (f != "-" && f > 0) printf "  %-24s %10.1f ×\n", "peer / fiche PDFs stage", p / (f / 1000)
    }'
fi

for w in drees insee survey rpps; do
    echo
    echo "== ingestion: $w, $RUNS runs (medians)"
    for i in $(seq 1 "$RUNS"); do
        t0="$(now)"
        BAROMETRE_TIMINGS=1 "$DEV" bench-data --out "$DATA" --ingest "$w" 2>"$WORK/$w-$i.log"
        t1="$(now)"
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$WORK/$w-wall.txt"
    done
    grep -h -v '^timing: ' "$WORK/$w-1.log" | sed 's/^/  /'
    printf '  %-24s %10s s\n' "wall (process)" "$(median <"$WORK/$w-wall.txt")"
    stage_medians "$WORK"/"$w"-*.log
done

if [[ "${BENCH_DIVAN:-0}" == 1 ]]; then
    echo
    echo "== cargo bench (divan)"
    cargo bench --locked --bench ingest
fi
