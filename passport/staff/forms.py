from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from passport.forms import (
    ChoiceFromListField,
    DatePartsField,
    SeenVersion,
    TrimmedStringField,
    WholeNumberField,
    valid_nhs_number,
)
from passport.models import CareStatus


class NewPassportForm(FlaskForm):
    legal_name = TrimmedStringField(
        _l("Full name"),
        description=_l("As it appears on their records"),
        validators=[DataRequired(_l("Enter the young person's full name")), Length(max=200)],
    )
    preferred_name = TrimmedStringField(
        _l("Name they like to be called (optional)"), validators=[Optional(), Length(max=200)]
    )
    date_of_birth = DatePartsField(
        _l("Date of birth"),
        validators=[DataRequired()],
        required_message=_l("Enter their date of birth"),
        hint=_l("For example, 27 3 2008"),
    )
    nhs_number = TrimmedStringField(
        _l("NHS number (optional)"),
        description=_l("10 digits, like 943 476 5919"),
        validators=[Optional(), valid_nhs_number],
    )
    team = ChoiceFromListField(_l("Team"), validators=[Optional()])
    care_status = RadioField(
        _l("Care status"),
        choices=[
            SelectChoice(CareStatus.IN_CARE.value, _l("In care")),
            SelectChoice(CareStatus.LEFT_CARE.value, _l("Left care")),
        ],
        default=CareStatus.IN_CARE.value,
        validators=[DataRequired(_l("Choose a care status"))],
    )


class CaseloadSearchForm(FlaskForm):
    """The caseload's search and filters: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    text = TrimmedStringField(
        _l("Search by name, date of birth or NHS number"), validators=[Optional(), Length(max=100)]
    )
    age_band = ChoiceFromListField(
        _l("Age"),
        choices=[
            SelectChoice("", _l("Any age")),
            SelectChoice("under_16", _l("Under 16")),
            SelectChoice("16_to_17", _l("16 and 17")),
            SelectChoice("18_and_over", _l("18 and over")),
        ],
        validators=[Optional()],
    )
    care_status = ChoiceFromListField(
        _l("Care status"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice(CareStatus.IN_CARE.value, _l("In care")),
            SelectChoice(CareStatus.LEFT_CARE.value, _l("Left care")),
        ],
        validators=[Optional()],
    )
    readiness = ChoiceFromListField(
        _l("Ready to leave care"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("gaps", _l("Has gaps")),
            SelectChoice("ready", _l("Ready")),
        ],
        validators=[Optional()],
    )
    pack_due = BooleanField(_l("Only those whose leaving pack is due"))
    sort = ChoiceFromListField(
        _l("Sort by"),
        choices=[
            SelectChoice("leaving_soonest", _l("Fewest days to 18th birthday")),
            SelectChoice("name", _l("Name")),
        ],
        validators=[Optional()],
    )


class SdqForm(FlaskForm):
    scored_on = DatePartsField(
        _l("Date of the SDQ"), validators=[DataRequired()], required_message=_l("Enter the date of the SDQ")
    )
    total = WholeNumberField(
        _l("Total difficulties score"),
        description=_l("From 0 to 40"),
        minimum=0,
        maximum=40,
        message=_l("Enter a total score from 0 to 40"),
        required=True,
    )
    informant = RadioField(
        _l("Who filled it in?"),
        choices=[
            SelectChoice("carer", _l("Carer")),
            SelectChoice("young_person", _l("Young person")),
            SelectChoice("teacher", _l("Teacher")),
        ],
        default="carer",
        validators=[DataRequired(_l("Choose who filled it in"))],
    )


class HandoverForm(SeenVersion):
    handed_over_on = DatePartsField(
        _l("Date handed over"),
        validators=[DataRequired()],
        required_message=_l("Enter the date the pack was handed over"),
    )
    how = RadioField(
        _l("How was it given?"),
        choices=[
            SelectChoice("in_person", _l("In person")),
            SelectChoice("post", _l("By post")),
            SelectChoice("email", _l("By email")),
            SelectChoice("in_the_app", _l("In the app")),
        ],
        validators=[DataRequired(_l("Choose how the pack was given"))],
    )


class IssueInviteForm(FlaskForm):
    """Only the CSRF token: issuing an invite is a POST with no other input."""


class LeavingPackBatchForm(FlaskForm):
    """Whose leaving-pack PDFs to make in the background (services/pdf_batches.py)."""

    cohort = RadioField(
        _l("Whose leaving packs?"),
        choices=[
            SelectChoice("pack_due", _l("Everyone whose leaving pack is due")),
            SelectChoice("everyone", _l("Everyone on my caseload")),
        ],
        default="pack_due",
        validators=[DataRequired(_l("Choose whose leaving packs to make"))],
    )
