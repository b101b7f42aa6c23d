from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from passport.forms import DatePartsField, TrimmedStringField
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
        validators=[Optional(), Length(max=20)],
    )
    team = SelectField(_l("Team"), validators=[Optional()])
    care_status = RadioField(
        _l("Care status"),
        choices=[
            SelectChoice(CareStatus.IN_CARE.value, _l("In care")),
            SelectChoice(CareStatus.LEFT_CARE.value, _l("Left care")),
        ],
        default=CareStatus.IN_CARE.value,
        validators=[DataRequired(_l("Choose a care status"))],
    )


class IssueInviteForm(FlaskForm):
    """Only the CSRF token: issuing an invite is a POST with no other input."""
