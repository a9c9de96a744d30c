#!/usr/bin/env python3
"""Turns bench/list-bench.sh's results.jsonl files (one or more runs) into the Markdown tables of docs/benchmarks.md."""
import json
import sys

rows, startups, facts = [], [], {}
lines = [line for f in sys.argv[1:] for line in open(f)]
for line in lines:
    r = json.loads(line)
    if "facts" in r:
        facts = r["facts"]
    elif "startup" in r:
        startups.append(r["startup"])
    else:
        rows.append(r)

print("Machine: %s" % ", ".join("%s %s" % (k, v) for k, v in facts.items()))
print()
# the last series per (daemon, images, query) is the warm one
last = {}
first = {}
for r in rows:
    k = (r["daemon"], r["images"], r["query"])
    first.setdefault(k, r)
    last[k] = r
sizes = sorted({r["images"] for r in rows})
queries = []
for r in rows:
    if r["query"] not in queries:
        queries.append(r["query"])
print("| images | query | entries | bytes | imaged median s (first series) | dockerd median s | dockerd / imaged | imaged load | dockerd load |")
print("|---:|---|---:|---:|---:|---:|---:|---|---|")
for n in sizes:
    for q in queries:
        i = last.get(("imaged", n, q))
        i0 = first.get(("imaged", n, q))
        d = last.get(("dockerd", n, q))
        if not i:
            continue
        ratio = "%.1f×" % (d["median"] / i["median"]) if d else "–"
        print("| %d | %s | %d | %d | %.4f (%.4f) | %s | %s | %s | %s |" % (
            n, q, i["entries"], i["bytes"], i["median"], i0["median"],
            "%.4f" % d["median"] if d else "not measured", ratio, i["load"], d["load"] if d else ""))
print()
for who in ("imaged", "dockerd"):
    have = [n for n in sizes if any(last.get((who, n, q)) for q in queries)]
    for lo, hi in zip(have, have[1:]):
        parts = []
        for q in queries:
            a, b = last.get((who, lo, q)), last.get((who, hi, q))
            if a and b:
                parts.append("%s %.1f×" % (q, b["median"] / a["median"]))
        print("- %s, %d → %d images (%.0f× the images): %s" % (who, lo, hi, hi / lo, ", ".join(parts)))
print()
print("| daemon | images | first /_ping after start, s | CPU until then, s | store loaded, ms | Spring 'Started' s | RSS MiB | load |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for s in startups:
    print("| %s | %d | %.2f | %s | %s | %s | %.0f | %s |" % (
        s["daemon"], s["images"], s["ping_s"], s.get("cpu_s", "–"), s.get("store_loaded_ms", "–") or "–",
        s.get("spring_started_s", "–") or "–", s["rss_kib"] / 1024, s["load"]))
