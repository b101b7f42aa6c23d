"""Typed text and dates read the right way round in every language. A dose typed in English ("2 puffs")
must not turn into "puffs 2" on an Arabic page or in an Arabic PDF, an Arabic note must stay right to left on
an English page, and an Arabic date ("2 نوفمبر 2009") must not be forced left to right, which would make an
Arabic reader meet the year first."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from passport.i18n import as_written, direction_of
from tests import factories
from tests.conftest import csrf_token


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("2 puffs", "ltr"),
        ("Salbutamol", "ltr"),
        ("٢ بخة", "rtl"),  # Arabic, with an Arabic-Indic digit first
        ("2 نوفمبر 2009", "rtl"),
        ("دو پف", "rtl"),  # Persian
        ("ፓስፖርት", "ltr"),  # Tigrinya's Ge'ez script reads left to right
        ("(500 mg)", "ltr"),
        ("500", None),
        ("", None),
    ],
)
def test_the_direction_comes_from_the_first_letter(text, direction):
    assert direction_of(text) == direction


def test_typed_text_is_escaped_and_wrapped_in_its_own_direction(app):
    with app.app_context():
        assert str(as_written("2 puffs")) == '<span dir="ltr">2 puffs</span>'
        assert str(as_written('<script>alert("x")</script> نص')) == (
            '<span dir="ltr">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; نص</span>'
        )
        assert str(as_written("500")) == "500" and str(as_written(None)) == "" and str(as_written("")) == ""


def choose_language(client, locale):
    client.post("/language", data={"locale": locale, "next": "/", "csrf_token": csrf_token(client)})


def test_on_an_arabic_page_an_english_dose_and_an_arabic_date_each_keep_their_direction(client, world):
    factories.create_item(
        "medication", passport=world.passport, by=world.nurse, name="Salbutamol inhaler", dose="2 puffs"
    )
    client.sign_in_as(world.young_person)
    choose_language(client, "ar")

    health = client.get("/my-passport/health").get_data(as_text=True)
    assert '<span dir="ltr">2 puffs</span>' in health

    overview = client.get("/my-passport/").get_data(as_text=True)
    date_of_birth = re.search(r'<span dir="(\w+)">(\d+ \w+ \d{4})</span>', overview)
    assert date_of_birth, "the date of birth is not on the overview"
    assert date_of_birth.group(1) == "rtl"  # an Arabic month name: the date reads right to left


def test_on_an_english_page_an_arabic_note_stays_right_to_left(client, world):
    factories.create_item(
        "condition", passport=world.passport, by=world.nurse, name="Asthma", notes="يستخدم البخاخ عند الحاجة"
    )
    client.sign_in_as(world.young_person)
    choose_language(client, "en_GB")
    health = client.get("/my-passport/health").get_data(as_text=True)
    assert '<span dir="rtl">يستخدم البخاخ عند الحاجة</span>' in health


def test_the_english_copy_of_a_bilingual_pdf_has_an_english_footer(client, world):
    factories.create_item(
        "immunisation",
        passport=world.passport,
        by=world.nurse,
        vaccine_id="mmr",
        given_on=world.passport.date_of_birth + timedelta(days=400),
        where_given="uk_gp",
    )
    client.sign_in_as(world.young_person)
    choose_language(client, "ar")
    response = client.post(
        "/my-passport/download/passport",
        data={"csrf_token": csrf_token(client), "sections": ["about_me", "immunisations"], "bilingual": "y"},
    )
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(response.data)).pages]
    english = [text for text in pages if "In English, for health staff" in text]
    arabic = [text for text in pages if "In English, for health staff" not in text]
    assert english and arabic
    assert all("Produced from Health Passport on" in text for text in english)
    assert not any("Produced from Health Passport on" in text for text in arabic)


def test_a_template_follows_a_language_forced_inside_a_page_and_comes_back(app):
    """Templates remember the page's catalogue for the request (passport/i18n.py): an e-mail or PDF written
    in someone else's language from inside a page (force_locale) must still come out in that language, and
    the page must go on in its own."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "cy"}):
        assert render_template_string('{{ _("Ready") }}') == "Yn barod"
        with force_locale("ar"):
            assert render_template_string('{{ _("Ready") }}') == "مستعد"
        assert render_template_string('{{ _("Ready") }}') == "Yn barod"
        assert render_template_string('{{ ngettext("%(num)d gap", "%(num)d gaps", 1) }}') != "1 gap"
