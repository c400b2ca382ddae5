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


# The figures that show each scenario's cost curve; other *_p50_ms / *_per_s keys if none is there.
HEADLINES = {
    "availability": ("engine_p50_ms", "http_p50_ms"),
    "booking": ("book_p50_ms", "bookings_per_s"),
    "reminders": ("messages_per_s",),
    "courses": ("place_p50_ms", "search_p50_ms"),
}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cost_series(result: dict, name: str) -> dict[str, list[tuple[int, float]]]:
    """The scenario's headline latencies and rates, by data scale."""
    runs = {scale: flatten(scenario_figures(result, name, str(scale))) for scale in result.get("scales", [1])}
    present = {key for figures in runs.values() for key, value in figures.items() if _is_number(value)}
    keys = [key for key in HEADLINES.get(name, ()) if key in present] or sorted(
        key for key in present if key.endswith("p50_ms") or key.endswith("_per_s"))
    return {key: [(scale, figures[key]) for scale, figures in runs.items() if _is_number(figures.get(key))]
            for key in keys}


def cost_vs_size(result: dict, path: Path) -> bool:
    scenarios = {name: s for name in result.get("scenarios", {}) if (s := _cost_series(result, name))}
    if not scenarios:
        return False
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.5 * len(scenarios), 4.2), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (name, series) in zip(axes[0], scenarios.items()):
        rates = ax.twinx() if any(key.endswith("_per_s") for key in series) else None
        for n, (key, points) in enumerate(series.items()):
            target = rates if key.endswith("_per_s") else ax
            target.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=colors[n % len(colors)],
                        linestyle=":" if target is rates else "-", label=key)
        ax.set(xlabel="data size (x the base data)", ylabel="p50 latency (ms)", title=name, xscale="log",
               xticks=result.get("scales", [1]), xticklabels=[f"{s}x" for s in result.get("scales", [1])])
        ax.set_ylim(bottom=0)
        handles = ax.get_legend_handles_labels()[0]
        if rates is not None:
            rates.set_ylabel("per second (dotted)")
            rates.set_ylim(bottom=0)
            handles += rates.get_legend_handles_labels()[0]
        ax.grid(True, alpha=0.3)
        ax.legend(handles=handles, fontsize=7, loc="lower right")
    fig.suptitle(f"Cost against data size, {result['started_at'][:10]} ({result['mode']})")
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
