"""Benchmarks: `make bench` (or python bench/run.py) measures, writes docs/benchmarks.md.

Each size runs in fresh processes, so peak memory is that of the step measured. Never a
test: the figures here are measurements of this machine, kept beside their targets.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SIZES = (1_000, 100_000, 1_000_000)
IMPORT_ROWS = 100_000
REPEATS = 5
# The benchmarks' one reading of the clock: the day the figures are for, the time writes
# are recorded at, the date the report is dated.
NOW = datetime.now()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(action, repeats: int = REPEATS) -> float:
    action()  # warm caches, as a meeting's second click would find them
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 1)


def generate(path: str, count: int) -> dict:
    from analytics.access import (
        record_account,
    )
    from analytics.cases import (
        load_demo_data,
    )
    from analytics.service import (
        open_dashboard_store,
    )
    from analytics.terms import TermCalendar

    store = open_dashboard_store(TermCalendar(), path, now=NOW)
    start = time.perf_counter()
    load_demo_data(store, count, actor="bench", now=NOW)
    seconds = time.perf_counter() - start
    record_account(
        store, "bench", "Bench", "headteacher", "bench password 1", actor="bench", now=NOW
    )
    store.close()
    return {"generate_s": round(seconds, 2), "generate_peak_mb": round(peak_mb())}


def measure(path: str) -> dict:
    """The overview page, its queries alone, summary, the report PDF; then peak memory."""
    os.environ["DASHBOARD_DB"] = path
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from analytics.figures import (
        EXACT,
        PROTECTED,
        Scope,
        available_terms,
        disclose,
        gather_overview_release,
        gather_term_release,
        summarise,
    )
    from analytics.policies import (
        load_policy_statuses,
    )
    from analytics.reporting import (
        build_report,
        gather_report_figures,
        last_complete_term,
        render_pdf,
    )
    from analytics.service import (
        open_dashboard_store,
    )
    from analytics.terms import TermCalendar

    calendar, today = TermCalendar(), NOW.date()
    store = open_dashboard_store(calendar, path, now=NOW)
    scope = Scope(calendar.reporting_period(calendar.term_of(today)))

    def overview_queries() -> None:
        available_terms(store, calendar, today)
        load_policy_statuses(store, calendar, today)
        gather_overview_release(store, scope, calendar, today=today)

    term = last_complete_term(calendar, today)
    overview_release = gather_overview_release(store, scope, calendar, today=today)
    term_release = gather_term_release(store, calendar, term, today=today)

    def report_pdf() -> None:
        figures = gather_report_figures(store, calendar, term, school="Bench", today=today)
        render_pdf(build_report(figures, "circulation", 5))

    def summary() -> None:
        release = gather_overview_release(store, scope, calendar, today=today)
        summarise(disclose(release, EXACT, 5))

    results = {
        "overview_queries_ms": median_ms(overview_queries),
        "summary_ms": median_ms(summary),
        # The disclosure rule for a governor: the interval audit of one release.
        "overview_audit_ms": median_ms(lambda: disclose(overview_release, PROTECTED, 5)),
        "report_audit_ms": median_ms(lambda: disclose(term_release, PROTECTED, 5)),
        "report_pdf_ms": median_ms(report_pdf, repeats=3),
    }
    store.close()
    # The page itself, as a signed-in headteacher's rerun; the app opens its own store.
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.session_state["account_id"] = 1
    results["overview_page_ms"] = median_ms(lambda: app.run())

    def first_view_after_a_write() -> None:
        st.cache_data.clear()  # as after any write: every figure computed afresh
        app.run()

    results["overview_uncached_ms"] = median_ms(first_view_after_a_write)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as empty:
        empty.write("import streamlit as st\nst.title('Empty')\n")
    empty_page = AppTest.from_file(empty.name).run()
    results["empty_page_ms"] = median_ms(lambda: empty_page.run())
    results["serving_peak_mb"] = round(peak_mb())
    return results


def import_rows(path: str) -> dict:
    from analytics.cases import (
        export_cases,
        import_cases,
    )
    from analytics.records import (
        open_store,
    )

    source = open_store(path, now=NOW)
    text = export_cases(source, actor="bench", now=NOW).text
    source.close()
    with tempfile.TemporaryDirectory() as folder:
        target = open_store(Path(folder) / "import.duckdb", now=NOW)
        start = time.perf_counter()
        report = import_cases(target, text, actor="bench", source="bench.csv", now=NOW)
        seconds = time.perf_counter() - start
        target.close()
    return {
        "import_rows": report.added,
        "import_s": round(seconds, 2),
        "import_peak_mb": round(peak_mb()),
    }


def in_subprocess(step: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, step, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    import duckdb
    import streamlit

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )  # fmt: skip
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_gb:.0f} GiB; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"Streamlit {streamlit.__version__}"
    )


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or list(SIZES)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = str(Path(folder) / f"bench-{size}.duckdb")
            results[size] = in_subprocess("generate", path, str(size))
            results[size] |= in_subprocess("measure", path)
            if size == IMPORT_ROWS:
                results[size] |= in_subprocess("import", path)
            print(size, results[size], flush=True)
    write_report(results)


def write_report(results: dict) -> None:
    smallest, largest = min(results), max(results)
    page_small, page_large = (
        results[smallest]["overview_page_ms"],
        results[largest]["overview_page_ms"],
    )
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {NOW:%-d %B %Y}: {machine()}.",
        "Times are medians of several runs after one warm-up; each size is measured in fresh",
        "processes, so peak memory is the step's own. Stores are made by `demo`. The overview",
        "keeps its figures until the next write: a rerun (another click, another governor) is",
        "served from that cache; the first view after a write computes every figure afresh.",
        "",
        "| cases | generate (s) | overview page rerun (ms) | overview after a write (ms) | its queries alone (ms) | empty page rerun (ms) | summary (ms) | report PDF (ms) | disclosure audit, overview / report (ms) | peak memory serving (MB) | peak memory generating (MB) |",  # noqa: E501
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, r in sorted(results.items()):
        lines.append(
            f"| {size:,} | {r['generate_s']} | {r['overview_page_ms']} | "
            f"{r['overview_uncached_ms']} | {r['overview_queries_ms']} | "
            f"{r['empty_page_ms']} | {r['summary_ms']} | {r['report_pdf_ms']} | "
            f"{r['overview_audit_ms']} / {r['report_audit_ms']} | "
            f"{r['serving_peak_mb']} | {r['generate_peak_mb']} |"
        )
    imported = next((r for r in results.values() if "import_s" in r), None)
    lines += [
        "",
        "## Against the targets",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
    ]
    ratio = page_large / page_small if page_small else float("inf")
    audit_slowest = max(max(r["overview_audit_ms"], r["report_audit_ms"]) for r in results.values())
    checks = [
        (f"overview at {largest:,} within twice its time at {smallest:,}", f"{ratio:.2f}×", ratio <= 2),  # noqa: E501
        (f"overview at {largest:,} under 300 ms", f"{page_large} ms", page_large < 300),
        ("termly report PDF under 2 s", f"{max(r['report_pdf_ms'] for r in results.values())} ms",
         max(r["report_pdf_ms"] for r in results.values()) < 2000),
        (f"under 500 MB serving {largest:,} cases", f"{results[largest]['serving_peak_mb']} MB",
         results[largest]["serving_peak_mb"] < 500),
        ("disclosure audit of one overview scope or one report under 1 s, at every size",
         f"{audit_slowest} ms", audit_slowest < 1000),
    ]  # fmt: skip
    first_small = results[smallest]["overview_uncached_ms"]
    first_large = results[largest]["overview_uncached_ms"]
    first_ratio = first_large / first_small if first_small else float("inf")
    checks += [
        (f"(also) first view after a write, {largest:,} within twice {smallest:,}",
         f"{first_ratio:.2f}×", first_ratio <= 2),
        (f"(also) first view after a write at {largest:,} under 300 ms", f"{first_large} ms",
         first_large < 300),
    ]  # fmt: skip
    if imported:
        checks.append(
            (f"import of {imported['import_rows']:,} rows under 10 s", f"{imported['import_s']} s",
             imported["import_s"] < 10)
        )  # fmt: skip
    lines += [f"| {what} | {value} | {'yes' if ok else '**no**'} |" for what, value, ok in checks]
    lines += [
        "",
        "See the notes below for what was changed to meet a target, and what is still open.",
        "",
    ]
    notes = ROOT / "docs" / "benchmarks-notes.md"
    if notes.exists():
        lines += [notes.read_text()]
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in {"generate", "measure", "import"}:
        step, args = sys.argv[1], sys.argv[2:]
        if step == "generate":
            print(json.dumps(generate(args[0], int(args[1]))))
        elif step == "measure":
            print(json.dumps(measure(args[0])))
        else:
            print(json.dumps(import_rows(args[0])))
    else:
        main()
