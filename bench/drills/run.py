"""`make drills`: every fault drill, then the soak; PASS/FAIL per check, results written, exit 1
if anything failed.

    python -m bench.drills.run [--soak-minutes 10] [--only redis_outage,soak]

A full run (all drills, a soak of at least 10 minutes) writes bench/results/drills-<date>-<commit>.json
and .md; shorter or partial runs write the same to var/bench/results/, as `make bench-quick` does.
"""

from __future__ import annotations

import argparse
import sys

from bench import support
from bench.drills import beat_outage, outcome, postgres_restart, provider_faults, redis_outage, soak, worker_kill

DRILLS = {
    "redis_outage": redis_outage.run,
    "postgres_restart": postgres_restart.run,
    "worker_kill": worker_kill.run,
    "provider_faults": provider_faults.run,
    "beat_outage": beat_outage.run,
}
FULL_SOAK_MINUTES = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fault drills and a soak against real services.")
    parser.add_argument("--soak-minutes", type=float, default=FULL_SOAK_MINUTES)
    parser.add_argument("--only", default="", help=f"comma-separated: {', '.join([*DRILLS, 'soak'])}")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or [*DRILLS, "soak"]
    unknown = set(chosen) - {*DRILLS, "soak"}
    if unknown:
        parser.error(f"no such drill: {', '.join(sorted(unknown))}")
    results = [DRILLS[name]() for name in chosen if name != "soak"]
    if "soak" in chosen and args.soak_minutes > 0:
        results.append(soak.run(args.soak_minutes))
    full = set(chosen) >= {*DRILLS, "soak"} and args.soak_minutes >= FULL_SOAK_MINUTES
    directory = support.ROOT / ("bench/results" if full else "var/bench/results")
    command = "python -m bench.drills.run " + " ".join(argv if argv is not None else sys.argv[1:])
    json_path, md_path = outcome.write_results(results, command=command.strip(), directory=directory)
    print()
    outcome.print_summary(results)
    print(f"\nResults: {json_path.relative_to(support.ROOT)}, {md_path.relative_to(support.ROOT)}")
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
