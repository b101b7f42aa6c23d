"""Benchmark: evaluate 10,000 invented passports with the immunisation engine.

Run from the repository root: ``python bench/bench_schedule.py``. Prints one markdown table row. The target is
10,000 evaluations in under a second (issue 4); this is a benchmark, not a timed test, because timings on a
shared CI machine are noise.

Every passport is invented from a fixed random seed: a date of birth between 2001 and mid-2026, a UK
routine history for that cohort with doses randomly missed, and a share of foreign, self-reported or absent
records, so the engine meets complete, late, catch-up and not-yet-due cases in realistic proportions.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

# A plain script: make the repository importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from passport.schedule import Dose, evaluate
from passport.schedule.engine import _catalogue

PASSPORTS = 10_000
TODAY = date(2026, 6, 1)
SEED = 20260601


def _years(born: date, years: int, days: int = 0) -> date:
    try:
        moved = born.replace(year=born.year + years)
    except ValueError:  # 29 February
        moved = date(born.year + years, 3, 1)
    return moved + timedelta(days=days)


def _uk_history(rng: random.Random, born: date, miss: float) -> list[Dose]:
    """A routine UK history for the person's cohort, each dose missed with probability ``miss``."""
    infant = (
        "dtap_ipv_hib_hepb"
        if born >= date(2017, 8, 1)
        else "dtap_ipv_hib"
        if born >= date(2004, 9, 1)
        else None
    )
    plan: list[tuple[str, date]] = []
    when = born + timedelta(weeks=8, days=rng.randint(0, 10))
    for _ in range(3):
        # Primary doses at least 4 weeks apart, a few days late now and then, as in real records.
        if infant:
            plan.append((infant, when))
        else:
            plan += [("dtwp_hib", when), ("opv", when)]
        when += timedelta(weeks=4, days=rng.randint(0, 10))
    if born >= date(2015, 7, 1):
        plan += [("menb", born + timedelta(weeks=8)), ("menb", born + timedelta(weeks=16))]
        plan.append(("menb", _years(born, 1, 7)))
    if born >= date(2013, 5, 1):
        plan += [("rotavirus", born + timedelta(weeks=8)), ("rotavirus", born + timedelta(weeks=12))]
    plan += [("pcv", born + timedelta(weeks=12)), ("pcv", _years(born, 1, 7))]
    if born < date(2024, 7, 1):
        plan.append(("hib_menc", _years(born, 1, 7)))
    first_mmr = "mmrv" if born >= date(2025, 1, 1) else "mmr"
    plan.append((first_mmr, _years(born, 1, rng.randint(0, 40))))
    if born >= date(2024, 7, 1):
        plan += [("dtap_ipv_hib_hepb", born + timedelta(days=548)), ("mmrv", born + timedelta(days=550))]
    preschool_mmr = "mmrv" if born >= date(2022, 9, 1) else "mmr"
    plan += [("dtap_ipv", _years(born, 3, 125)), (preschool_mmr, _years(born, 3, 125))]
    plan += [
        ("hpv", _years(born, 12, rng.randint(30, 300))),
        ("td_ipv", _years(born, 14, rng.randint(0, 200))),
    ]
    plan.append(("menacwy", _years(born, 14, rng.randint(0, 200))))
    return [
        Dose(
            vaccine,
            when,
            where=rng.choice(("uk_gp", "school")),
            source=rng.choice(("nurse_verified", "imported")),
        )
        for vaccine, when in plan
        if when <= TODAY and rng.random() >= miss
    ]


def _foreign_history(rng: random.Random, born: date) -> list[Dose]:
    """A partial record from abroad: pentavalent and oral polio as a baby, a measles dose at 9 months."""
    doses = []
    for weeks in (6, 10, 14):
        when = born + timedelta(weeks=weeks)
        if when <= TODAY and rng.random() < 0.8:
            doses += [Dose("dtp_hepb_hib", when, where="abroad"), Dose("opv", when, where="abroad")]
    if rng.random() < 0.6:
        doses.append(Dose("measles", born + timedelta(days=274), where="abroad"))
    if rng.random() < 0.4:
        doses.append(Dose("mmr", born + timedelta(days=460), where="abroad", source="self_reported"))
    return [dose for dose in doses if dose.given_on <= TODAY]


def invent_passports(count: int, seed: int = SEED):
    """(date_of_birth, doses, sex_at_birth, records_status) tuples: invented, never real people."""
    rng = random.Random(seed)
    span = (TODAY - date(2001, 1, 1)).days
    passports = []
    for _ in range(count):
        born = date(2001, 1, 1) + timedelta(days=rng.randrange(span))
        sex = rng.choice(("female", "male", None))
        kind = rng.random()
        if kind < 0.70:
            doses, records = _uk_history(rng, born, miss=rng.choice((0.0, 0.05, 0.2))), "documented"
        elif kind < 0.85:
            doses, records = _foreign_history(rng, born), "documented"
        elif kind < 0.95:
            doses, records = [], "none"
        else:
            doses, records = _uk_history(rng, born, miss=0.1), "not_checked"
        passports.append((born, doses, sex, records))
    return passports


def main() -> None:
    started = time.perf_counter()
    _catalogue()  # load the YAML once, as the first request in a worker would
    load_ms = (time.perf_counter() - started) * 1000
    passports = invent_passports(PASSPORTS)
    # The 10,000 invented passports are the benchmark's own fixture, not the engine's work: freeze them so
    # the garbage collector does not walk them on every pass (a web request never holds them all).
    gc.collect()
    gc.freeze()

    timings = []
    wall_start = time.perf_counter()
    for born, doses, sex, records in passports:
        t0 = time.perf_counter_ns()
        evaluate(born, doses, TODAY, sex_at_birth=sex, records_status=records)
        timings.append(time.perf_counter_ns() - t0)
    total = time.perf_counter() - wall_start

    timings.sort()
    median_us = statistics.median(timings) / 1000
    p95_us = timings[int(len(timings) * 0.95) - 1] / 1000
    verdict = "met" if total < 1.0 else "NOT met"
    print(
        f"| schedule engine | {PASSPORTS:,} passports | total {total:.3f} s | median {median_us:.0f} µs "
        f"| p95 {p95_us:.0f} µs | data load {load_ms:.0f} ms | target < 1 s: {verdict} |"
    )


if __name__ == "__main__":
    main()
