"""Recording SDQ scores. When the next review health assessment is due, and the SDQ bands, are rules in
passport/readiness.py."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from passport import clock, policy
from passport.extensions import db
from passport.models import Passport, SdqScore, User
from passport.policy import Action
from passport.readiness import SDQ_INFORMANTS
from passport.services import ServiceError, audit, transaction


@transaction
def record_sdq(nurse: User, passport: Passport, *, scored_on: date | None, total: int | None, informant: str):
    if not policy.can(nurse, Action.CURATE_PASSPORT, passport, clock.today()):
        raise ServiceError(_l("You cannot change this"))
    if scored_on is None:
        raise ServiceError(_l("Enter the date of the SDQ"), field="scored_on")
    if scored_on > clock.today() or scored_on < passport.date_of_birth:
        raise ServiceError(
            _l("The date must be after the date of birth and not in the future"), field="scored_on"
        )
    if total is None or not 0 <= total <= 40:
        raise ServiceError(_l("Enter a total score from 0 to 40"), field="total")
    if informant not in SDQ_INFORMANTS:
        raise ServiceError(_l("Choose who filled it in"), field="informant")
    score = SdqScore(
        passport_id=passport.id,
        scored_on=scored_on,
        total=total,
        informant=informant,
        recorded_by_id=nurse.id,
    )
    db.session.add(score)
    audit.record("sdq_recorded", actor=nurse, passport=passport)
    return score
