from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from passport.forms import ChoiceFromListField, TrimmedStringField
from passport.models import Role


class NewStaffForm(FlaskForm):
    display_name = TrimmedStringField(
        _l("Full name"), validators=[DataRequired(_l("Enter their full name")), Length(max=200)]
    )
    email = EmailField(
        _l("Work email address"),
        filters=[lambda v: v.strip() if v else v],
        validators=[
            DataRequired(_l("Enter their work email address")),
            Email(_l("Enter an email address in the right format, like name@example.com")),
            Length(max=254),
        ],
    )
    role = RadioField(
        _l("Role"),
        choices=[
            SelectChoice(Role.NURSE.value, _l("Nurse")),
            SelectChoice(Role.ADVISER.value, _l("Personal adviser")),
            SelectChoice(Role.ADMIN.value, _l("Organisation admin")),
        ],
        validators=[DataRequired(_l("Choose their role"))],
    )
    team = ChoiceFromListField(_l("Team"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A confirmation page's form: nothing to fill in but its CSRF token."""
