"""Run the benchmark suite and write bench/RESULTS.md: `make bench` (10k passports, SQLite and PostgreSQL).

    python bench/run.py                       # 10k passports, both databases (PostgreSQL if it answers)
    python bench/run.py --size 100k           # the national-scale figures (seeding takes a few minutes)
    python bench/run.py --databases sqlite    # one database only
    python bench/run.py --reuse               # keep the databases seeded earlier today

Each benchmark is its own script (see bench/README.md) run in its own process; this one seeds the
databases, runs them, and writes their figures into RESULTS.md between markers for the size it ran, so the
10k run that `make bench` makes leaves the recorded 100k figures (and the notes above them) alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import time

from common import BENCH, ROOT, SIZES, load_manifest, manifest_path, postgres_answers

RESULTS = BENCH / "RESULTS.md"
PYTHON = sys.executable
TARGETS = {
    "ratio": 0.5,
    "page_p50_ms": 8,
    "page_p95_ms": 20,
    "staff_p95_ms": 50,
    "passport_pdf_s": 0.6,
    "card_s": 0.2,
    "packs_s": 20,
    "phone_kb": 100,
    "worker_mb": 120,
}


BATCH_PACKS = 50  # bench_exports.py makes a batch of this many leaving packs

CALM: dict = {"load": None, "wait": 0.0}


def wait_for_calm() -> None:
    """With --calm, wait (up to --calm-wait seconds in all) until the machine's other work has died down."""
    threshold = CALM["load"]
    while threshold is not None and CALM["wait"] > 0 and os.getloadavg()[0] > threshold:
        time.sleep(5)
        CALM["wait"] -= 5


def run_script(name: str, *args: str, timeout: int = 900) -> dict:
    """Run bench/<name> and return the JSON object it prints last (or {"error": ...})."""
    if name != "seed.py":
        wait_for_calm()
    command = [PYTHON, str(BENCH / name), *args]
    started = time.monotonic()
    print(f"  {name} {' '.join(args)}", flush=True)
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    seconds = time.monotonic() - started
    lines = [line for line in completed.stdout.strip().splitlines() if line.strip()]
    if completed.returncode != 0 or not lines:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-8:]
        return {"error": f"exit {completed.returncode}: " + " / ".join(tail)}
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        result = {"lines": lines}
    if isinstance(result, dict):
        result["_seconds"] = round(seconds, 1)
    return result


def run_lines(name: str) -> list[str]:
    """The existing one-line markdown benchmarks (bench_schedule.py, bench_pdf_render.py)."""
    completed = subprocess.run([PYTHON, str(BENCH / name)], cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("|")]
    return lines or [f"| {name} | failed: {(completed.stderr or '').strip().splitlines()[-1:]} |"]


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        memory_kb = next(int(line.split()[1]) for line in handle if line.startswith("MemTotal"))
    postgres = "not reachable"
    try:
        import psycopg
        from common import POSTGRES_SERVER

        url = POSTGRES_SERVER.replace("postgresql+psycopg://", "postgresql://").rstrip("/") + "/postgres"
        with psycopg.connect(url, connect_timeout=3) as connection:
            postgres = connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:  # only for the report
        postgres = f"not reachable ({type(error).__name__})"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip() if wrk.returncode in (0, 1) else "missing",
        "load_average": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def migrations_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def needs_seed(database: str, size: str, reuse: bool) -> bool:
    if not reuse or not manifest_path(database, size).exists():
        return True
    manifest = load_manifest(database, size)
    # Ages are counted from the day of seeding, and the schema must be today's code's.
    return manifest.get("today") != dt.date.today().isoformat() or manifest.get("schema") != migrations_head()


# ---------------------------------------------------------------------------------------------------------
# The report


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def fmt_ms(result: dict) -> str:
    return f"{result['median_ms']:.1f} / {result['p95_ms']:.1f}"


def report(size: str, command: str, info: dict, started: float, results: dict) -> str:
    databases = [d for d in ("sqlite", "postgresql") if d in results]
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    out = [
        f"## {size} passports",
        "",
        f"Command: `{command}` — {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, "
        f"{round((time.monotonic() - started) / 60, 1)} minutes in all.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; {info['os']}; Python "
        f"{info['python']}; SQLite {info['sqlite']}; PostgreSQL {info['postgresql']}; {info['wrk']}. "
        f"Load average at the start {info['load_average']}, at the end {info['load_average_end']}. "
        "Other work on the machine shows in wall-clock times (waiting for a core); CPU times (this process's "
        "own, or the gunicorn workers') do not, and estimate what a machine of its own would show. The "
        "throughput ratio is measured in alternating rounds so both apps see the same load.",
        "",
    ]
    for database in databases:
        r = results[database]
        if "seed" in r and "error" not in r["seed"]:
            seed = r["seed"]
            out.append(
                f"- {label[database]}: {seed['passports']:,} passports, {seed['rows']:,} rows, seeded in "
                f"{seed['seconds']} s (migrations {seed['migrate_seconds']} s)."
            )
        elif "seed" in r:
            out.append(f"- {label[database]}: seeding failed: {r['seed']['error']}")
    out += ["", "### Targets", "", "| measure | target | " + " | ".join(label[d] for d in databases) + " |"]
    out.append("| --- | --- |" + " --- |" * len(databases))

    def row(name: str, target: str, cells: list[str]) -> None:
        out.append(f"| {name} | {target} | " + " | ".join(cells) + " |")

    def cell(database: str, key: str, make) -> str:
        value = results[database].get(key)
        if not value:
            return "not run"
        if "error" in value:
            return f"error: {value['error'][:120]}"
        if "skipped" in value:
            return f"skipped: {value['skipped']}"
        try:
            return make(value)
        except (KeyError, TypeError, ZeroDivisionError) as error:
            return f"error: {error!r}"

    row(
        "passport page throughput ÷ bare Flask hello, same gunicorn (wrk)",
        f"≥ {TARGETS['ratio']}",
        [
            cell(
                d,
                "http",
                lambda h: (
                    f"{h['ratio']:.3f} ({h['page_rps']:.0f} ÷ {h['hello_rps']:.0f} requests/s) "
                    f"{verdict(h['ratio'] >= TARGETS['ratio'])}; by worker CPU per request "
                    f"{h['cpu_ratio']:.3f} ({h['hello_cpu_ms']:.2f} ÷ {h['page_cpu_ms']:.2f} ms)"
                ),
            )
            for d in databases
        ],
    )
    row(
        "passport page server time, median / p95 (in-process, test client)",
        f"< {TARGETS['page_p50_ms']} / < {TARGETS['page_p95_ms']} ms",
        [
            cell(
                d,
                "page",
                lambda p: (
                    lambda o: (
                        f"{fmt_ms(o)} ms "
                        + verdict(
                            o["median_ms"] < TARGETS["page_p50_ms"] and o["p95_ms"] < TARGETS["page_p95_ms"]
                        )
                        + f" (CPU {o['cpu_median_ms']:.1f} / {o['cpu_p95_ms']:.1f} ms)"
                    )
                )(p["pages"]["/my-passport/"]),
            )
            for d in databases
        ],
    )

    def staff(c: dict, names: list[str]) -> str:
        worst = max(c["pages"][n]["p95_ms"] for n in names)
        worst_cpu = max(c["pages"][n]["cpu_p95_ms"] for n in names)
        return f"worst p95 {worst:.1f} ms {verdict(worst < TARGETS['staff_p95_ms'])} (CPU {worst_cpu:.1f} ms)"

    searches = [
        "caseload, first page",
        "caseload, search by name",
        "caseload, search by date of birth",
        "caseload, search by NHS number",
    ]
    row(
        "caseload: first page and searches by name, date of birth, NHS number",
        f"p95 < {TARGETS['staff_p95_ms']} ms",
        [cell(d, "caseload", lambda c: staff(c, searches)) for d in databases],
    )
    row(
        "adviser dashboard",
        f"p95 < {TARGETS['staff_p95_ms']} ms",
        [cell(d, "caseload", lambda c: staff(c, ["adviser dashboard"])) for d in databases],
    )

    def once(database: str | None, text: str) -> list[str]:
        """A figure measured on one database only (it does not depend on which)."""
        return [text if d == database else "(same)" for d in databases]

    exports_db = next((d for d in databases if results[d].get("exports")), None)
    if exports_db:
        e = results[exports_db]["exports"]
        if "error" in e:
            row("PDFs", "", once(exports_db, f"error: {e['error'][:200]}"))
        else:
            passport_pdf, card, packs = e["passport PDF"], e["emergency card"], e["50 leaving packs"]
            ok = passport_pdf["p95_ms"] / 1000 < TARGETS["passport_pdf_s"]
            seconds = f"{passport_pdf['median_ms'] / 1000:.2f} / {passport_pdf['p95_ms'] / 1000:.2f} s"
            text = f"{seconds} {verdict(ok)}"
            row("passport PDF, median / p95", f"< {TARGETS['passport_pdf_s']} s", once(exports_db, text))
            ok = card["p95_ms"] / 1000 < TARGETS["card_s"]
            text = f"{card['median_ms'] / 1000:.2f} / {card['p95_ms'] / 1000:.2f} s {verdict(ok)}"
            row("emergency card, median / p95", f"< {TARGETS['card_s']} s", once(exports_db, text))
            made_all = packs["done"] == BATCH_PACKS and not packs["failed"]
            ok = made_all and packs["seconds"] < TARGETS["packs_s"]
            text = (
                f"{packs['seconds']:.1f} s, {packs['processes']} render processes, {packs['done']} made, "
                f"{packs['failed']} failed {verdict(ok)}"
            )
            row("50 leaving packs (background batch)", f"< {TARGETS['packs_s']} s", once(exports_db, text))
    phone_db = next((d for d in databases if results[d].get("phone")), None)
    if phone_db:
        p = results[phone_db]["phone"]
        if "error" in p or "skipped" in p:
            text = p.get("error") or p.get("skipped")
        else:
            first = p["first_load"]
            kb = first["total_bytes"] / 1024
            third = first["third_party_hosts"]
            hosts = "third-party: " + ", ".join(third) if third else "no third-party requests"
            ok = kb <= TARGETS["phone_kb"] and not third
            text = f"{kb:.1f} KB in {len(first['requests'])} requests, {hosts} {verdict(ok)}"
        name = "passport page first load on a phone (Chromium), bytes transferred"
        row(name, f"≤ {TARGETS['phone_kb']} KB", once(phone_db, text))
    row(
        "resident memory per gunicorn worker after ≥ 1,000 requests (RSS)",
        f"< {TARGETS['worker_mb']} MB",
        [
            cell(
                d,
                "http",
                lambda h: (
                    lambda rss: (
                        f"{', '.join(f'{m:.0f}' for m in rss)} MB after {h['requests_served']:,} requests "
                        f"{verdict(max(rss) < TARGETS['worker_mb'])}"
                    )
                )([m["rss_kb"] / 1024 for m in h["memory_after_kb"]]),
            )
            for d in databases
        ],
    )
    out += ["", *details(results, databases, label)]
    return "\n".join(out)


def details(results: dict, databases: list[str], label: dict) -> list[str]:
    out = ["### Details", ""]
    for database in databases:
        r = results[database]
        out += [f"#### {label[database]}", ""]
        page = r.get("page")
        if page and "error" not in page:
            shape = ", ".join(f"{v} {k}" for k, v in page["passport"].items())
            out += [
                f"Young person's pages (in-process, ms; the passport has {shape}):",
                "",
                "| page | bytes | queries | median | p95 | max | CPU median | CPU p95 | runs |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
            for path, v in page["pages"].items():
                out.append(
                    f"| `{path}` | {v['bytes']:,} | {v['queries']} | {v['median_ms']} | {v['p95_ms']} "
                    f"| {v['max_ms']} | {v['cpu_median_ms']} | {v['cpu_p95_ms']} | {v['n']} |"
                )
            out.append("")
        caseload = r.get("caseload")
        if caseload and "error" not in caseload:
            out += [
                f"Staff lists (in-process, ms): the nurse's organisation holds "
                f"{caseload['organisation_passports']:,} passports, their team "
                f"{caseload['team_passports']}; the adviser has {caseload['adviser_young_people']} young "
                "people.",
                "",
                "| page | queries (round trips) | median | p95 | max | CPU median | CPU p95 | runs |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
            for name, v in caseload["pages"].items():
                trips = v.get("round_trips", v["queries"])
                out.append(
                    f"| {name} (`{v['path']}`) | {v['queries']} ({trips}) | {v['median_ms']} | {v['p95_ms']} "
                    f"| {v['max_ms']} | {v['cpu_median_ms']} | {v['cpu_p95_ms']} | {v['n']} |"
                )
            out.append("")
            for name, plan in caseload.get("plans", {}).items():
                out += [
                    "<details>",
                    f"<summary>{label[database]} plan: {name}</summary>",
                    "",
                    "```",
                    plan["sql"][:1500] + (" …" if len(plan["sql"]) > 1500 else ""),
                    "",
                    *plan["plan"],
                    "```",
                    "",
                    "</details>",
                    "",
                ]
                if plan.get("findings"):
                    out += [f"Plan findings ({name}): " + "; ".join(f"`{f}`" for f in plan["findings"]), ""]
        http = r.get("http")
        if http and "error" not in http and "skipped" not in http:
            out += [
                f"HTTP ({http['wrk']}, gunicorn.conf.py: 2 workers × 4 threads; page {http['page_bytes']:,} "
                "bytes of HTML):",
                "",
                "| run | requests/s | p50 ms | p95 ms | p99 ms | worker CPU ms per request |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for name, runs in (("hello", http["hello_runs"]), ("passport page", http["page_runs"])):
                for n, run in enumerate(runs, 1):
                    out.append(
                        f"| {name}, round {n} | {run['rps']:.0f} | {run['p50_ms']} | {run['p95_ms']} "
                        f"| {run['p99_ms']} | {run['worker_cpu_ms_per_request']} |"
                    )
            mixed = http["mixed_run"]
            out.append(
                f"| 9 young-person pages in turn | {mixed['rps']:.0f} | {mixed['p50_ms']} "
                f"| {mixed['p95_ms']} | {mixed['p99_ms']} | |"
            )
            out += [
                "",
                "Worker memory (MB): at start "
                + ", ".join(f"{m['rss_kb'] / 1024:.0f}" for m in http["memory_at_start_kb"])
                + "; after "
                + f"{http['requests_served']:,} requests "
                + ", ".join(
                    f"{m['rss_kb'] / 1024:.0f} RSS / {m['pss_kb'] / 1024:.0f} PSS"
                    for m in http["memory_after_kb"]
                )
                + "; the hello app's workers "
                + ", ".join(f"{m['rss_kb'] / 1024:.0f}" for m in http["hello_memory_kb"])
                + " RSS. (Each worker also has one PDF render process of its own, outside these figures.)",
                "",
            ]
        elif http:
            out += [f"HTTP: {http.get('error') or http.get('skipped')}", ""]
        phone = r.get("phone")
        if phone and "first_load" in phone:
            out += ["Phone, first load (empty cache) and second load:", "", "| request | first | second |"]
            out.append("| --- | --- | --- |")
            second = {i["url"]: i for i in phone["second_load"]["requests"]}
            for item in phone["first_load"]["requests"]:
                again = second.get(item["url"])
                again_text = (
                    "from cache"
                    if again and again["from_cache"]
                    else (f"{again['body_bytes'] + again['header_bytes']:,} B" if again else "not asked")
                )
                out.append(
                    f"| `{item['url']}` ({item['encoding'] or 'identity'}) "
                    f"| {item['body_bytes'] + item['header_bytes']:,} B | {again_text} |"
                )
            out.append(
                f"| **total** | **{phone['first_load']['total_bytes']:,} B** "
                f"| **{phone['second_load']['total_bytes']:,} B** |"
            )
            failed = phone["first_load"]["failed"]
            out += ["", f"Failed or blocked requests: {', '.join(failed) if failed else 'none'}.", ""]
        exports = r.get("exports")
        if exports and "error" not in exports:
            packs, passport_pdf, card = (
                exports["50 leaving packs"],
                exports["passport PDF"],
                exports["emergency card"],
            )
            out += [
                "PDFs (one warm render process for the passport and card, as a web worker has; "
                f"{packs['processes']} for the batch): passport {passport_pdf['bytes'] // 1024} KB, "
                f"median {passport_pdf['median_ms']:.0f} ms, p95 {passport_pdf['p95_ms']:.0f} ms; "
                f"card {card['bytes'] // 1024} KB, median {card['median_ms']:.0f} ms, "
                f"p95 {card['p95_ms']:.0f} ms; 50 leaving packs {packs['seconds']} s "
                f"({packs['per_pack_ms']} ms each).",
                "",
            ]
    lines = results.get("_lines")
    if lines:
        out += [
            "Other benchmarks (their own one-line reports: bench_schedule.py, bench_pdf_render.py):",
            "",
            "| benchmark | what | figures | | | | target |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *lines,
            "",
        ]
    return out


def write(size: str, text: str) -> None:
    start, end = f"<!-- bench:{size}:start -->", f"<!-- bench:{size}:end -->"
    block = f"{start}\n{text}\n{end}"
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1]
        current = before + block + after
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="10k")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--reuse", action="store_true", help="keep databases seeded earlier today")
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run")
    parser.add_argument(
        "--calm", type=float, default=None, help="before each benchmark, wait for a 1-minute load below this"
    )
    parser.add_argument("--calm-wait", type=float, default=600, help="at most this many seconds of waiting")
    arguments = parser.parse_args()
    CALM.update(load=arguments.calm, wait=arguments.calm_wait)
    started = time.monotonic()
    command = "python bench/run.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    info = machine()
    print(f"Benchmarks at {arguments.size} on {info['cpu']} ({info['cores']} cores)", flush=True)
    databases = [d.strip() for d in arguments.databases.split(",") if d.strip()]
    if "postgresql" in databases:
        why = postgres_answers()
        if why:
            print(f"PostgreSQL skipped: {why}")
            databases.remove("postgresql")
    results: dict = {}
    size = arguments.size
    for n, database in enumerate(databases):
        print(f"== {database} ==", flush=True)
        r = results[database] = {}
        if needs_seed(database, size, arguments.reuse):
            r["seed"] = run_script("seed.py", "--size", size, "--database", database, timeout=3600)
            if "error" in r["seed"]:
                continue
        else:
            manifest = load_manifest(database, size)
            r["seed"] = {k: manifest[k] for k in ("passports", "rows", "seconds", "migrate_seconds")}
        common = ("--database", database, "--size", size)
        r["page"] = run_script("bench_page.py", *common)
        r["caseload"] = run_script("bench_caseload.py", *common)
        r["http"] = run_script("bench_http.py", *common, "--seconds", str(arguments.seconds))
        if n == 0:  # the same on either database: once is enough
            r["exports"] = run_script("bench_exports.py", *common)
            r["phone"] = run_script("bench_phone.py", *common)
    print("== the engine and render benchmarks ==", flush=True)
    results["_lines"] = run_lines("bench_schedule.py") + run_lines("bench_pdf_render.py")
    info["load_average_end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    (BENCH / "data").mkdir(exist_ok=True)
    (BENCH / "data" / f"results-{size}.json").write_text(json.dumps(results, indent=2, default=str), "utf-8")
    write(size, report(size, command, info, started, results))
    print(f"Wrote {RESULTS.relative_to(ROOT)} ({round((time.monotonic() - started) / 60, 1)} minutes).")


if __name__ == "__main__":
    main()
