"""PDFs on two cores: the young person's passport PDF and wallet emergency card (as a request makes them:
HTML in this process, WeasyPrint in one warm render process), and 50 leaving packs made the way a nurse's
cohort is made, by the background batch (services/pdf_batches.py, one render process per core).

    python bench/bench_exports.py --database sqlite --size 10k

The passports are seeded ones (bench/seed.py) with a realistic amount in them. The batch's rows and the
audit records the PDFs leave are the benchmark database's own.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import uuid

from common import emit, load_manifest, production_app, summary_ms

RUNS = 10
BATCH = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", default="10k")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    arguments = parser.parse_args()
    manifest = load_manifest(arguments.database, arguments.size)
    app = production_app(manifest["url"])
    logging.getLogger().setLevel(logging.WARNING)

    from sqlalchemy import delete

    from passport import clock
    from passport.exports import pdf
    from passport.extensions import db
    from passport.models import (
        BatchItemStatus,
        BatchStatus,
        Passport,
        PdfBatch,
        PdfBatchItem,
        User,
    )
    from passport.policy import Selection
    from passport.services import exports, pdf_batches

    results: dict = {"database": arguments.database, "size": arguments.size}
    # One render process, as each gunicorn worker has (PDF_RENDER_PROCESSES=1).
    pdf.start_render_workers(1)
    with app.test_request_context("/", base_url="https://localhost"):
        young_person = db.session.get(User, uuid.UUID(manifest["young_person_id"]))
        passport = db.session.get(Passport, uuid.UUID(manifest["passport_id"]))
        for name, make in (
            (
                "passport PDF",
                lambda: exports.passport_pdf(
                    young_person, passport, Selection(), renderer=pdf.TemplateRenderer()
                ),
            ),
            (
                "emergency card",
                lambda: exports.emergency_card_pdf(young_person, passport, renderer=pdf.TemplateRenderer()),
            ),
        ):
            make()
            durations, size = [], 0
            for _ in range(arguments.runs):
                started = time.perf_counter()
                size = len(make())
                durations.append(time.perf_counter() - started)
            results[name] = {"bytes": size, **summary_ms(durations)}
        db.session.remove()
    pdf.stop_render_workers()

    # 50 leaving packs, as the background batch makes them.
    with app.app_context():
        nurse = db.session.get(User, uuid.UUID(manifest["nurse_id"]))
        cohort = pdf_batches.cohort(nurse, clock.today(), due_only=False)[:BATCH]
        assert len(cohort) == BATCH, f"the nurse has only {len(cohort)} young people"
        # The seeded data has no batches: any here were left by a benchmark run that stopped half way, and a
        # worker would claim the oldest of them first.
        db.session.execute(delete(PdfBatchItem))
        db.session.execute(delete(PdfBatch))
        batch = PdfBatch(
            kind=pdf_batches.KIND,
            organisation_id=nurse.organisation_id,
            requested_by_id=nurse.id,
            status=BatchStatus.QUEUED,
            total=BATCH,
            created_at=clock.now(),
        )
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(
            PdfBatchItem(batch_id=batch.id, passport_id=p.id, position=n, status=BatchItemStatus.WAITING)
            for n, p in enumerate(cohort, start=1)
        )
        db.session.commit()
        batch_id = batch.id
        # Claimed as the worker command claims it: render_batch makes nothing for a batch no worker holds.
        claimed = pdf_batches.claim_next("bench")
        assert claimed == batch_id, f"claimed {claimed}, not the benchmark's batch (an older one is queued)"
        pdf.start_render_workers(arguments.processes)  # started before timing, as the worker command does
        started = time.perf_counter()
        pdf_batches.render_batch(app, batch_id, arguments.processes)
        seconds = time.perf_counter() - started
        pdf.stop_render_workers()
        made = pdf_batches.progress_of(db.session.get(PdfBatch, batch_id), nurse, clock.today())
        assert made.done + made.failed + made.skipped == BATCH, f"only {made.done} of {BATCH} packs were made"
        results["50 leaving packs"] = {
            "seconds": round(seconds, 2),
            "processes": arguments.processes,
            "done": made.done,
            "failed": made.failed,
            "skipped": made.skipped,
            "per_pack_ms": round(seconds / BATCH * 1000, 1),
        }
        db.session.execute(delete(PdfBatchItem).where(PdfBatchItem.batch_id == batch_id))
        db.session.execute(delete(PdfBatch).where(PdfBatch.id == batch_id))
        db.session.commit()
    emit(results)


if __name__ == "__main__":
    main()
