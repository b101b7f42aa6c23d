"""Leaving packs for a whole cohort, made in the background.

A nurse asks for the leaving-pack PDFs of everyone on their caseload whose pack is due (or everyone on it).
The web request only writes down who is in the batch; `flask render-leaving-packs` (passport/worker.py), a
separate process, makes the PDFs with the render pool's processes in parallel, and the nurse watches the
count go up on a page that refreshes itself without JavaScript. No web worker ever waits for a PDF it did
not ask for by itself.

Each PDF is made by `exports.leaving_pack_pdf`, so the policy is asked again for every young person at the
moment their PDF is made (someone who has left the caseload since is skipped) and every PDF is audited.
Finished batches, PDFs included, are deleted a day after they finish: they hold health data.

Batch work is owned. A worker claims a batch (a conditional UPDATE), and leases each item before making it
(another conditional UPDATE naming the worker and a deadline). It writes the result only if the lease is
still its own, in one transaction with the PDF's audit event: a worker that was paused and woke after its
batch was taken over writes nothing, so each young person gets one PDF and one "exported" event, however
workers stop and start (tests/web/test_pdf_batches.py).

In development (`make run`: SQLite, no Redis, no worker) the web server makes batches itself, on one
background thread started when a batch is asked for or its page is looked at (RENDER_BATCHES_IN_PROCESS,
set by DevelopmentConfig). It claims and leases exactly as the worker does, so running a worker as well
does no harm: each batch is still made once.

Why not RQ or Dramatiq on the Redis we have: `make run` and a single-server pilot have no Redis, and a job
queue would still deliver a job twice after a worker stalls (at-least-once), so the conditional write below
would still be needed for one audit event per item. The database is already the shared state.
"""

from __future__ import annotations

import concurrent.futures
import io
import logging
import os
import socket
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Flask
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from passport import clock, policy, readiness
from passport.exports.pdf import PdfRenderError, TemplateRenderer, ascii_filename
from passport.extensions import db
from passport.models import (
    BatchItemStatus,
    BatchStatus,
    Passport,
    PdfBatch,
    PdfBatchItem,
    User,
)
from passport.policy import Action
from passport.services import ServiceError, exports, transaction

logger = logging.getLogger(__name__)

KIND = "leaving_packs"
# Who a batch is for: those whose pack is due now, or everyone on the caseload.
COHORTS = ("pack_due", "everyone")
# A caseload is 30 to 150 young people; more than this is not a caseload.
MAX_PER_BATCH = 300
# A batch and its PDFs are deleted this long after it finishes (or after it was asked for, if it never ran).
KEEP_FOR = timedelta(days=1)
NEVER_RAN_KEEP_FOR = timedelta(days=7)
# A running batch whose worker has said nothing for this long is taken over by another worker.
STALE_AFTER = timedelta(minutes=2)
# An item a worker has leased is its own for this long (a PDF takes seconds, and its render is stopped after
# exports.pdf.DEFAULT_TIMEOUT_SECONDS); then another worker may take it over.
LEASE = timedelta(minutes=2)
# How long a worker waits before looking again at items another worker still holds.
LEASE_POLL_SECONDS = 1.0


class LeaseLost(Exception):
    """This worker's lease on an item has gone to another worker: its result is not written."""


@dataclass(frozen=True)
class Progress:
    """A batch as the nurse who asked for it sees it: how far it has got, and how many of the PDFs made
    they may no longer download (someone they can no longer see)."""

    batch_id: uuid.UUID
    status: str
    created_at: datetime
    total: int
    done: int
    skipped: int
    failed: int
    withheld: int = 0

    @property
    def made(self) -> int:
        """How many have been dealt with, whatever the outcome."""
        return self.done + self.skipped + self.failed

    @property
    def downloadable(self) -> int:
        return self.done - self.withheld

    @property
    def finished(self) -> bool:
        return self.status == BatchStatus.DONE

    @property
    def percent(self) -> int:
        return round(100 * self.made / self.total) if self.total else 100


# ---------------------------------------------------------------------------------------------------------
# The nurse's side (web requests): quick, no PDF is made here


def cohort(nurse: User, today: date, *, due_only: bool) -> list[Passport]:
    """The passports the nurse may curate today, by name; only those whose pack is due if `due_only`."""
    passports = db.session.scalars(
        select(Passport)
        .where(policy.visible_passports(nurse, Action.CURATE_PASSPORT, today))
        .options(selectinload(Passport.leaving_pack))
        .order_by(Passport.legal_name, Passport.id)
    )
    return [p for p in passports if not due_only or readiness.is_due(p, today)]


@transaction
def start_leaving_packs(nurse: User, *, cohort_name: str) -> PdfBatch:
    """Write down a batch for the background worker. A nurse has one batch waiting or running at a time:
    asking again while one is under way returns that one."""
    today = clock.today()
    if not policy.can(nurse, Action.VIEW_CASELOAD, None, today):
        raise ServiceError(_l("You cannot do this"))
    if cohort_name not in COHORTS:
        raise ServiceError(_l("Choose whose leaving packs to make"), field="cohort")
    under_way = db.session.scalar(
        select(PdfBatch)
        .where(
            PdfBatch.requested_by_id == nurse.id,
            PdfBatch.status.in_((BatchStatus.QUEUED, BatchStatus.RUNNING)),
        )
        .limit(1)
    )
    if under_way is not None:
        return under_way
    passports = cohort(nurse, today, due_only=cohort_name == "pack_due")
    if not passports:
        raise ServiceError(_l("Nobody on your caseload matches, so there is nothing to make"), field="cohort")
    if len(passports) > MAX_PER_BATCH:
        raise ServiceError(
            _l("That is more than %(max)d young people. Ask for those whose pack is due.", max=MAX_PER_BATCH),
            field="cohort",
        )
    batch = PdfBatch(
        kind=KIND,
        organisation_id=nurse.organisation_id,
        requested_by_id=nurse.id,
        status=BatchStatus.QUEUED,
        total=len(passports),
        created_at=clock.now(),
    )
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(
        PdfBatchItem(batch_id=batch.id, passport_id=p.id, position=n, status=BatchItemStatus.WAITING)
        for n, p in enumerate(passports, start=1)
    )
    return batch


def progress_of(batch: PdfBatch, nurse: User, today: date) -> Progress:
    counts = dict(
        db.session.execute(
            select(PdfBatchItem.status, func.count())
            .where(PdfBatchItem.batch_id == batch.id)
            .group_by(PdfBatchItem.status)
        ).all()
    )
    done = counts.get(BatchItemStatus.DONE, 0)
    return Progress(
        batch_id=batch.id,
        status=str(batch.status),
        created_at=batch.created_at,
        total=batch.total,
        done=done,
        skipped=counts.get(BatchItemStatus.SKIPPED, 0),
        failed=counts.get(BatchItemStatus.FAILED, 0),
        withheld=withheld_count(batch, nurse, today) if done else 0,
    )


def batches_for(nurse: User, today: date) -> list[Progress]:
    """The nurse's own batches that are still kept, newest first."""
    batches = db.session.scalars(
        select(PdfBatch)
        .where(PdfBatch.requested_by_id == nurse.id, PdfBatch.kind == KIND)
        .order_by(PdfBatch.created_at.desc())
        .limit(10)
    )
    return [progress_of(b, nurse, today) for b in batches]


def batch_for(nurse: User, batch_id: uuid.UUID) -> PdfBatch | None:
    """A batch, only for the nurse who asked for it (anyone else is told there is no such batch)."""
    batch = db.session.get(PdfBatch, batch_id)
    if batch is None or batch.requested_by_id != nurse.id or batch.kind != KIND:
        return None
    return batch


def _made(batch: PdfBatch, nurse: User, today: date, *, still_visible: bool):
    """The batch's finished items whose young person the nurse may (or may no longer) curate today: the
    policy asked again at the moment of download, in its SQL form."""
    curated = select(Passport.id).where(policy.visible_passports(nurse, Action.CURATE_PASSPORT, today))
    passport_in = PdfBatchItem.passport_id.in_(curated)
    return (
        PdfBatchItem.batch_id == batch.id,
        PdfBatchItem.status == BatchItemStatus.DONE,
        passport_in if still_visible else ~passport_in,
    )


def withheld_count(batch: PdfBatch, nurse: User, today: date) -> int:
    """How many finished PDFs the download will leave out, because the nurse may no longer see that young
    person (they turned 18 and did not keep their nurse, moved away, or the grant ended)."""
    return db.session.scalar(
        select(func.count()).select_from(PdfBatchItem).where(*_made(batch, nurse, today, still_visible=False))
    )


@dataclass(frozen=True)
class BatchDownload:
    zip_file: bytes
    withheld: int


def download(batch: PdfBatch, nurse: User, today: date) -> BatchDownload:
    """The PDFs made so far that the nurse may still see, in one zip file (stored, not compressed again:
    PDFs are compressed already). A file for someone the nurse can no longer see is left out, and a note in
    the zip says how many were (never who)."""
    buffer = io.BytesIO()
    withheld = withheld_count(batch, nurse, today)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        rows = db.session.execute(
            select(PdfBatchItem.filename, PdfBatchItem.pdf)
            .where(*_made(batch, nurse, today, still_visible=True))
            .order_by(PdfBatchItem.position)
        )
        for filename, pdf in rows:
            archive.writestr(filename, pdf)
        if withheld:
            archive.writestr("left-out.txt", withheld_note(withheld))
    return BatchDownload(buffer.getvalue(), withheld)


def withheld_note(count: int) -> str:
    return ngettext(
        "%(num)d leaving pack was left out: you can no longer see that young person's passport.",
        "%(num)d leaving packs were left out: you can no longer see those young people's passports.",
        count,
    )


# ---------------------------------------------------------------------------------------------------------
# The worker's side (flask render-leaving-packs)


def claim_next(worker: str) -> uuid.UUID | None:
    """Take the oldest waiting batch (or one whose worker went quiet) for `worker`. Safe with several
    workers: the update only succeeds for the one that still sees the batch as it was."""
    now = clock.now()
    candidate = db.session.execute(
        select(PdfBatch.id, PdfBatch.status, PdfBatch.heartbeat_at)
        .where(
            or_(
                PdfBatch.status == BatchStatus.QUEUED,
                and_(PdfBatch.status == BatchStatus.RUNNING, PdfBatch.heartbeat_at < now - STALE_AFTER),
            )
        )
        .order_by(PdfBatch.created_at)
        .limit(1)
    ).first()
    if candidate is None:
        db.session.rollback()
        return None
    values = {"status": BatchStatus.RUNNING, "claimed_by": worker, "heartbeat_at": now}
    if candidate.status == BatchStatus.QUEUED:
        values["started_at"] = now
    unchanged = (
        PdfBatch.heartbeat_at.is_(None)
        if candidate.heartbeat_at is None
        else PdfBatch.heartbeat_at == candidate.heartbeat_at
    )
    claimed = db.session.execute(
        update(PdfBatch)
        .where(PdfBatch.id == candidate.id, PdfBatch.status == candidate.status, unchanged)
        .values(**values)
    )
    db.session.commit()
    return candidate.id if claimed.rowcount == 1 else None


def render_batch(app: Flask, batch_id: uuid.UUID, processes: int) -> None:
    """Make every waiting PDF of the batch, `processes` at a time (one thread per render process: the thread
    builds the HTML, the process draws the PDF), then mark the batch done. The worker is the one that claimed
    the batch (claim_next); if another takes the batch over meanwhile, this one stops where it is."""
    worker = db.session.scalar(select(PdfBatch.claimed_by).where(PdfBatch.id == batch_id))
    db.session.rollback()
    while worker is not None:
        waiting = list(
            db.session.scalars(
                select(PdfBatchItem.id)
                .where(PdfBatchItem.batch_id == batch_id, PdfBatchItem.status == BatchItemStatus.WAITING)
                .order_by(PdfBatchItem.position)
            )
        )
        still_ours = db.session.scalar(select(PdfBatch.claimed_by).where(PdfBatch.id == batch_id)) == worker
        db.session.rollback()
        if not waiting or not still_ours:
            break
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, processes)) as pool:
            futures = [pool.submit(_render_item, app, batch_id, item_id, worker) for item_id in waiting]
            made = sum(future.result() for future in futures)
        if made == 0:
            time.sleep(LEASE_POLL_SECONDS)  # items another worker still holds: wait for them, or their lease
    db.session.execute(
        update(PdfBatch)
        .where(
            PdfBatch.id == batch_id,
            PdfBatch.claimed_by == worker,
            ~select(PdfBatchItem.id)
            .where(PdfBatchItem.batch_id == batch_id, PdfBatchItem.status == BatchItemStatus.WAITING)
            .exists(),
        )
        .values(status=BatchStatus.DONE, finished_at=clock.now(), heartbeat_at=clock.now())
    )
    db.session.commit()


def _render_item(app: Flask, batch_id: uuid.UUID, item_id: uuid.UUID, worker: str) -> bool:
    """Lease the item and make it. False when another worker holds it, or took it while this one worked."""
    with app.app_context():
        try:
            if not _lease(item_id, worker):
                return False
            _make_item(app, batch_id, item_id, worker)
            return True
        except LeaseLost:
            logger.warning(
                "batch %s: another worker took item %s over; this one's result is dropped", batch_id, item_id
            )
            return False
        finally:
            db.session.remove()


def _lease(item_id: uuid.UUID, worker: str) -> bool:
    """Take the item for `worker` until now + LEASE: only if it is still waiting and nobody else holds a
    lease that has not run out (one conditional UPDATE, so two workers can never both have it)."""
    now = clock.now()
    taken = db.session.execute(
        update(PdfBatchItem)
        .where(
            PdfBatchItem.id == item_id,
            PdfBatchItem.status == BatchItemStatus.WAITING,
            or_(
                PdfBatchItem.leased_by.is_(None),
                PdfBatchItem.leased_by == worker,
                PdfBatchItem.lease_until < now,
            ),
        )
        .values(leased_by=worker, lease_until=now + LEASE)
    )
    db.session.commit()
    return taken.rowcount == 1


@transaction
def _make_item(app: Flask, batch_id: uuid.UUID, item_id: uuid.UUID, worker: str) -> None:
    """One PDF, its audit record and the batch's heartbeat, in one transaction, written only while this
    worker still holds the item's lease (else LeaseLost, and the audit record goes with the rest)."""
    item = db.session.get(PdfBatchItem, item_id)
    batch = db.session.get(PdfBatch, batch_id)
    if item is None or batch is None or item.status != BatchItemStatus.WAITING:
        return
    nurse = db.session.get(User, batch.requested_by_id)
    passport = db.session.get(Passport, item.passport_id)
    result: dict = {"status": BatchItemStatus.DONE}
    try:
        if not nurse.active:
            raise ServiceError(_l("You cannot do this"))
        # In the nurse's language, as the PDF they download one at a time is.
        with app.test_request_context("/"), force_locale(nurse.preferred_locale or "en_GB"):
            result["pdf"] = exports.leaving_pack_pdf(nurse, passport, renderer=TemplateRenderer())
        result["filename"] = ascii_filename(
            f"{item.position:03d}-leaving-pack-{passport.legal_name}-{passport.date_of_birth.isoformat()}.pdf"
        )
    except ServiceError:
        result["status"] = BatchItemStatus.SKIPPED  # no longer theirs to curate
    except PdfRenderError as error:
        logger.warning("leaving pack %s of batch %s failed: %s", item.position, batch_id, error)
        result["status"] = BatchItemStatus.FAILED
    now = clock.now()
    written = db.session.execute(
        update(PdfBatchItem)
        .where(
            PdfBatchItem.id == item_id,
            PdfBatchItem.status == BatchItemStatus.WAITING,
            PdfBatchItem.leased_by == worker,
        )
        .values(**result, finished_at=now, lease_until=None)
    )
    if written.rowcount != 1:
        raise LeaseLost(item_id)
    db.session.execute(
        update(PdfBatch)
        .where(PdfBatch.id == batch_id, PdfBatch.claimed_by == worker)
        .values(heartbeat_at=now)
    )


# ---------------------------------------------------------------------------------------------------------
# In development: the web server makes batches itself


# Render processes the development server gives a batch (its render pool also serves its own downloads).
IN_PROCESS_RENDERS = 2
_in_process_lock = threading.Lock()
_in_process_thread: threading.Thread | None = None


def render_in_this_process(app: Flask) -> bool:
    """Start making waiting batches on a background thread of this server, when RENDER_BATCHES_IN_PROCESS
    is on (development): nothing else has to run for a batch to finish. One thread at a time; it stops when
    nothing is waiting, and the batch page, which refreshes itself, starts it again for anything left (a
    batch asked for as it stopped, or one a restarted server never finished). True if a thread runs."""
    global _in_process_thread
    if not app.config.get("RENDER_BATCHES_IN_PROCESS"):
        return False
    with _in_process_lock:
        if _in_process_thread is None or not _in_process_thread.is_alive():
            worker = f"{socket.gethostname()}:{os.getpid()}:web"[:100]
            _in_process_thread = threading.Thread(
                target=_render_waiting, args=(app, worker), name="leaving-pack-batches", daemon=True
            )
            _in_process_thread.start()
    return True


def _render_waiting(app: Flask, worker: str) -> None:
    with app.app_context():
        try:
            while (batch_id := claim_next(worker)) is not None:
                render_batch(app, batch_id, IN_PROCESS_RENDERS)
        except Exception:  # a development convenience: say why in the log, the next page view tries again
            logger.exception("making leaving-pack batches in the web server failed")
        finally:
            db.session.remove()


def wait_for_in_process(timeout: float) -> bool:
    """Wait for this server's batch thread to stop (tests). True if it has."""
    thread = _in_process_thread
    if thread is not None:
        thread.join(timeout)
    return thread is None or not thread.is_alive()


def delete_expired() -> int:
    """Delete batches (and their PDFs) kept long enough. Returns how many went."""
    now = clock.now()
    expired = select(PdfBatch.id).where(
        or_(
            and_(PdfBatch.status == BatchStatus.DONE, PdfBatch.finished_at < now - KEEP_FOR),
            PdfBatch.created_at < now - NEVER_RAN_KEEP_FOR,
        )
    )
    ids = list(db.session.scalars(expired))
    if ids:
        db.session.execute(delete(PdfBatchItem).where(PdfBatchItem.batch_id.in_(ids)))
        db.session.execute(delete(PdfBatch).where(PdfBatch.id.in_(ids)))
    db.session.commit()
    return len(ids)
