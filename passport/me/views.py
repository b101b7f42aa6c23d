from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from passport import clock
from passport.access import requires
from passport.extensions import db
from passport.me import bp
from passport.models import Passport
from passport.policy import Action
from passport.projection import build_view


def own_passport() -> Passport:
    passport = db.session.scalar(select(Passport).where(Passport.young_person_id == current_user.id))
    if passport is None:
        abort(404)
    return passport


@bp.get("/")
@requires(Action.OPEN_MY_PASSPORT)
def overview():
    view = build_view(current_user, own_passport(), clock.today())
    return render_template("me/overview.html", view=view)
