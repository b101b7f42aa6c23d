"""Bad input on every form: generated data posted to every POST route the app serves.

The routes come from `app.url_map` (a new form is fuzzed without anyone remembering to add it), each posted
by a person allowed to use it, with a valid CSRF token. The fields are the ones the form on its page really
has, each either left as the page filled it in or replaced with something hostile: very long strings,
control characters, right-to-left marks, emoji, HTML and script payloads, odd dates and huge numbers.

For every submission:
- no 5xx;
- payloads are inert in the HTML that comes back, and in the page a redirect leads to: no <script> without
  the page's nonce, no on…= event attribute, no tag a payload tried to open, and no payload text unescaped;
- a refused submission (4xx, or the form again with its error summary) changed nothing in the database
  (every table compared row by row), apart from the audit record of a refused sign-in or code.

Hypothesis runs derandomized with no example database, so CI sees the same examples every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from passport import clock, create_app
from passport.extensions import db, limiter
from passport.models import (
    AuditEvent,
    BatchItemStatus,
    BatchStatus,
    BirthHistory,
    Channel,
    MessageChannel,
    OfflineCopy,
    Passport,
    PdfBatch,
    PdfBatchItem,
    Role,
)
from passport.policy import PASSPORT_RULES, ROLE_RULES, Action
from passport.services import messages
from tests import factories
from tests.conftest import World, csrf_token
from tests.web.test_route_permissions import _example_url

MAX_EXAMPLES = 6

# Markup that must never come back live. Each is checked as raw text too.
MARKUP = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<fuzz-tag>",
    '<a href="javascript:alert(1)">x</a>',
    "</textarea><script>alert(2)</script>",
)
LIVE_TAGS = {"fuzz-tag", "svg"}
ODD_TEXT = (
    "",
    " ",
    "x" * 5000,
    "\u202egnp.exe",  # right-to-left override
    "\u200f\u200eمرحبا\u200f",  # RTL and LTR marks around Arabic
    "👩🏽‍⚕️🏳️‍🌈💉",
    "\u0000nul\u0000",
    "\x01\x07\x1b[31m\x7f",
    "line\r\nbreak\ttab",
    "\ufeffbom",
    "'; DROP TABLE user_account; --",
    "../../../etc/passwd",
    "%s%n%x",
    "ＡＢＣ１２３",
    "{{ 7 * 7 }}{% raw %}",  # template syntax: must come back as typed, never evaluated
)
ODD_NUMBERS = (
    "0",
    "-1",
    "31",
    "29",
    "13",
    "2",
    "1900",
    "0001",
    "9999",
    "99999999999999999999999",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "٣",
    "２０２４",
    "0x1F",
)

hostile = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(ODD_TEXT),
    st.sampled_from(ODD_NUMBERS),
    st.text(max_size=40),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=8), st.sampled_from(MARKUP), st.text(max_size=8)),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
)

# Who uses each route, from the policy's own tables: a role that may take the route's action.
PERSONA_OF_ROLE = {
    Role.NURSE: "nurse",
    Role.YOUNG_PERSON: "young_person",
    Role.ADMIN: "admin",
    Role.ADVISER: "adviser",
}
# A route that endless staff and young people may both use is fuzzed as a nurse.
ROLE_PREFERENCE = (Role.NURSE, Role.YOUNG_PERSON, Role.ADMIN, Role.ADVISER)
# Refusals that are still written down (a record of the attempt, not part of the refused change).
RECORDED_REFUSALS = {"sign_in_refused", "two_factor_refused"}


def persona_for(permission: str) -> str:
    kind, _, action = permission.partition(":")
    if kind == "public":
        return "anonymous"
    if kind == "own_passport":
        return "young_person"
    roles = ROLE_RULES[Action(action)] if kind == "role" else set(PASSPORT_RULES[Action(action)])
    return PERSONA_OF_ROLE[next(role for role in ROLE_PREFERENCE if role in roles)]


@dataclass(frozen=True)
class Target:
    endpoint: str
    kind: str | None = None  # for routes with a <kind> of item: each kind has its own form

    @property
    def id(self) -> str:
        return f"{self.endpoint}[{self.kind}]" if self.kind else self.endpoint


def _post_targets() -> list[Target]:
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    targets = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods:
            continue
        kinds = rule._converters["kind"].items if "kind" in rule.arguments else ()
        if kinds and "item_id" not in rule.arguments:
            targets.extend(Target(rule.endpoint, kind) for kind in sorted(kinds))
        else:
            targets.append(Target(rule.endpoint))
    return targets


TARGETS = _post_targets()


def test_every_post_route_is_fuzzed(app):
    served = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert {target.endpoint for target in TARGETS} == served


# ---- The forms on the page ------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, password, hidden, checkbox, radio, select, textarea
    value: str = ""
    options: list[str] = field(default_factory=list)
    numeric: bool = False  # a text box for a number: inputmode="numeric" or type="number"


@dataclass
class Form:
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)


class _Forms(HTMLParser):
    """Every POST form on a page, with its fields and the values the page filled in."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            action = urlsplit(a.get("action") or self.page_path).path
            self._form = Form(action)
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        fields = self._form.fields
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                existing = fields.setdefault(name, FormField(name, kind))
                # A box without a value sends "on"; a radio with value="" (say "No label") sends "".
                value = a.get("value") if a.get("value") is not None else "on"
                existing.options.append(value)
                if "checked" in a:
                    existing.value = value
            else:
                fields[name] = FormField(
                    name,
                    "password" if kind == "password" else kind,
                    a.get("value") or "",
                    numeric=a.get("inputmode") == "numeric" or kind == "number",
                )
        elif tag == "button":
            fields.setdefault(name, FormField(name, "radio")).options.append(a.get("value") or "")
        elif tag == "select":
            self._select = fields[name] = FormField(name, "select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value") or "")
            if "selected" in a:
                self._select.value = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = fields[name] = FormField(name, "textarea")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str, page_path: str) -> list[Form]:
    parser = _Forms(page_path)
    parser.feed(html)
    return parser.forms


KNOWN_VALUES = {
    "password": factories.PASSWORD,
    "current_password": factories.PASSWORD,
    "new_password": "a brand new long password",
    "confirm_new_password": "a brand new long password",
    "confirm_password": "a brand new long password",
}


def field_values(form_field: FormField):
    """What a field gets: what the page (or a person who knows the password) would send, or something hostile.
    None leaves the field out, as an unticked box is."""
    usual = KNOWN_VALUES.get(form_field.name, form_field.value)
    if form_field.kind == "checkbox" and len(form_field.options) > 1:
        return st.lists(st.one_of(st.sampled_from(form_field.options), hostile), max_size=3, unique=True)
    if form_field.kind == "checkbox":
        return st.one_of(st.none(), st.just(form_field.options[0]), hostile)
    choices = [st.just(usual)]
    if form_field.options:
        choices.append(st.sampled_from(form_field.options))
    return st.one_of(*choices, hostile)


# ---- What must hold for every response ------------------------------------------------------------------


class _LiveMarkup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "nonce" not in names:
            self.problems.append("a <script> without the page's nonce")
        if tag in LIVE_TAGS:
            self.problems.append(f"a live <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event attribute {name}= on <{tag}>")
            if name == "href" and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append("a javascript: link")


def assert_inert(response, submitted: list[str]) -> None:
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    checker = _LiveMarkup()
    checker.feed(html)
    assert not checker.problems, (response.request.path, checker.problems)
    for value in submitted:
        for markup in MARKUP:
            if markup in value:
                assert markup not in html, (response.request.path, f"{markup!r} came back unescaped")


# Counts of wrong attempts, written before the secret is checked (SECURITY.md 31): a refusal that moves one
# is still a refusal that saved nothing.
ATTEMPT_COUNTERS = {"message_channel": {"code_attempts"}}


def database_rows() -> dict[str, list[str]]:
    """Every row of every table, to compare before and after a refused submission."""
    with db.engine.connect() as connection:
        return {
            table.name: sorted(
                repr(tuple(row))
                for row in connection.execute(
                    select(*(c for c in table.columns if c.name not in ATTEMPT_COUNTERS.get(table.name, ())))
                )
            )
            for table in db.metadata.sorted_tables
            if table.name != AuditEvent.__tablename__
        }


def audit_types() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.event_type).order_by(AuditEvent.occurred_at)))


def is_refused(response) -> bool:
    return response.status_code >= 400 or (
        response.mimetype == "text/html" and "nhsuk-error-summary" in response.get_data(as_text=True)
    )


# ---- The test --------------------------------------------------------------------------------------------


def _url(app, target: Target, world: World) -> str:
    """The route's example URL (test_route_permissions keeps one per kind of argument), with values that
    let the form be used: the young person's own item (theirs to change, the nurse's to check), a passport
    still waiting for an invite."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == target.endpoint)
    _endpoint, values = app.url_map.bind("localhost").match(_example_url(app, rule, world), method="POST")
    if target.kind:
        values["kind"] = target.kind
    if target.endpoint in {
        "me.change_item",
        "me.remove_item",
        "staff.verify_item",
        "staff.check_against_photo",
    }:
        values.update(kind="condition", item_id=world.own_condition.id)
    if target.endpoint == "staff.issue_invite":
        values["passport_id"] = world.unclaimed_passport.id
    if target.endpoint == "staff.download_leaving_pack_batch":
        values["batch_id"] = db.session.scalar(select(PdfBatch.id))  # the nurse's own, from _prepare
    if target.endpoint == "messages.stop":
        # The link at the end of a message carries its signed token (_prepare made the number it stops).
        values["t"] = messages.stop_token(messages.channel_of(world.young_person, Channel.SMS))
    with app.test_request_context():
        return url_for(target.endpoint, **values)


# POST routes whose button no page of the test world shows: a shared link without a passcode, a leaving pack
# not handed over yet. They are still posted to, with only a CSRF token.
# (The copy on this phone: its button shows only to the phone that keeps one, by a cookie these clients lack.)
WITHOUT_A_FORM = {"share.open_link", "me.confirm_leaving_pack", "share.shl_manifest", "offline.stop"}


def _prepare(target: Target, world: World) -> None:
    """What a form needs before its page shows it: the young person's birth-history buttons appear once a
    birth parent has agreed they may see it (and the choices once they have opened it)."""
    if target.endpoint in {
        "me.open_birth_history",
        "me.close_birth_history",
        "me.choose_birth_history_outputs",
    }:
        db.session.add(
            BirthHistory(passport_id=world.passport.id, gestation_weeks=39, updated_by_id=world.nurse.id)
        )
        factories.create_consent(passport=world.passport, by=world.nurse, pdf=True, share_links=True)
        if target.endpoint != "me.open_birth_history":
            db.session.get(Passport, world.passport.id).birth_history_opened_at = clock.now()
        db.session.commit()
    if target.endpoint == "staff.choose_emergency_contact":
        # Contacts to choose from.
        for name in ("Sam Whitfield", "Lee Okafor"):
            factories.create_item(
                "contact",
                passport=world.passport,
                by=world.nurse,
                role="carer",
                name=name,
                phone="0300 000 1111",
            )
    if target.endpoint.startswith("messages.") and target.endpoint != "messages.weekly_email":
        # A number and an address to change, stop or start, and a code waiting to be typed.
        for channel, address, enabled in (
            (Channel.SMS, "+447700900123", target.endpoint != "messages.switch_on"),
            (Channel.EMAIL, world.young_person.email, True),
        ):
            db.session.add(
                MessageChannel(
                    user_id=world.young_person.id,
                    channel=channel,
                    address=address,
                    verified_at=clock.now(),
                    enabled=enabled,
                    pending_address="+447700900456" if channel is Channel.SMS else None,
                    code_hash="0" * 64 if channel is Channel.SMS else None,
                    code_sent_at=clock.now(),
                )
            )
        db.session.commit()
    if target.endpoint == "offline.stop_everywhere":
        db.session.add(OfflineCopy(user_id=world.young_person.id, token_hash="1" * 64))  # another phone's
        db.session.commit()
    if target.endpoint == "staff.check_against_photo":
        # The button shows beside a self-reported item that has a photo.
        factories.create_attachment(passport=world.passport, by=world.young_person, item=world.own_condition)
    if target.endpoint == "me.offline_card":
        # The signed vaccine card is offered once a vaccine is recorded.
        factories.create_item(
            "immunisation",
            passport=world.passport,
            by=world.nurse,
            vaccine_id="mmr",
            given_on=world.passport.date_of_birth + timedelta(days=400),
            where_given="uk_gp",
        )
    if target.endpoint == "staff.download_leaving_pack_batch":
        # A finished batch of the nurse's, so its page shows the download button.
        batch = PdfBatch(
            kind="leaving_packs",
            organisation_id=world.organisation.id,
            requested_by_id=world.nurse.id,
            status=BatchStatus.DONE,
            total=1,
            finished_at=clock.now(),
        )
        db.session.add(batch)
        db.session.flush()
        db.session.add(
            PdfBatchItem(
                batch_id=batch.id,
                passport_id=world.passport.id,
                position=1,
                status=BatchItemStatus.DONE,
                filename="001-leaving-pack.pdf",
                pdf=b"%PDF-1.7 invented",
            )
        )
        db.session.commit()


def _sign_in(client, persona: str, permission: str, world: World, newcomer) -> None:
    if persona == "anonymous":
        return
    user = newcomer if persona == "newcomer" else getattr(world, persona)
    client.sign_in_as(user, second_factor=permission != f"role:{Action.COMPLETE_SIGN_IN}")


def _find_form(client, url: str, get_urls: list[str]) -> tuple[str | None, Form | None]:
    """The page that holds the form posting to `url`: the URL itself, a page above it, or any page."""
    path = urlsplit(url).path
    parents = [url, path] if urlsplit(url).query else [path]
    while path not in ("", "/"):
        path = path.rsplit("/", 1)[0] or "/"
        parents.append(path)
    for page_url in [*parents, *get_urls]:
        response = client.get(page_url, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), response.request.path):
            if form.action == urlsplit(url).path:
                return response.request.path, form
    return None, None


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_fuzz_a_form(app, world, target: Target):
    view = app.view_functions[target.endpoint]
    persona = persona_for(view.required_permission)
    if target.endpoint == "auth.set_up_authenticator_app":
        persona = "newcomer"  # someone who has not set up an app yet
    newcomer = factories.create_user(
        role=Role.NURSE, organisation=world.organisation, team=world.team, totp_secret=None
    )
    _prepare(target, world)
    url = _url(app, target, world)
    get_urls = [
        _example_url(app, rule, world)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments - {"passport_id"} and rule.endpoint != "static"
    ]
    finder = app.test_client()
    _sign_in(finder, persona, view.required_permission, world, newcomer)
    page_url, form = _find_form(finder, url, get_urls)
    csrf_names = [n for n in (form.fields if form else {}) if n.endswith("csrf_token")] or ["csrf_token"]
    fields = {} if form is None else {n: f for n, f in form.fields.items() if n not in csrf_names}
    statuses: list[int] = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: it can run far more examples than max_examples. A failure names its input anyway.
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(values=st.fixed_dictionaries({name: field_values(f) for name, f in fields.items()}))
    def submit(values):
        limiter.reset()  # a 429 would stop the form being reached at all
        client = app.test_client()
        _sign_in(client, persona, view.required_permission, world, newcomer)
        token_page = client.get(page_url or "/language", follow_redirects=True)
        token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', token_page.get_data(as_text=True))
        if token is None:  # a page with no form of its own (a link that has stopped): the language page's
            token_page = client.get("/language")
            token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', token_page.get_data(as_text=True))
        data: list[tuple[str, str]] = [(name, token.group(1)) for name in csrf_names]
        for name, value in values.items():
            if isinstance(value, list):
                data.extend((name, each) for each in value)
            elif value is not None:
                data.append((name, value))
        submitted = [value for _name, value in data]
        rows_before, audit_before = database_rows(), audit_types()

        response = client.post(url, data=MultiDict(data))
        statuses.append(response.status_code)

        assert response.status_code < 500, (url, response.status_code, data)
        assert_inert(response, submitted)
        if is_refused(response):
            assert database_rows() == rows_before, (
                url,
                response.status_code,
                "a refused form saved something",
            )
            added = audit_types()[len(audit_before) :]
            assert set(added) <= RECORDED_REFUSALS, (url, added)
        elif response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/"):
            followed = client.get(response.headers["Location"])
            assert followed.status_code < 500, (response.headers["Location"], followed.status_code)
            assert_inert(followed, submitted)

    submit()
    # The submissions reached the view, not only the permission check or the CSRF check.
    assert any(status not in (403, 404, 405) for status in statuses), (target.id, statuses)
    assert page_url is not None or target.endpoint in WITHOUT_A_FORM, f"no form on any page posts to {url}"


def test_a_nul_character_is_a_bad_request_not_a_server_error(client, world):
    """Found by the fuzzing above on PostgreSQL, which cannot compare text holding NUL: now a 400 before any
    view runs, for forms and query strings alike."""
    response = client.post(
        "/sign-in", data={"email": "\x00nul\x00", "password": "x", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 400
    client.sign_in_as(world.nurse)
    assert client.get("/staff/caseload?text=a%00b").status_code == 400
