"""The young person's copy of everything held about them (their right of access): their account, their
passport as they may see it (with their health plan and the items taken off it, which stay in the record),
their requests and choices, who can see it, and the log of who looked. As JSON to keep, and
as a page to read. Birth history is in it only while a consent allows and they have chosen to open it."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.models import Passport, User
from passport.policy import Action, Output
from passport.projection import build_view
from passport.services import (
    ServiceError,
    attachments,
    audit,
    items,
    sharing,
    transaction,
    transparency,
)


def _plain(value: Any) -> Any:
    """JSON-ready: dataclasses to dicts, dates to ISO text, lazy strings to text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items_ = [_plain(v) for v in value]
        return sorted(items_, key=str) if isinstance(value, set | frozenset) else items_
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@transaction
def export_for(young_person: User, passport: Passport, *, with_files: bool = False) -> dict[str, Any]:
    """Everything held about the young person. `with_files` adds the bytes of their photos and files
    (base64) for the file they download; the page that counts things does without."""
    today = clock.today()
    if not policy.can(young_person, Action.ACT_AS_OWNER, passport, today):
        raise ServiceError(_l("You cannot do this"))
    view = build_view(young_person, passport, today, Output.DATA_EXPORT)
    data = {
        "produced_at": clock.now().isoformat(),
        "account": {
            "email": young_person.email,
            "created_at": young_person.created_at.isoformat(),
            "last_signed_in_at": young_person.last_signed_in_at.isoformat()
            if young_person.last_signed_in_at
            else None,
            "language": young_person.preferred_locale,
        },
        "passport": _plain(
            {
                "about_me": view.about_me,
                "registrations": view.registrations.items if view.registrations else [],
                "health": view.health,
                "immunisations": {
                    "doses": view.immunisations.doses,
                    "records_checked": view.immunisations.records,
                    "status": [
                        {"programme": p.programme_id, "status": p.status, "valid_doses": p.valid_doses}
                        for p in view.immunisations.report.programmes
                    ],
                }
                if view.immunisations
                else None,
                "contacts": view.contacts,
                "health_plan": view.health_plan or [],
                "ehcp": {"has_ehcp": passport.has_ehcp, "review_on": passport.ehcp_review_on},
                "birth_history": view.birth_history.values if view.birth_history else None,
                "removed_items": items.removed_items(passport),
            }
        ),
        "who_can_see": [
            {
                "name": person.name,
                "role": str(person.role),
                "organisation": person.organisation,
                "until": person.until.isoformat() if person.until else None,
                "can_see_now": person.can_see_now,
                "sections": sorted(str(section) for section in person.sections),
            }
            for person in transparency.who_can_see(passport, today)
        ],
        "choices": {
            "nurse_can_see_after_18": passport.nurse_access_after_18,
            "adviser_can_see_after_18": passport.adviser_access_after_18,
            "shared_with_adviser": list(passport.shared_with_adviser or []),
        },
        "attachments": [_attachment(a, data if with_files else None) for a, data in _files(view, with_files)],
        "appointments": _plain(view.appointments),
        "notes": _plain(view.notes),
        "look": {"theme": view.look.theme, "name": view.look.title} if view.look else None,
        "sdq_scores": [{"date": s.scored_on.isoformat(), "total": s.total} for s in passport.sdq_scores],
        "corrections": [
            {
                "part": r.item_kind,
                "asked_on": r.requested_at.isoformat(),
                "what_you_said": r.what_is_wrong,
                "status": str(r.status),
                "reply": r.decline_reason,
            }
            for r in items.corrections_of(passport)
        ],
        "share_links": [
            {
                "for": link.label,
                "sections": list(link.sections or []),
                "created_at": link.created_at.isoformat(),
                "expires_at": link.expires_at.isoformat(),
                "stopped_at": link.revoked_at.isoformat() if link.revoked_at else None,
                "last_opened_at": link.last_opened_at.isoformat() if link.last_opened_at else None,
            }
            for link in sharing.links_of(passport)
        ],
        "leaving_pack": _plain(view.readiness.pack) if view.readiness else None,
        "who_looked": [
            {"when": e.when.isoformat(), "who": e.who, "role": e.role, "what": str(e.plain_words)}
            for e in transparency.who_looked(passport, limit=10_000)
        ],
    }
    audit.record("passport_exported", actor=young_person, passport=passport, export="data_export")
    return data


def _files(view, with_files: bool) -> list[tuple[Any, bytes | None]]:
    if with_files:
        return attachments.files_for_export(view)
    return [(a, None) for a in view.attachments]


def _attachment(view, data: bytes | None) -> dict[str, Any]:
    plain = _plain(view)
    plain.pop("inline", None)
    plain.pop("can_remove", None)
    if data is not None:
        plain["file_base64"] = base64.b64encode(data).decode("ascii")
    return plain


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
