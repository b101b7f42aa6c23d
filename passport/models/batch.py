"""Batches of PDFs made in the background: a nurse asks for the leaving packs of a whole cohort, and
`flask render-leaving-packs` makes them one by one, outside the web workers (services/pdf_batches.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.types import UTCDateTime


class BatchStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # a worker has it (and says so in heartbeat_at)
    DONE = "done"  # every item is done, skipped or failed


class BatchItemStatus(StrEnum):
    WAITING = "waiting"
    DONE = "done"
    SKIPPED = "skipped"  # the nurse may no longer curate this passport
    FAILED = "failed"  # the PDF could not be made


class PdfBatch(db.Model):
    __tablename__ = "pdf_batch"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(30))  # "leaving_packs"
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[BatchStatus] = mapped_column(String(20), default=BatchStatus.QUEUED, index=True)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker that has it ("host:pid") and when it last said it was still working: a batch whose worker
    # went quiet is taken over by another.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by = relationship("User")


class PdfBatchItem(db.Model):
    __tablename__ = "pdf_batch_item"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pdf_batch.id"), index=True)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[BatchItemStatus] = mapped_column(String(20), default=BatchItemStatus.WAITING)
    filename: Mapped[str | None] = mapped_column(String(120))
    # The PDF, until the batch is deleted (a day after it finishes). Deferred: lists never load it.
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker making this item now, and until when it may: another worker takes the item only once the
    # lease has run out, and a worker writes its result only while the lease is still its own.
    leased_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
