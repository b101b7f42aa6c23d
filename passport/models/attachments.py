"""Photos and files attached to a passport: a photo of a vaccination card from another country, a page of
the red book, an appointment letter.

An attachment belongs to one item (a vaccine dose, an allergy, a GP registration, an assessment…), to the
birth history (one of its parts), or to the passport's papers in general. It is seen exactly where what it
belongs to is seen: policy.shows_attachment decides, from the item's section and sensitivity label or the
birth-history part. Papers in general carry a label of their own, chosen by whoever added them.

The file is kept in the database (so backups, transfers and the young person's data export carry it, and
every app server sees it), already cleaned by passport/uploads.py. The bytes are deferred: lists and pages
load the row without them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from passport import clock
from passport.extensions import db
from passport.models.items import Sensitivity
from passport.models.types import UTCDateTime

# What an attachment may belong to, besides the item kinds of services/items.py.
BIRTH_HISTORY = "birth_history"


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    passport_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("passport.id"), index=True)
    # An item kind (immunisation, allergy, …) with item_id; "birth_history" with birth_part; or neither.
    item_kind: Mapped[str | None] = mapped_column(String(20))
    item_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    birth_part: Mapped[str | None] = mapped_column(String(30))
    # For papers in general only: an item's attachments follow the item's own label.
    sensitivity: Mapped[Sensitivity | None] = mapped_column(String(20))
    # What it is, in the words of whoever added it ("My vaccination card from Eritrea").
    description: Mapped[str | None] = mapped_column(String(200))
    # The name the file had on the phone or computer, cleaned; shown, and used for the download's name.
    original_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)  # the stored file and its thumbnail together
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    added_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    added_by = relationship("User")

    @property
    def is_picture(self) -> bool:
        return self.content_type.startswith("image/")
