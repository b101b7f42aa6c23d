from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from passport.forms import (
    ChoiceFromListField,
    ChoicesFromListField,
    DatePartsField,
    SeenVersion,
    TrimmedStringField,
)


class TeamForm(FlaskForm):
    name = TrimmedStringField(
        _l("Team name"), validators=[DataRequired(_l("Enter the team's name")), Length(max=200)]
    )


class CareTeamForm(SeenVersion):
    team = ChoiceFromListField(_l("Team"), validators=[Optional()])
    nurses = ChoicesFromListField(
        _l("Nurses"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        not_in_list_message=_l("Choose nurses from your organisation's list"),
    )
    adviser = ChoiceFromListField(_l("Personal adviser"), validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file from your council's system"))
    # After a clean preview, the file's text comes back with the confirmation and is checked again.
    content = HiddenField()


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    event_type = ChoiceFromListField(_l("What happened"), validators=[Optional()])
    actor = ChoiceFromListField(_l("Who"), validators=[Optional()])
    date_from = DatePartsField(_l("From (optional)"))
    date_to = DatePartsField(_l("To (optional)"))
