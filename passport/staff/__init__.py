"""The LAC nurse's portal: caseload, starting a passport, curating it and inviting the young person."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.context_processor
def readiness_fixes():
    from passport.staff.readiness_fixes import fix_for

    return {"gap_fix": fix_for}


from passport.staff import attachment_views, views  # noqa: E402, F401
