#!/usr/bin/env python3
"""Polars' own CSV reader on the full-size synthetic directory extract (issue 20,
BENCHMARKS.md): the reader barometre does not use, measured to say why.

    python polars_csv.py target/bench-data/PS_LibreAcces_Personne_activite_202511200000.txt [lazy|eager]

Reads the eight columns barometre needs, all as text, `|`-separated, and prints the rows,
the time and the peak resident memory of the process. Needs `pip install polars`.
"""
import resource
import sys
import time

import polars as pl

COLUMNS = [
    "Identifiant PP", "Code profession", "Code savoir-faire", "Libellé savoir-faire",
    "Code mode exercice", "Numéro SIRET site", "Identifiant technique de la structure",
    "Code commune (coord. structure)",
]


def main():
    path = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "lazy"
    t0 = time.monotonic()
    options = dict(separator="|", infer_schema_length=0, quote_char=None)
    if mode == "lazy":
        df = pl.scan_csv(path, **options).select(COLUMNS).collect()
    else:
        df = pl.read_csv(path, columns=COLUMNS, **options)
    gps = df.filter(pl.col("Code profession") == "10").height
    t1 = time.monotonic()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"polars {pl.__version__} {mode}: {df.height} rows ({gps} of médecins) in {t1 - t0:.2f} s, peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
