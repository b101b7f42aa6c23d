"""Typed audit events. Each event names the details it must carry; none may carry health data.

The young person reads the events about their passport on "Who looked at my passport", so each event also
has a plain sentence (translated where it is shown).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from passport.extensions import db
from passport.models import AuditEvent, Passport, User


@dataclass(frozen=True)
class EventType:
    name: str
    required: tuple[str, ...]
    # Shown to the young person on "Who looked at my passport"; None when it is not about them.
    plain_words: object | None = None


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in (
        EventType("signed_in", ()),
        EventType("signed_out", ()),
        EventType("sign_in_refused", ("reason",)),
        EventType("passport_created", (), _l("Created your passport")),
        EventType("passport_viewed", ("view",), _l("Looked at your passport")),
        EventType("invite_issued", ("expires_on",), _l("Made a code so you can sign up")),
        EventType("invite_claimed", (), _l("You set up your account")),
        EventType(
            "password_reset_code_issued", ("expires_on",), _l("Made a code so you can choose a new password")
        ),
        EventType("password_reset", ()),
        EventType("item_added", ("item_kind", "item_id"), _l("Added something")),
        EventType("item_changed", ("item_kind", "item_id"), _l("Changed something")),
        EventType(
            "item_verified",
            ("item_kind", "item_id", "version_checked"),
            _l("Checked something against the record"),
        ),
        EventType("item_archived", ("item_kind", "item_id"), _l("Removed something")),
        EventType("emergency_contacts_chosen", ("changed",), _l("Chose who to call in an emergency")),
        EventType("about_me_changed", (), _l("Changed your About me")),
        EventType("immunisation_records_changed", ("records",), _l("Checked your vaccine records")),
        EventType("nhs_number_changed", ("reason",), _l("Changed your NHS number")),
        EventType("correction_requested", ("item_kind",), _l("Asked for a correction")),
        EventType("correction_accepted", ("item_kind",), _l("Made the correction you asked for")),
        EventType("correction_declined", ("item_kind",), _l("Said no to a correction you asked for")),
        EventType("sharing_changed", ("choice",), _l("Changed who can see your passport")),
        # Birth-history events read as plain updates: the log must not reveal what the record holds, or
        # even that there is one, to anyone not allowed to see it.
        EventType("birth_history_changed", (), _l("Updated your passport")),
        EventType("birth_consent_recorded", ("consent_id",), _l("Updated your passport")),
        EventType("birth_consent_withdrawn", ("consent_id",), _l("Updated your passport")),
        EventType("birth_history_viewed", ("where",), _l("Looked at your passport")),
        EventType("birth_history_opened", ()),
        EventType("birth_history_closed", ()),
        EventType("birth_history_choices", ("choice",)),
        EventType("leaving_pack_updated", ("ticked",), _l("Updated your leaving pack")),
        EventType("leaving_pack_handed_over", ("how",), _l("Gave you your leaving pack")),
        EventType("leaving_pack_received", ()),
        EventType("sdq_recorded", (), _l("Updated your passport")),
        EventType("caseload_imported", ("rows",)),
        EventType("ehcp_changed", (), _l("Updated your passport")),
        EventType("health_action_added", ("action_id",), _l("Added to your health plan")),
        EventType("health_action_updated", ("action_id", "status"), _l("Updated your health plan")),
        EventType(
            "access_granted",
            ("grant_id", "grantee_organisation"),
            _l("Gave a nurse in another area access to your passport"),
        ),
        EventType(
            "access_grant_ended", ("grant_id",), _l("Stopped a nurse in another area seeing your passport")
        ),
        EventType(
            "passport_transferred",
            ("from_organisation", "to_organisation"),
            _l("Moved your passport to a new area"),
        ),
        EventType("staff_deactivated", ("staff_id",)),
        EventType("staff_reactivated", ("staff_id",)),
        EventType("team_created", ("team_id",)),
        EventType("care_team_changed", (), _l("Changed who looks after you")),
        EventType("share_link_created", ("link_id",)),
        EventType("share_link_revoked", ("link_id",)),
        EventType("share_link_opened", ("link_id", "label"), _l("Opened a link you shared")),
        EventType(
            "share_link_refused",
            ("link_id", "label", "why"),
            _l("Tried to open a link you shared, but could not"),
        ),
        EventType("passport_exported", ("export",), _l("Downloaded your passport")),
        EventType("health_card_issued", (), _l("Made an offline health card")),
        EventType("signing_key_created", ("kid",)),
        EventType("staff_account_created", ("staff_role",)),
        EventType("staff_account_set_up", ()),
        EventType("password_changed", ()),
        EventType("two_factor_set_up", ()),
        EventType("two_factor_passed", ("method",)),
        EventType("two_factor_refused", ("method", "reason")),
        EventType("two_factor_reset", ("staff_id",)),
        # Reminders by text and email (services/messages.py, services/reminders.py). Never the number,
        # the address or what the message said.
        EventType("messages_choice_changed", ("choice",)),
        EventType("message_sent", ("kind", "channel", "status")),
        EventType("offline_copy_started", ("copy_id",), _l("Kept a copy of your passport on a phone")),
        EventType(
            "offline_copy_ended", ("copy_id", "reason"), _l("Deleted the copy of your passport on a phone")
        ),
        # Photos and files: which one and where it was attached, never what it shows or its name.
        EventType("attachment_added", ("attachment_id", "attached_to"), _l("Added a photo or file")),
        EventType("attachment_opened", ("attachment_id",), _l("Looked at a photo or file")),
        EventType("attachment_removed", ("attachment_id",), _l("Removed a photo or file")),
        # The young person's notes: only that they changed who may read one, never its words.
        EventType("note_sharing_changed", ("note_id", "shared_with")),
        EventType("local_service_changed", ("service_id", "change")),
    )
}


class UnknownAuditEvent(ValueError):
    pass


def record(
    event_type: str,
    *,
    actor: User | None,
    passport: Passport | None = None,
    organisation_id=None,
    **details: object,
) -> AuditEvent:
    """Add an audit event to the current transaction (the use case commits it with its change)."""
    spec = EVENT_TYPES.get(event_type)
    if spec is None:
        raise UnknownAuditEvent(event_type)
    missing = [name for name in spec.required if name not in details]
    if missing:
        raise UnknownAuditEvent(f"{event_type} needs {', '.join(missing)}")
    if organisation_id is None:
        organisation_id = (passport.organisation_id if passport else None) or (
            actor.organisation_id if actor else None
        )
    if actor is not None and passport is not None and actor.organisation_id != passport.organisation_id:
        # Someone from another organisation (a host area's nurse): name both sides in the record.
        details.setdefault("actor_organisation", actor.organisation.name if actor.organisation else "")
        details.setdefault(
            "responsible_organisation", passport.organisation.name if passport.organisation else ""
        )
    event = AuditEvent(
        event_type=event_type,
        actor_id=actor.id if actor else None,
        actor_role=str(actor.role) if actor else None,
        organisation_id=organisation_id,
        passport_id=passport.id if passport else None,
        details={key: str(value) for key, value in details.items()},
    )
    db.session.add(event)
    return event
