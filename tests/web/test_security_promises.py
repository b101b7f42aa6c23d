"""Promises of SECURITY.md that had no test of their own (docs/security.md maps every promise to its tests).

Numbers in the section titles are the promise numbers there.
"""

from __future__ import annotations

import ast
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from passport import clock
from passport.export_forms import SECTION_CHOICES
from passport.extensions import db
from passport.models import AuditEvent, BirthParentConsent, Role, ShareLink, User
from passport.services import health_cards, passwords
from tests import factories, shl_client
from tests.conftest import csrf_token
from tests.exports.test_exports_web import pdf_text
from tests.html_checks import page_text
from tests.web.test_birth_history import MARKERS as BIRTH_MARKERS
from tests.web.test_birth_history import leaks as birth_leaks
from tests.web.test_birth_history import open_as_young_person, write_birth_history
from tests.web.test_fuzz_forms import TARGETS, _prepare, _sign_in, _url, persona_for
from tests.web.test_route_permissions import MATRIX

PACKAGE = Path(__file__).resolve().parents[2] / "passport"


def every_row(leave_out=()) -> dict[str, list[str]]:
    with db.engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in db.metadata.sorted_tables
            if table.name not in leave_out
        }


def sign_in(client, email, password):
    return client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )


# ---- 2. Passwords ------------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id(client, world):
    stored = db.session.get(User, world.young_person.id).password_hash
    assert stored.startswith("$argon2id$")
    assert factories.PASSWORD not in stored


def test_an_old_hash_is_replaced_at_sign_in_when_the_parameters_change(client, world):
    """A hash made with weaker settings (as an older release would have) is upgraded the next time its owner
    signs in, and the password still works."""
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(factories.PASSWORD)
    user = db.session.get(User, world.young_person.id)
    user.password_hash = weak
    db.session.commit()
    assert passwords.needs_rehash(weak)
    assert sign_in(client, world.young_person.email, factories.PASSWORD).status_code == 302
    renewed = db.session.get(User, world.young_person.id).password_hash
    assert renewed != weak and not passwords.needs_rehash(renewed)
    assert passwords.verify_password(renewed, factories.PASSWORD)


@pytest.mark.parametrize(
    "new_password",
    [
        "eightchr",  # the shortest allowed
        "all lower case words and nothing else",  # no composition rules
        "🙂 " * 20 + "a long passphrase of " + "x" * 100,  # well over 64 characters, emoji and all
        "x" * 256,  # the longest allowed
    ],
    ids=["8 characters", "no composition rules", "over 64 with emoji", "256 characters"],
)
def test_long_passphrases_are_welcome_and_no_composition_rules(client, world, new_password):
    client.sign_in_as(world.young_person)
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": new_password,
            "confirm_new_password": new_password,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, page_text(response.get_data(as_text=True))[:400]
    stored = db.session.get(User, world.young_person.id).password_hash
    assert passwords.verify_password(stored, new_password)


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("seven77", "at least 8 characters"),
        ("x" * 257, "256 characters or fewer"),
        ("Password1", "too common"),
        ("  qwertyuiop ", "too common"),
    ],
)
def test_short_overlong_and_common_passwords_are_refused(client, world, new_password, message):
    client.sign_in_as(world.young_person)
    before = db.session.get(User, world.young_person.id).password_hash
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": new_password,
            "confirm_new_password": new_password,
            "csrf_token": csrf_token(client),
        },
    )
    assert message in page_text(response.get_data(as_text=True))
    assert db.session.get(User, world.young_person.id).password_hash == before


# ---- 3. Sign-in throttled per address as well as per account -----------------------------------------------


def test_sign_in_is_throttled_per_address_across_accounts(app, client, world):
    """Guessing one password at many accounts from one address is stopped too."""
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    try:
        statuses = [
            sign_in(client, f"someone.{n}@example.org", "password guess").status_code for n in range(4)
        ]
    finally:
        app.config["SIGN_IN_LIMIT"] = "10 per 15 minutes"
    assert statuses == [400, 400, 400, 429]


# ---- 7. Nobody sets someone else's password ----------------------------------------------------------------

# Every place in the app that writes a password hash, and why it may. A new one fails the test below until
# it is looked at and added here.
PASSWORD_WRITERS = {
    "passport/services/accounts.py:authenticate",  # re-hashing the signing-in person's own password
    "passport/services/accounts.py:change_password",  # the signed-in person, who typed the current one
    "passport/services/accounts.py:new_user",  # from a password the new person chose (claim, CLI)
    "passport/services/invites.py:set_up_staff_account",  # the staff member, with their one-time code
    # The young person, with the one-time code from their nurse and their date of birth; the nurse who made
    # the code never sees or types the password (test_password_reset.py).
    "passport/services/invites.py:reset_password",
}


def _password_writers(package: Path = PACKAGE) -> set[str]:
    found = set()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                targets = []
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                    targets = [node.target]
                writes = any(isinstance(t, ast.Attribute) and t.attr == "password_hash" for t in targets)
                writes |= isinstance(node, ast.Call) and any(k.arg == "password_hash" for k in node.keywords)
                if writes:
                    found.add(f"{path.relative_to(package.parent)}:{function.name}")
    return found


def test_only_the_person_themselves_ever_sets_their_password():
    """No staff page or use case can set (or read back) anyone else's password: the hash is written only
    where the person typed it. Staff accounts are set up with a one-time code, young people's with an
    invite; there is no "set password" for an admin or a nurse."""
    assert _password_writers() == PASSWORD_WRITERS


def test_no_staff_page_shows_a_password_field_for_someone_else(client, world):
    client.sign_in_as(world.admin)
    for url in ("/admin/staff/new", "/admin/staff", f"/admin/staff/{world.nurse.id}/deactivate"):
        html = client.get(url).get_data(as_text=True)
        assert 'type="password"' not in html, url
    client.sign_in_as(world.nurse)
    html = client.get(f"/staff/passports/{world.passport.id}").get_data(as_text=True)
    assert 'type="password"' not in html and "password_hash" not in html


# ---- 10. Birth history reaches no download, share or search without an active consent ---------------------


def _every_output(app, client, world, share_urls: list[str] | None = None) -> dict[str, str]:
    """Everything that leaves the app about world.passport, as text, each asked for WITH birth history
    ticked wherever there is a box for it: the young person's PDF, emergency card, FHIR record, data
    export and a share link (opened by a visitor); the nurse's leaving-pack PDF and caseload search. The
    share link's address is added to share_urls, to open again later."""
    everything = {"sections": [c.value for c in SECTION_CHOICES], "birth_history": "y", "mental_health": "y"}
    client.sign_in_as(world.young_person)
    token = csrf_token(client)
    outputs = {
        "passport PDF": pdf_text(
            client.post("/my-passport/download/passport", data={**everything, "csrf_token": token}).data
        ),
        "emergency card": pdf_text(
            client.post("/my-passport/download/emergency-card", data={"csrf_token": token}).data
        ),
        "FHIR record": client.post(
            "/my-passport/download/health-record", data={**everything, "csrf_token": token}
        ).get_data(as_text=True),
        "data export": client.post("/my-passport/my-data.json", data={"csrf_token": token}).get_data(
            as_text=True
        ),
    }
    outputs["offline QR card"] = _offline_card_payload(client, world, token)
    ends = clock.today() + timedelta(days=7)
    created = client.post(
        "/my-passport/share",
        data={
            **everything,
            "sections": ["about_me", "health_summary"],
            "label": "Birth test",
            "expires_on-day": str(ends.day),
            "expires_on-month": str(ends.month),
            "expires_on-year": str(ends.year),
            "csrf_token": token,
        },
    ).get_data(as_text=True)
    share_url = re.search(r"http://localhost(/s/[A-Za-z0-9_-]+)<", created).group(1)
    outputs["share page"] = app.test_client().get(share_url).get_data(as_text=True)
    # The same link as a SMART Health Link: every file decrypted by the independent client.
    smart_link = re.search(r'id="smart-link" dir="ltr">([^<]+)<', created).group(1)
    _, _, files = shl_client.Client(app.test_client()).resolve(smart_link)
    outputs["SMART Health Link files"] = " ".join(f.body.decode() for f in files)
    if share_urls is not None:
        share_urls.append(share_url)
        share_urls.append(smart_link)
    client.sign_in_as(world.nurse)
    outputs["leaving-pack PDF"] = pdf_text(
        client.post(
            f"/staff/passports/{world.passport.id}/leaving-pack.pdf", data={"csrf_token": csrf_token(client)}
        ).data
    )
    # The search page repeats what was typed, so what counts is whether it finds the passport (as it does
    # by surname).
    assert world.passport.legal_name in client.get("/staff/caseload?text=Fairweather").get_data(as_text=True)
    outputs["caseload search"] = " ".join(
        f"{marker} found it"
        for marker in BIRTH_MARKERS.values()
        if world.passport.legal_name in client.get(f"/staff/caseload?text={marker}").get_data(as_text=True)
    )
    return outputs


def _record_a_vaccine(world) -> None:
    factories.create_item(
        "immunisation",
        passport=world.passport,
        by=world.nurse,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400),
        where_given="uk_gp",
    )


def _offline_card_payload(client, world, token) -> str:
    """The signed offline card (allergies included), read off its QR with zxing-cpp and unpacked to the
    JSON it holds."""
    import base64
    import io
    import zlib

    import zxingcpp
    from PIL import Image

    from passport.exports import shc
    from passport.models import Organisation

    if health_cards.active_key(world.organisation.id) is None:
        health_cards.generate_key(db.session.get(Organisation, world.organisation.id))
        db.session.commit()
    _record_a_vaccine(world)  # (a vaccine card is offered only once a vaccine is recorded)
    html = client.post(
        "/my-passport/offline-card", data={"csrf_token": token, "include_allergies": "y"}
    ).get_data(as_text=True)
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    payload = shc.qr_numeric_to_jws(barcode.text).split(".")[1]
    card = zlib.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)), -15).decode()
    assert world.passport.legal_name in card and "Penicillin" in card  # a real card, allergies and all
    return card


def _leaked(outputs: dict[str, str]) -> dict[str, set[str]]:
    return {name: birth_leaks(text) for name, text in outputs.items() if birth_leaks(text)}


def test_birth_history_reaches_no_output_without_an_active_consent(app, client, world):
    write_birth_history(world.passport, world.nurse)
    # world.consent exists but does not let the young person see anything.
    assert _leaked(_every_output(app, client, world)) == {}


def test_with_consent_it_reaches_exactly_the_chosen_outputs_and_withdrawal_closes_them_at_once(
    app, client, world
):
    """The test above can only pass honestly if the markers would be seen: with consent and the young
    person's choices they are, in their own downloads and share link (never in staff outputs or search);
    withdrawn, they are gone from all at once."""
    write_birth_history(world.passport, world.nurse)
    consent = factories.create_consent(
        passport=world.passport, by=world.nurse, pdf=True, share_links=True, fhir=True
    )
    open_as_young_person(client, world)
    share_urls: list[str] = []
    leaked = _leaked(_every_output(app, client, world, share_urls))
    assert set(leaked) == {
        "passport PDF",
        "FHIR record",
        "data export",
        "share page",
        "SMART Health Link files",
    }
    consent = db.session.get(BirthParentConsent, consent.id)
    consent.withdrawn_on = clock.today()
    db.session.commit()
    assert _leaked(_every_output(app, client, world)) == {}
    # The link made before the withdrawal is still open, but no longer shows the birth history.
    old_link = app.test_client().get(share_urls[0])
    assert old_link.status_code == 200 and world.passport.legal_name in old_link.get_data(as_text=True)
    assert birth_leaks(old_link.get_data(as_text=True)) == set()
    _, _, files = shl_client.Client(app.test_client()).resolve(share_urls[1])
    assert world.passport.legal_name in files[0].body.decode()
    assert birth_leaks(files[0].body.decode()) == set()


def test_a_consent_that_allows_no_exports_keeps_it_on_the_young_persons_page_only(app, client, world):
    """The birth parent agreed the young person may see it, and nothing more: it is on their own page and
    in no download, record, data export or share link, even with every box ticked."""
    write_birth_history(world.passport, world.nurse)
    factories.create_consent(
        passport=world.passport, by=world.nurse, pdf=False, share_links=False, fhir=False
    )
    open_as_young_person(client, world)
    on_their_page = birth_leaks(client.get("/my-passport/birth").get_data(as_text=True))
    assert on_their_page == {*BIRTH_MARKERS.values(), "weight"}
    assert _leaked(_every_output(app, client, world)) == {}


# ---- 11. Every change is a POST with a CSRF token; a GET changes nothing -----------------------------------


# The SMART Health Link manifest is an API for apps on other sites (the spec's POST, JSON in and out). It
# takes no cookie and changes nothing a visitor could be tricked into changing, so it has no CSRF token:
# tests/web/test_smart_health_links.py holds it to the spec instead.
NO_CSRF_BY_DESIGN = {"share.shl_manifest"}
CSRF_TARGETS = [t for t in TARGETS if t.endpoint not in NO_CSRF_BY_DESIGN]


def test_only_the_smart_health_link_api_is_exempt_from_csrf(app):
    from passport.extensions import csrf

    exempt = {f"{view.__module__}.{view.__name__}" for view in app.view_functions.values()} & set(
        csrf._exempt_views
    )
    assert exempt == {"passport.share.views.shl_manifest"}


@pytest.mark.parametrize("target", CSRF_TARGETS, ids=[t.id for t in CSRF_TARGETS])
def test_a_post_without_its_csrf_token_changes_nothing(app, world, target):
    view = app.view_functions[target.endpoint]
    persona = persona_for(view.required_permission)
    newcomer = factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )
    if target.endpoint == "auth.set_up_authenticator_app":
        persona = "newcomer"
    _prepare(target, world)
    client = app.test_client()
    _sign_in(client, persona, view.required_permission, world, newcomer)
    before = every_row()
    response = client.post(_url(app, target, world), data={"password": factories.PASSWORD})
    assert response.status_code == 302, response.status_code
    assert every_row() == before
    page = page_text(client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True))
    assert "nothing was saved" in page


GETS = sorted(rule for (method, rule) in MATRIX if method == "GET")
# What a GET may write: its own audit record (a view of a passport is logged, SECURITY.md 20) and the
# session's bookkeeping (last seen, a pending authenticator secret).
BOOKKEEPING = {AuditEvent.__tablename__, "login_session"}
# Opening a share link also notes when it was last opened, which the young person sees beside the link.
ALSO_NOTED = {"/s/{token}": {ShareLink.__tablename__}}


@pytest.mark.parametrize("rule", GETS)
def test_a_get_changes_nothing(client, world, rule):
    url_template, expected = MATRIX[("GET", rule)]
    persona = next((p for p, status in expected.items() if status == 200 and p != "anonymous"), "anonymous")
    if persona != "anonymous":
        client.sign_in_as(getattr(world, persona))
    leave_out = BOOKKEEPING | ALSO_NOTED.get(rule, set())
    before = every_row(leave_out)
    response = client.get(url_template.format(**vars(world)))
    assert response.status_code < 500
    assert every_row(leave_out) == before


# ---- 12. Nothing is marked safe: autoescape does all the escaping ------------------------------------------

TEMPLATES = PACKAGE.parent / "templates"


def _markup_calls(package: Path = PACKAGE) -> list[str]:
    """Every `Markup(...)` in the code whose argument is not the output of one of our own (autoescaped)
    templates, `Markup(render_template(...))`, the one use that marks nothing new as safe."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Markup"):
                continue
            argument = node.args[0] if node.args else None
            rendered = (
                isinstance(argument, ast.Call)
                and getattr(argument.func, "id", getattr(argument.func, "attr", None)) == "render_template"
            )
            if not rendered:
                found.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return found


def test_no_template_or_code_marks_text_as_safe(app):
    """`|safe`, `Markup(text)` or `{% autoescape false %}` would let text through unescaped. None is used on
    text: QR codes are image data URIs, and no message needs HTML. (A template's own rendered output may be
    passed on as Markup: it was escaped as it was rendered.)"""
    offenders = [
        f"{path.relative_to(TEMPLATES.parent)}:{n}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\|\s*safe\b|autoescape\s+false|Markup", line)
    ]
    offenders += [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"__html__|autoescape\s*=\s*False", line)
    ]
    offenders += _markup_calls()
    assert offenders == []
    assert app.jinja_env.autoescape("any/page.html") and app.jinja_env.autoescape("pdf/passport.html")


def test_the_markup_check_catches_markup_on_text(tmp_path):
    (tmp_path / "passport").mkdir()
    (tmp_path / "passport" / "careless.py").write_text(
        "ok = Markup(render_template('x.html'))\nbad = Markup(user_text)\n", encoding="utf-8"
    )
    assert _markup_calls(tmp_path / "passport") == ["passport/careless.py:2"]


def test_no_message_or_translation_holds_markup():
    """Jinja treats translated text as already safe (flask-babel's lazy strings and the i18n extension both
    mark it so), so a translation holding HTML would reach the page as HTML. No message in the catalogue
    template or any language's catalogue holds a tag, a character reference or a javascript: link."""
    from babel.messages.pofile import read_po

    markup = re.compile(r"<\s*[a-zA-Z!/]|&#|&[a-zA-Z]+;|javascript:", re.IGNORECASE)
    root = PACKAGE.parent / "translations"
    catalogues = [root / "messages.pot", *sorted(root.glob("*/LC_MESSAGES/messages.po"))]
    assert len(catalogues) > 1
    offenders = []
    for path in catalogues:
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in (*ids, *strings):
                if text and markup.search(text):
                    offenders.append(f"{path.relative_to(root)}: {text[:80]!r}")
    assert offenders == []


# ---- 14. Too much for one QR code is explained, never a 500 ------------------------------------------------


def test_an_offline_card_too_big_for_one_qr_is_explained_beside_the_choice(client, world):
    health_cards.generate_key(world.organisation)
    db.session.commit()
    letters = random.Random(14)  # (names that do not compress away: the card is deflated before signing)
    for _ in range(40):
        name = "".join(letters.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(40))
        factories.create_item("allergy", passport=world.passport, by=world.nurse, substance=name)
    _record_a_vaccine(world)
    client.sign_in_as(world.young_person)
    response = client.post(
        "/my-passport/offline-card", data={"include_allergies": "y", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="include_allergies-error"' in html
    assert "Too much to fit in one QR code. Try again without your allergies" in page_text(html)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "health_card_issued")) is None
    # Without the allergies it fits.
    again = client.post("/my-passport/offline-card", data={"csrf_token": csrf_token(client)})
    assert 'alt="QR code of your signed vaccine card"' in again.get_data(as_text=True)


# ---- 19. Share links: only a hash of the token is stored ---------------------------------------------------


def test_a_share_token_is_in_no_column_of_any_table(client, world):
    ends = world.share_link.expires_at.date() - timedelta(days=1)
    client.sign_in_as(world.young_person)
    html = client.post(
        "/my-passport/share",
        data={
            "label": "New GP",
            "sections": ["about_me"],
            "expires_on-day": str(ends.day),
            "expires_on-month": str(ends.month),
            "expires_on-year": str(ends.year),
            "passcode": "a passcode",
            "csrf_token": csrf_token(client),
        },
    ).get_data(as_text=True)
    token = re.search(r"/s/([A-Za-z0-9_-]{43})<", html).group(1)
    assert len(token) == 43  # secrets.token_urlsafe(32): 256 bits
    everything = "\n".join(line for rows in every_row().values() for line in rows)
    assert token not in everything and "a passcode" not in everything
    link = db.session.scalar(select(ShareLink).where(ShareLink.label == "New GP"))
    assert link.expires_at is not None and link.passcode_hash.startswith("$argon2id$")


# ---- 20. Opening a share link is logged, and the young person reads it -------------------------------------


def test_every_open_of_a_share_link_shows_in_who_looked(app, client, world):
    visitor = app.test_client()
    for _ in range(2):
        assert visitor.get(f"/s/{factories.WORLD_SHARE_TOKEN}").status_code == 200
    opened = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "share_link_opened")).all()
    assert len(opened) == 2 and all(e.passport_id == world.passport.id for e in opened)
    client.sign_in_as(world.young_person)
    text = page_text(client.get("/my-passport/who-looked").get_data(as_text=True))
    assert text.count("Opened a link you shared") == 2
