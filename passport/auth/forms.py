from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from passport.forms import DatePartsField, TrimmedStringField


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[lambda v: v.strip() if v else v],
        validators=[DataRequired(_l("Enter your email address")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password")), Length(max=256)]
    )
    remember_me = BooleanField(_l("Keep me signed in on this device"))


class NewPasswordMixin:
    password = PasswordField(
        _l("Create a password"),
        description=_l("At least 8 characters. A few words together are easy to remember."),
        validators=[DataRequired(_l("Create a password"))],
    )
    confirm_password = PasswordField(
        _l("Type your password again"),
        validators=[
            DataRequired(_l("Type your password again")),
            EqualTo("password", _l("The passwords do not match. Type them again")),
        ],
    )


class ClaimPassportForm(NewPasswordMixin, FlaskForm):
    code = TrimmedStringField(
        _l("Your code"),
        description=_l("Your nurse gave you this code. It looks like ABCD-EFGH-JKMN."),
        validators=[DataRequired(_l("Enter the code your nurse gave you")), Length(max=40)],
    )
    date_of_birth = DatePartsField(
        _l("Date of birth"),
        validators=[DataRequired()],
        required_message=_l("Enter your date of birth"),
        hint=_l("For example, 27 3 2008"),
    )
    email = EmailField(
        _l("Email address"),
        description=_l("You will use this to sign in. We will not share it."),
        filters=[lambda v: v.strip() if v else v],
        validators=[
            DataRequired(_l("Enter your email address")),
            Email(_l("Enter an email address in the right format, like name@example.com")),
            Length(max=254),
        ],
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    code = TrimmedStringField(
        _l("Your code"),
        description=_l("Your nurse or personal adviser gave you this code. It looks like ABCD-EFGH-JKMN."),
        validators=[
            DataRequired(_l("Enter the code your nurse or personal adviser gave you")),
            Length(max=40),
        ],
    )
    date_of_birth = DatePartsField(
        _l("Date of birth"),
        validators=[DataRequired()],
        required_message=_l("Enter your date of birth"),
        hint=_l("For example, 27 3 2008"),
    )


class StaffSetUpForm(NewPasswordMixin, FlaskForm):
    code = TrimmedStringField(
        _l("Set-up code"),
        validators=[DataRequired(_l("Enter your set-up code")), Length(max=40)],
    )


class SecurityCodeForm(FlaskForm):
    code = TrimmedStringField(
        _l("Security code"),
        description=_l("The 6-digit code your authenticator app shows for Health Passport."),
        validators=[DataRequired(_l("Enter the security code from your authenticator app")), Length(max=20)],
    )


class RecoveryCodeForm(FlaskForm):
    code = TrimmedStringField(
        _l("Recovery code"),
        description=_l("One of the 10 codes you saved when you set up your app. It looks like ABCDE-FGHJK."),
        validators=[DataRequired(_l("Enter one of your recovery codes")), Length(max=40)],
    )


class ConfirmPasswordForm(FlaskForm):
    # Only messages the catalogues already hold: this page adds nothing for translators.
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password")), Length(max=256)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Your current password"),
        validators=[DataRequired(_l("Enter your current password")), Length(max=256)],
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 8 characters. A few words together are easy to remember."),
        # Length is checked by the service (passwords.password_problem), with its own message.
        validators=[DataRequired(_l("Create a new password"))],
    )
    confirm_new_password = PasswordField(
        _l("Type your new password again"),
        validators=[
            DataRequired(_l("Type your new password again")),
            EqualTo("new_password", _l("The passwords do not match. Type them again")),
        ],
    )
