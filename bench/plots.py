"""PNG plots of one run: latency against load (ours beside the ceiling and floor) and cost
against data size (each scenario from 1x to 10x data, normalised to its 1x cost).

A scenario can add a curve to the load plot by returning `load_curve`: a list of
{"clients": n, "p50_ms": ..., "p95_ms": ..., "throughput_per_s": ...} points.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.report import scenario_figures  # noqa: E402

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


def cost_vs_size(result: dict, path: Path) -> bool:
    """Every scale metric's cost at 10x relative to 1x (result["scale"], see report.scale). Left,
    on one log-log axis: flat means the cost does not grow with the data, the diagonal that it
    grows as fast. Right, the same ratios as bars, close up. A scenario whose 10x was not measured
    is listed with the reason, never drawn."""
    section = result.get("scale") or {}
    drawn = {name: [row for row in entry["rows"] if row["cost_growth"] is not None] for name, entry in section.items()}
    if not any(drawn.values()):
        return False
    fig, (ax, bars) = plt.subplots(1, 2, figsize=(14, 5.5), gridspec_kw={"width_ratios": [1, 1.2]})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = ["-", "--", ":", "-."]
    ax.plot([1, 10], [1, 1], color="grey", linewidth=0.8, label="no growth")
    ax.plot([1, 10], [1, 10], color="grey", linewidth=0.8, linestyle="--", label="grows as fast as the data")
    labels, values, bar_colors = [], [], []
    for n, (name, rows) in enumerate(drawn.items()):
        for m, row in enumerate(rows):
            color = colors[n % len(colors)]
            ax.plot([1, 10], [1, row["cost_growth"]], marker="o", color=color, linestyle=styles[m % len(styles)],
                    label=f"{name}: {row['label']}")
            labels.append(f"{name}: {row['label']}")
            values.append(row["cost_growth"])
            bar_colors.append(color)
    ticks = [0.5, 1, 2, 5, 10]
    ax.set(xscale="log", yscale="log", xlim=(0.9, 11), ylim=(min([0.4, *values]) * 0.8, max([12.0, *values]) * 1.2),
           xlabel="data size (x the 1x data of each scenario)", ylabel="cost relative to 1x (rates inverted)",
           title="Cost from 1x to 10x data")
    ax.set_xticks([1, 10], labels=["1x", "10x"])
    ax.set_yticks(ticks, labels=[f"{t:g}x" for t in ticks])
    ax.grid(True, which="both", alpha=0.3)
    missing = [f"{name}: 10x {entry['status']}" for name, entry in section.items() if not drawn.get(name)]
    if missing:
        ax.text(0.02, 0.98, "\n".join(missing), transform=ax.transAxes, va="top", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, 0.9 if missing else 1.0))
    positions = list(range(len(values)))[::-1]
    bars.barh(positions, values, color=bar_colors)
    bars.axvline(1, color="grey", linewidth=0.8)
    for y, value in zip(positions, values, strict=True):
        bars.text(value, y, f" {value:.2f}x", va="center", fontsize=7)
    bars.set_yticks(positions, labels=labels, fontsize=7)
    bars.set(xlabel="cost at 10x (1x = 1)", title="Cost at 10x, close up", xlim=(0, max([1.2, *values]) * 1.15))
    bars.grid(True, axis="x", alpha=0.3)
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
