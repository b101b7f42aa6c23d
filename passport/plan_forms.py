"""Forms for health plans, EHCPs and moves across boundaries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from passport import labels
from passport.forms import ChoiceFromListField, DatePartsField, SeenVersion


class HealthActionForm(FlaskForm):
    what = TextAreaField(
        _l("What will be done?"),
        description=_l("Be specific, for example: Book a dentist check-up at Smile Dental"),
        validators=[Optional(), Length(max=1000)],
    )
    owner = RadioField(
        _l("Who will do it?"),
        choices=[SelectChoice(k, v) for k, v in labels.ACTION_OWNER.items()],
        # The service checks it, with the other rules, so every problem is shown at once.
        validate_choice=False,
        validators=[Optional()],
    )
    due_on = DatePartsField(_l("To be done by"), hint=_l("For example, 15 1 2027"))
    # The view lists the young person's assessments; the service checks the answer is one of them.
    assessment = SelectField(
        _l("Agreed at which health assessment?"), validate_choice=False, validators=[Optional()]
    )


class NotDoneForm(SeenVersion):
    reason = TextAreaField(_l("Why was it not done?"), validators=[Optional(), Length(max=1000)])


class EhcpForm(SeenVersion):
    has_ehcp = BooleanField(_l("Has an Education, Health and Care Plan (EHCP)"))
    ehcp_review_on = DatePartsField(_l("Next EHCP review (optional)"))


class GrantForm(FlaskForm):
    grantee_email = EmailField(
        _l("The host area nurse's work email"),
        description=_l("They must already have a Health Passport staff account in their own organisation."),
        filters=[lambda v: v.strip() if v else v],
        validators=[Optional(), Length(max=254)],
    )
    scope = RadioField(
        _l("What may they do?"),
        choices=[SelectChoice(k, v) for k, v in labels.GRANT_SCOPE.items()],
        validators=[Optional()],
    )
    starts_on = DatePartsField(_l("From"))
    ends_on = DatePartsField(_l("Until"), hint=_l("Access ends by itself at the end of this day"))
    reason = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=1000)])


class TransferForm(SeenVersion):
    to_organisation = ChoiceFromListField(_l("Moving to"), validators=[Optional()])
    reason = TextAreaField(_l("Why is the passport moving?"), validators=[Optional(), Length(max=1000)])
