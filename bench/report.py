"""Each figure beside its ceiling or peer and its target, how each scenario's
cost grows from 1x to 10x data, and the Markdown summary.

A comparison whose figure is missing says so ("no figure", "no reference"); it never passes.
A scale row whose 10x was not measured says why; it is never extrapolated.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    label: str
    scenario: str
    ours: tuple[str, ...]  # candidate keys in the scenario's figures (dotted for nested), first found wins
    kind: str  # max | eq | speedup | fraction | ratio (no target)
    target: float | None = None
    # Where the reference is, first found wins: ("scenario", key) is a figure the scenario measured
    # itself (e.g. its ceiling on its own server), (section, name, key) one the runner measured.
    references: tuple[tuple[str, ...], ...] = ()
    reference_label: str = ""
    scale: str = "1"


ONE_INSERT_CEILING = (("scenario", "ceiling_inserts_per_s"), ("ceilings", "http_one_insert", "inserts_per_s"))

# The targets, every one read from the same full run. A network of clinics books a few visits a
# second at its peak; the booking targets ask for headroom, low latency under load and no double
# booking, not for a race against an endpoint that inserts one row.
TARGETS = [
    Target("Availability: HTTP p50, lean answer, 28 days at one location (ms)", "availability", ("http_p50_ms",),
           "max", 25),
    Target("Availability: lean answer, 28 days at one location, uncompressed (bytes)", "availability",
           ("response_bytes",), "max", 40 * 1024),
    Target("Availability: HTTP p50 with detail=full, same run (ms)", "availability", ("full_http_p50_ms",), "max", 50),
    # The peer's figure is a function call in its own process, so ours is the engine's, in process.
    Target("Availability: engine p50 vs peer's 10 staff x 28 days (median)", "availability", ("engine_p50_ms",),
           "speedup", 100, (("peers", "django_appointment", "slots_10_staff_28_days_median_ms"),),
           "django-appointment, 10 staff x 28 days"),
    # The endpoints' throughput: booking requests answered per second (book, hold, book a hold,
    # cancel, move; a lost race is answered 409 in full, idempotency record and all). How many of
    # them win is set by the workload's contention, not by the server, so it is reported beside.
    Target("Booking: booking requests/s (all kinds), 16 clients, contention", "booking",
           ("booking_requests_per_s",), "fraction", 0.15, ONE_INSERT_CEILING, "DRF one-insert ceiling, 16 clients"),
    Target("Booking: successful bookings/s, same run", "booking",
           ("bookings_per_s", "http_bookings_per_s", "throughput_per_s"), "ratio", None, ONE_INSERT_CEILING,
           "DRF one-insert ceiling, 16 clients"),
    Target("Booking: booking requests p95, 16 clients (ms)", "booking", ("all_requests_p95_ms",), "max", 250),
    Target("Booking: booking requests/s vs the pgbench floor", "booking",
           ("booking_requests_per_s",), "ratio", None,
           (("ceilings", "pgbench_floor", "inserts_per_s"),), "pgbench one-insert floor, 16 clients"),
    Target("Booking: double bookings found afterwards", "booking", ("double_bookings",), "eq", 0,
           (("peers", "django_appointment", "race_double_bookings"),), "django-appointment race (8 threads + 1 late)"),
    Target("Reminders: messages/s to the fake SMS server", "reminders",
           ("messages_per_s", "sent_per_s", "throughput_per_s"), "fraction", 0.30,
           (("scenario", "noop_tasks_per_s"), ("ceilings", "celery_noop", "tasks_per_s")),
           "no-op Celery tasks, same broker"),
    Target("Reminders: duplicate messages", "reminders", ("duplicates",), "eq", 0),
    Target("Reminders: lost messages", "reminders", ("lost",), "eq", 0),
    Target("Courses: place a 6-visit course with companions (ms)", "courses",
           ("place_p50_ms", "course_p50_ms", "place_course_p50_ms"), "ratio"),
    Target("FHIR: Slot search p50 / lean availability p50, 28 days at one location, same run", "fhir",
           ("p50_ratio_to_availability",), "max", 2),
    Target("Earliest anywhere: HTTP p50, 28 days, every site and video (ms)", "earliest", ("http_p50_ms",), "max", 100),
    Target("Earliest anywhere run: one-site availability HTTP p50 (ms)", "earliest", ("availability_http_p50_ms",),
           "max", 50),
    Target("Waitlist: cancellation commit to first offer at the SMS server, p95, 1,000 waiting (s)", "waitlist",
           ("cancel_to_offer_p95_s",), "max", 60),
    Target("Waitlist: cancellation commit to first offer, p50 (s)", "waitlist", ("cancel_to_offer_p50_s",), "ratio"),
    Target("Waitlist: double bookings found afterwards", "waitlist", ("double_bookings",), "eq", 0),
    Target("Waitlist: duplicate offers", "waitlist", ("duplicate_offers",), "eq", 0),
]


@dataclass(frozen=True)
class ScaleMetric:
    scenario: str
    keys: tuple[str, ...]  # candidate keys, first found at 1x wins; the same key is read at 10x
    label: str
    better: str  # "lower" (a latency) or "higher" (a rate): which way is cheaper


# Scenario 5, "Scale": what each scenario's cost is read from at 1x and 10x data. What "data"
# is for each scenario, the scenario says itself in its `scale_data` figure.
SCALE_METRICS = [
    ScaleMetric("availability", ("engine_p50_ms",), "engine p50 (ms)", "lower"),
    ScaleMetric("availability", ("engine_p95_ms",), "engine p95 (ms)", "lower"),
    ScaleMetric("availability", ("http_p50_ms",), "HTTP p50 (ms)", "lower"),
    ScaleMetric("booking", ("bookings_per_s",), "bookings/s, 16 clients", "higher"),
    ScaleMetric("booking", ("booking_requests_per_s",), "booking requests/s (all kinds)", "higher"),
    ScaleMetric("booking", ("all_requests_p50_ms",), "booking requests p50 (ms)", "lower"),
    ScaleMetric("booking", ("all_requests_p95_ms",), "booking requests p95 (ms)", "lower"),
    ScaleMetric("booking", ("bookings_vs_ceiling_ratio",), "bookings/s / one-insert ceiling", "higher"),
    # The full run sends a separate, equal batch at both sizes; a quick run reports its one batch.
    ScaleMetric("reminders", ("scale_batch_messages_per_s", "messages_per_s"), "messages/s, one worker", "higher"),
    ScaleMetric("courses", ("place_p50_ms",), "place a course p50 (ms)", "lower"),
    ScaleMetric("courses", ("place_p95_ms",), "place a course p95 (ms)", "lower"),
    ScaleMetric("courses", ("search_p50_ms",), "course search p50 (ms)", "lower"),
]


def flatten(figures: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in (figures or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def scenario_figures(result: dict, name: str, scale: str = "1") -> dict:
    run = result.get("scenarios", {}).get(name, {}).get("runs", {}).get(scale, {})
    return (run.get("figures") or {}) if run.get("status") == "ok" else {}


def _ours(result: dict, target: Target) -> tuple[str | None, float | None]:
    figures = flatten(scenario_figures(result, target.scenario, target.scale))
    for key in target.ours:
        if _number(figures.get(key)) is not None:
            return key, _number(figures[key])
    return None, None


def _reference(result: dict, target: Target) -> tuple[float | None, str | None]:
    """The reference value and where it came from ("<scenario> scenario" or "<section>.<name>")."""
    for where in target.references:
        if where[0] == "scenario":
            value = _number(flatten(scenario_figures(result, target.scenario)).get(where[1]))
            source = f"{target.scenario} scenario, {where[1]}"
        else:
            section, name, key = where
            entry = result.get(section, {}).get(name, {})
            value = _number(entry.get(key)) if entry.get("status") == "ok" else None
            source = f"{section}.{name}.{key}"
        if value is not None:
            return value, source
    return None, None


def _why_missing(result: dict, target: Target) -> str:
    for where in target.references:
        if where[0] != "scenario":
            entry = result.get(where[0], {}).get(where[1], {})
            if entry.get("status") not in (None, "ok"):
                return f" ({entry['status']}: {entry.get('reason') or entry.get('error', '')[:80]})"
    return ""


def _target_text(target: Target) -> str:
    if target.kind == "ratio":
        return "(reported)"
    return {"max": f"<= {target.target:g}", "eq": f"= {target.target:g}", "speedup": f">= {target.target:g}x faster",
            "fraction": f">= {target.target:.2f} of it"}[target.kind]


def comparisons(result: dict) -> list[dict]:
    rows = []
    for target in TARGETS:
        key, ours = _ours(result, target)
        ref, source = _reference(result, target)
        row = {"figure": target.label, "scenario": target.scenario, "ours_key": key, "ours": ours,
               "reference": ref, "reference_label": target.reference_label, "reference_source": source,
               "target": _target_text(target),
               "ratio": None, "result": None}
        if ours is None:
            runs = result.get("scenarios", {}).get(target.scenario, {}).get("runs", {})
            status = runs.get(target.scale, {}).get("status", "not run")
            row["result"] = "no figure" if status == "ok" else status
        elif target.kind == "max":
            row["ratio"] = ours / target.target
            row["result"] = "pass" if ours <= target.target else "fail"
        elif target.kind == "eq":
            row["result"] = "pass" if ours == target.target else "fail"
        elif ref is None:
            row["result"] = f"no reference{_why_missing(result, target)}" if target.kind != "ratio" else "reported"
        elif target.kind == "speedup":
            row["ratio"] = ref / ours if ours else None
            row["result"] = "pass" if row["ratio"] is not None and row["ratio"] >= target.target else "fail"
        else:
            row["ratio"] = ours / ref if ref else None
            if target.kind == "fraction":
                row["result"] = "pass" if row["ratio"] is not None and row["ratio"] >= target.target else "fail"
            else:
                row["result"] = "reported"
        rows.append(row)
    return rows


def scale(result: dict) -> dict:
    """Per scenario: what its data is, whether 10x was measured (or why not), and each metric at
    1x and 10x with `growth` (10x / 1x) and `cost_growth` (how much dearer 10x is: the growth of
    a latency, the inverse growth of a rate; 1 = no dearer, 10 = as dear as the data grew)."""
    out = {}
    for name, entry in result.get("scenarios", {}).items():
        runs = entry.get("runs", {})
        first, tenfold = runs.get("1", {}), runs.get("10", {"status": "not run"})
        at_1x, at_10x = flatten(scenario_figures(result, name, "1")), flatten(scenario_figures(result, name, "10"))
        if first.get("status") != "ok":
            status, reason = first.get("status", "not run"), first.get("reason") or first.get("error", "")
        else:
            status, reason = tenfold.get("status", "not run"), tenfold.get("reason") or tenfold.get("error", "")
        rows = []
        for metric in (m for m in SCALE_METRICS if m.scenario == name):
            key = next((k for k in metric.keys if _number(at_1x.get(k)) is not None), metric.keys[0])
            one, ten = _number(at_1x.get(key)), _number(at_10x.get(key))
            growth = ten / one if one and ten is not None else None
            cost = (growth if metric.better == "lower" else 1 / growth) if growth else None
            rows.append({"metric": key, "label": metric.label, "better": metric.better, "1x": one, "10x": ten,
                         "growth": round(growth, 3) if growth is not None else None,
                         "cost_growth": round(cost, 3) if cost is not None else None})
        out[name] = {"status": status, "reason": (reason or "").strip().splitlines()[0][:300] if reason else "",
                     "data": scenario_figures(result, name, "1").get("scale_data"), "rows": rows}
    return out


def _scale_lines(section: dict) -> list[str]:
    rows = []
    for name, entry in section.items():
        for row in entry["rows"]:
            ten = row["10x"] if row["10x"] is not None else (entry["status"] if entry["status"] != "ok" else None)
            rows.append([name, row["label"], row["1x"], ten, row["growth"],
                         f"{row['cost_growth']:.2f}x" if row["cost_growth"] is not None else None])
    lines = ["## Scale: cost from 1x to 10x data", "",
             "Each scenario measured with 1x and with 10x its data, on the same machine in the same run. "
             "Cost at 10x is the latency's growth, or the rate's inverse growth: 1.00x means the cost does "
             "not grow with the data, 10x that it grows as fast as the data.", ""]
    lines += _table(["scenario", "metric", "1x", "10x", "10x / 1x", "cost at 10x (1x = 1)"], rows)
    lines += ["What the data is:", ""]
    for name, entry in section.items():
        note = "" if entry["status"] == "ok" else f" 10x: **{entry['status']}**" + (
            f" ({entry['reason']})" if entry["reason"] and entry["reason"] != entry["status"] else "") + "."
        lines += [f"- {name}: {entry['data'] or 'not stated'}.{note}"]
    return lines + [""]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(cell).replace("|", "/") for cell in row) + " |" for row in rows]
    return lines + [""]


def _status_line(entry: dict) -> str:
    """The status and the first line of its reason; the JSON keeps the whole traceback."""
    why = (entry.get("reason") or entry.get("error") or "").strip().splitlines()
    why = why[0][:300] if why else ""
    return f"**{entry.get('status')}**" + (f": {why}" if why else "")


def _figures_table(runs: dict) -> list[str]:
    scales = [s for s, run in runs.items() if run.get("status") == "ok"]
    flat = {s: flatten(runs[s]["figures"]) for s in scales}
    # A 10x measured beside 1x is shown in the 10x column, not again as nested 1x rows.
    keys = list(dict.fromkeys(k for s in scales for k, v in flat[s].items()
                              if not isinstance(v, list) and not k.startswith(("at_10x", "scale_data", "scale_10x"))))
    return _table(["figure", *[f"{s}x" for s in scales]], [[k, *[flat[s].get(k) for s in scales]] for k in keys])


def _reference_table(entry: dict) -> list[str]:
    rows = [[k, v] for k, v in entry.items() if not isinstance(v, (dict, list)) and k not in ("output", "seed_output")]
    return _table(["figure", "value"], rows)


def markdown(result: dict) -> str:
    facts = result["machine"]
    lines = [f"# Clearday benchmarks, {result['started_at'][:10]} ({result['mode']} run)", "",
             f"Commit `{facts['git_commit'][:12]}`" + (" (with uncommitted changes)" if facts.get("git_dirty") else "")
             + f", run took {result['duration_s']} s.", "",
             "Reproduce: `make bench" + ("-quick" if result["mode"] == "quick" else "") + "`, which runs",
             "", f"    {result['command']}", "",
             "Absolute times on a shared machine mean little; read each figure against its ceiling or peer, "
             "which were measured in the same run.", "", "## Machine", ""]
    lines += _table(["fact", "value"], [[k, v] for k, v in facts.items()])
    lines += ["## Figures against targets", ""]
    lines += _table(["figure", "ours", "against", "reference", "ratio", "target", "result"],
                    [[row["figure"], row["ours"], row["reference_label"] or "-", row["reference"], row["ratio"],
                      row["target"], row["result"]] for row in result["comparisons"]])
    lines += _scale_lines(result.get("scale") or scale(result))
    for name, entry in result["scenarios"].items():
        lines += [f"## Scenario: {name}", "", _status_line(entry), ""]
        for size, run in entry["runs"].items():
            if run.get("status") != "ok":
                lines += [f"- {size}x: {_status_line(run)}"]
            elif run.get("source"):
                lines += [f"- {size}x: {run['source']}"]
        lines += [""]
        if any(run.get("status") == "ok" for run in entry["runs"].values()):
            lines += _figures_table(entry["runs"])
    for section, title in (("ceilings", "Ceilings and floor"), ("peers", "Peers")):
        for name, entry in result.get(section, {}).items():
            lines += [f"## {title}: {name}", "", _status_line(entry), ""]
            if entry.get("status") == "ok":
                lines += _reference_table(entry)
    if result.get("plots"):
        lines += ["## Plots", ""] + [f"![{name}]({file})" for name, file in result["plots"].items()] + [""]
    return "\n".join(lines)
