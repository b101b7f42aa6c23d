from __future__ import annotations

from flask import g, jsonify, make_response, render_template, request, url_for

from passport import clock, limiter_keys
from passport.access import public
from passport.export_forms import PasscodeForm, VerifyCardForm
from passport.exports import shc, shl
from passport.extensions import csrf, limiter
from passport.policy import Output
from passport.projection import build_view
from passport.services import health_cards, sharing, smart_links
from passport.share import bp

# Pages that hold one person's health data, read by someone without an account.
PRIVATE_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _private(response):
    response.headers.update(PRIVATE_PAGE_HEADERS)
    return response


def _shared_page(link):
    passport = link.passport
    owner = passport.young_person
    view = build_view(owner, passport, clock.today(), Output.SHARE_LINK, sharing.selection_of(link))
    sharing.record_open(link)
    return _private(
        make_response(
            render_template(
                "share/shared.html", view=view, share_link=sharing.summary_of(link), today=clock.today()
            )
        )
    )


def _stopped_page():
    """The same page for a link that was stopped, has ended, is locked after wrong passcodes, or never
    existed: nothing tells a guesser which tokens were real."""
    return _private(make_response(render_template("share/stopped.html"), 404))


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("10 per 15 minutes", key_func=limiter_keys.share_token, methods=["POST"])
def open_link(token):
    link = sharing.find_live(token)
    if link is None or link.passport.young_person is None:
        return _stopped_page()
    if link.passcode_hash is None:
        return _shared_page(link)
    form = PasscodeForm()
    if form.validate_on_submit():
        tried = sharing.try_passcode(link, form.passcode.data or "")
        if tried.right:
            return _shared_page(link)
        sharing.record_refused(link, why="wrong_passcode")
        if sharing.find_live(token) is None:
            return _stopped_page()  # that was the last try: the link has stopped
        form.passcode.errors = [_wrong_passcode()]
    return _private(make_response(render_template("share/passcode.html", form=form)))


def _wrong_passcode():
    from flask_babel import gettext as _

    return _("That passcode is not right. Check it with the person who gave you the link")


# ---- SMART Health Links --------------------------------------------------------------------------------


@bp.get("/view")
@public
def viewer():
    """The page a SMART Health Link opens (…/view#shlink:/…). The link's payload, key included, stays after
    the # in the browser: this page's script reads it, asks the manifest for the files and decrypts them
    with Web Crypto. The server sends the same page to everyone and never sees the key."""
    g.csp_extra = ("require-trusted-types-for 'script'", "trusted-types 'none'")
    return _private(make_response(render_template("share/viewer.html")))


@bp.route("/shl/<token>", methods=["POST"])
@public
@csrf.exempt  # a JSON API for apps anywhere (SMART Health Links); it sets no cookie and reads none
@limiter.limit("30 per minute")
@limiter.limit("10 per 15 minutes", key_func=limiter_keys.share_token)
def shl_manifest(token):
    if not request.is_json:
        return _json({"error": "send the manifest request as application/json"}, 400)
    answer = smart_links.manifest(
        token,
        request.get_json(silent=True),
        file_url=lambda file_token: url_for("share.shl_file", file_token=file_token, _external=True),
    )
    return _json(answer.body, answer.status)


@bp.get("/shl/files/<file_token>")
@public
@limiter.limit("30 per minute")
def shl_file(file_token):
    jwe = smart_links.fetch_file(file_token)
    if jwe is None:
        return _json({}, 404)
    response = make_response(jwe)
    response.headers["Content-Type"] = shl.JOSE
    return _private(response)


def _json(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    return _private(response)


@bp.after_request
def open_to_other_apps(response):
    """SMART Health Link clients are apps on other sites: let browsers show them the manifest and files.
    Nothing there depends on cookies, so any origin may ask."""
    if request.endpoint in {"share.shl_manifest", "share.shl_file"}:
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = (
                "POST" if "manifest" in request.endpoint else "GET"
            )
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
            response.status_code = 204
            response.headers["Content-Type"] = "text/plain"
    return response


# ---- Signed offline cards ------------------------------------------------------------------------------


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
