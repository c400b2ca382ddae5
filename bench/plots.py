"""PNG plots of one run: latency against load (ours beside the ceiling and floor) and cost
against data size (each scenario from 1x to 10x data).

A scenario can add a curve to the load plot by returning `load_curve`: a list of
{"clients": n, "p50_ms": ..., "p95_ms": ..., "throughput_per_s": ...} points.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.report import flatten, scenario_figures  # noqa: E402

# A scenario measured at one load level only is drawn as one point: (clients, p50, p95, rate).
LOAD_POINTS = {"booking": ("clients", "book_p50_ms", "book_p95_ms", "bookings_per_s")}
THROUGHPUT_KEYS = ("throughput_per_s", "throughput_rps", "inserts_per_s", "bookings_per_s", "requests_per_s")


def _throughput(point: dict) -> float | None:
    return next((point[k] for k in THROUGHPUT_KEYS if isinstance(point.get(k), (int, float))), None)


def _load_curves(result: dict) -> dict[str, list[dict]]:
    curves = {}
    for name, label in (("http_one_insert", "ceiling: DRF one insert"), ("pgbench_floor", "floor: pgbench insert")):
        entry = result.get("ceilings", {}).get(name, {})
        if entry.get("status") == "ok" and entry.get("load_curve"):
            curves[label] = entry["load_curve"]
    for name in result.get("scenarios", {}):
        figures = scenario_figures(result, name)
        if isinstance(figures.get("load_curve"), list) and figures["load_curve"]:
            curves[name] = figures["load_curve"]
        elif name in LOAD_POINTS and all(isinstance(figures.get(k), (int, float)) for k in LOAD_POINTS[name]):
            clients, p50, p95, rate = (figures[k] for k in LOAD_POINTS[name])
            curves[name] = [{"clients": clients, "p50_ms": p50, "p95_ms": p95, "throughput_per_s": rate}]
    return {label: sorted((p for p in points if isinstance(p.get("clients"), (int, float))), key=lambda p: p["clients"])
            for label, points in curves.items()}


def latency_vs_load(result: dict, path: Path) -> bool:
    curves = _load_curves(result)
    if not curves:
        return False
    fig, (lat, thr) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, points in curves.items():
        clients = [p["clients"] for p in points]
        line, = lat.plot(clients, [p.get("p50_ms") for p in points], marker="o", label=f"{label} p50")
        lat.plot(clients, [p.get("p95_ms") for p in points], marker="x", linestyle="--", color=line.get_color(),
                 label=f"{label} p95")
        thr.plot(clients, [_throughput(p) for p in points], marker="o", color=line.get_color(), label=label)
    lat.set(xlabel="concurrent clients", ylabel="latency (ms)", title="Latency against load")
    thr.set(xlabel="concurrent clients", ylabel="per second", title="Throughput against load")
    for ax in (lat, thr):
        ax.set_xscale("log", base=2)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{result['started_at'][:10]} {result['machine']['git_commit'][:8]} ({result['mode']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _cost_series(result: dict, name: str) -> dict[str, list[tuple[int, float]]]:
    """Every p50 latency and every per-second rate a scenario reports, by data scale."""
    series: dict[str, list[tuple[int, float]]] = {}
    for scale in result.get("scales", [1]):
        for key, value in flatten(scenario_figures(result, name, str(scale))).items():
            if (key.endswith("p50_ms") or key.endswith("_per_s")) and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                series.setdefault(key, []).append((scale, value))
    return series


def cost_vs_size(result: dict, path: Path) -> bool:
    scenarios = {name: s for name in result.get("scenarios", {}) if (s := _cost_series(result, name))}
    if not scenarios:
        return False
    fig, axes = plt.subplots(1, len(scenarios), figsize=(5 * len(scenarios), 4.5), squeeze=False)
    for ax, (name, series) in zip(axes[0], scenarios.items()):
        rates = ax.twinx()
        for key, points in series.items():
            target = rates if key.endswith("_per_s") else ax
            target.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                        linestyle=":" if target is rates else "-", label=key)
        ax.set(xlabel="data size (x the base demo)", ylabel="p50 latency (ms)", title=name, xscale="log")
        rates.set_ylabel("per second (dotted)")
        ax.grid(True, alpha=0.3)
        handles = ax.get_legend_handles_labels()[0] + rates.get_legend_handles_labels()[0]
        ax.legend(handles=handles, fontsize=7, loc="upper left")
    fig.suptitle("Cost against data size")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write_all(result: dict, out_dir: Path, stem: str) -> dict[str, str]:
    """Write the PNGs beside the JSON; returns {plot name: file name} for the summary."""
    written = {}
    for name, draw in (("latency-vs-load", latency_vs_load), ("cost-vs-size", cost_vs_size)):
        path = out_dir / f"{stem}-{name}.png"
        if draw(result, path):
            written[name] = path.name
    return written
