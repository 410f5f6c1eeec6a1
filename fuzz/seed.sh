#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/, not committed) with the project's fixtures.
set -euo pipefail
cd "$(dirname "$0")"
f=../fixtures
seed() { mkdir -p "corpus/$1"; shift; for p in "$@"; do cp "$p" "corpus/${target}/$(basename "$p")"; done; }
target=delimited; seed delimited $f/demo/generalistes.csv $f/demo/sas.csv $f/real/templates/sas.csv $f/real/templates/renoncement.csv $f/real/templates/zones-rouges-noms.csv
target=xlsx; seed xlsx $f/real/templates/pdsa.xlsx $f/real/templates/missions-solidarite.xlsx $f/real/insee/*.xls
target=drees; seed drees $f/real/drees/medecins-rpps-extrait.xlsx
target=insee; seed insee $f/real/insee/*.xlsx $f/real/insee/*.xls
target=ameli; seed ameli $f/real/ameli/*.csv
target=contours; seed contours $f/real/contours/*.geojson
target=indicator_spec; seed indicator_spec ../indicators/*.toml
target=editorial; seed editorial ../report-templates/editorial/*.md
# templates: the first byte picks the source (index in fuzz_targets/templates.rs).
mkdir -p corpus/templates
i=0
for id in generalistes population pdsa pdsa-national sas renoncement zones-rouges sans-medecin-traitant missions-solidarite; do
    { printf "\\x$(printf %02x $i)"; head -c 4000 "$f/demo/$id.csv"; } > "corpus/templates/$id"
    i=$((i + 1))
done
