from __future__ import annotations

from flask import abort, jsonify, make_response, render_template, request

from passport import clock, limiter_keys
from passport.access import public
from passport.export_forms import PasscodeForm, VerifyCardForm
from passport.exports import shc
from passport.extensions import limiter
from passport.policy import Output
from passport.projection import build_view
from passport.services import health_cards, sharing
from passport.share import bp


def _shared_page(link):
    passport = link.passport
    owner = passport.young_person
    view = build_view(owner, passport, clock.today(), Output.SHARE_LINK, sharing.selection_of(link))
    sharing.record_open(link)
    response = make_response(render_template("share/shared.html", view=view, share_link=link))
    # Read-only health data for one person: never cached, never sent on as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("10 per 15 minutes", key_func=limiter_keys.share_token, methods=["POST"])
def open_link(token):
    link = sharing.find_live(token)
    if link is None or link.passport.young_person is None:
        abort(404)
    if link.passcode_hash is None:
        return _shared_page(link)
    form = PasscodeForm()
    if form.validate_on_submit():
        if sharing.check_passcode(link, form.passcode.data or ""):
            return _shared_page(link)
        if sharing.find_live(token) is None:
            abort(404)  # that was the last try: the link has stopped
        form.passcode.errors = [_wrong_passcode()]
    response = make_response(render_template("share/passcode.html", form=form))
    response.headers["Cache-Control"] = "no-store"
    return response


def _wrong_passcode():
    from flask_babel import gettext as _

    return _("That passcode is not right. Check it with the person who gave you the link")


@bp.get("/.well-known/jwks.json")
@public
def jwks():
    response = jsonify(shc.jwks_document(health_cards.published_keys()))
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers anywhere fetch the public keys
    return response


@bp.route("/verify-card", methods=["GET", "POST"])
@public
def verify_card():
    form = VerifyCardForm()
    result = None
    if form.validate_on_submit():
        text = form.card.data or ""
        upload = request.files.get("card_file")
        if upload and upload.filename:
            text = upload.read(200_000).decode("utf-8", errors="replace")
        if text.strip():
            result = health_cards.check(text)
        else:
            form.card.errors = [_nothing_to_check()]
    return render_template("share/verify_card.html", form=form, result=result)


def _nothing_to_check():
    from flask_babel import gettext as _

    return _("Paste the card's text, or choose its file")
