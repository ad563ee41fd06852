#!/usr/bin/env python3
"""Converts the official territory lists into the compact TSV files that
guichet-form bundles (form/data/*.tsv). Run by scripts/territoire.sh, which
fetches the sources; reads two unpacked npm packages, writes five files.

Usage: territoire.py <decoupage-administratif dir> <i18n-iso-countries dir> <out dir>

Deterministic: same inputs, same bytes (sorted, no timestamps), so a rerun
on the same package versions shows no diff. Tabs and newlines never occur
in the official names; the script fails rather than write a broken line.
"""
import json
import sys
from collections import Counter
from pathlib import Path


def line(*fields):
    for f in fields:
        if "\t" in f or "\n" in f:
            sys.exit(f"refusing a field with a tab or newline: {f!r}")
    return "\t".join(fields) + "\n"


def main():
    decoupage, iso, out = (Path(a) for a in sys.argv[1:4])
    data = decoupage / "data"
    load = lambda name: json.loads((data / f"{name}.json").read_text(encoding="utf-8"))

    regions = sorted(load("regions"), key=lambda r: r["code"])
    with open(out / "regions.tsv", "w", encoding="utf-8", newline="") as f:
        f.write("# code\tnom\n")
        for r in regions:
            f.write(line(r["code"], r["nom"]))

    departements = sorted(load("departements"), key=lambda d: d["code"])
    with open(out / "departements.tsv", "w", encoding="utf-8", newline="") as f:
        f.write("# code\tregion\tnom\n")
        for d in departements:
            f.write(line(d["code"], d["region"], d["nom"]))

    # Current communes only: communes déléguées/associées and Paris, Lyon,
    # Marseille's arrondissements are not where a dossier is « located ».
    communes = sorted((c for c in load("communes") if c["type"] == "commune-actuelle"), key=lambda c: c["code"])
    departement_of = {}
    with open(out / "communes.tsv", "w", encoding="utf-8", newline="") as f:
        f.write("# code_insee\tnom\tdepartement\tregion\tcodes_postaux (space-separated)\tpopulation\n")
        for c in communes:
            departement_of[c["code"]] = c["departement"]
            cps = " ".join(sorted(set(c.get("codesPostaux", []))))
            f.write(line(c["code"], c["nom"], c["departement"], c["region"], cps, str(c.get("population", 0))))

    with open(out / "epci.tsv", "w", encoding="utf-8", newline="") as f:
        f.write("# siren\tnom\tdepartements (space-separated, most member communes first)\n")
        for e in sorted(load("epci"), key=lambda e: e["code"]):
            counts = Counter(departement_of[m["code"]] for m in e["membres"] if m["code"] in departement_of)
            deps = sorted(counts, key=lambda d: (-counts[d], d))
            f.write(line(e["code"], e["nom"], " ".join(deps)))

    pays = json.loads((iso / "langs" / "fr.json").read_text(encoding="utf-8"))["countries"]
    with open(out / "pays.tsv", "w", encoding="utf-8", newline="") as f:
        f.write("# iso_3166_alpha2\tnom\n")
        for code in sorted(pays):
            nom = pays[code][0] if isinstance(pays[code], list) else pays[code]
            f.write(line(code, nom))


if __name__ == "__main__":
    main()
