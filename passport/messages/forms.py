"""The forms for choosing how to get messages, with messages in the NHS voice ("Enter your mobile number")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired, Length

from passport.forms import TrimmedStringField


class MobileNumberForm(FlaskForm):
    address = TrimmedStringField(
        _l("Mobile number"),
        description=_l("A UK mobile number, like 07700 900123"),
        validators=[
            DataRequired(_l("Enter your mobile number")),
            Length(max=40, message=_l("Enter a UK mobile number, like 07700 900123")),
        ],
    )


class EmailAddressForm(FlaskForm):
    address = TrimmedStringField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address")),
            Length(
                max=254, message=_l("Enter an email address in the correct format, like name@example.com")
            ),
        ],
    )


class CodeForm(FlaskForm):
    code = TrimmedStringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the code")),
            Length(max=20, message=_l("The code is not right. Check the message and try again")),
        ],
    )


class MoreDetailForm(FlaskForm):
    more_detail = BooleanField(_l("Say what each reminder is about in my emails (texts never say)"))


class StopForm(FlaskForm):
    t = HiddenField()
