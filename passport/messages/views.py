"""Thin views over services/messages.py: each wears its access decorator and hands over to the service."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport.access import public, requires, requires_own_passport
from passport.extensions import limiter
from passport.forms import apply_service_error
from passport.item_forms import ActionForm
from passport.messages import bp
from passport.messages.forms import CodeForm, EmailAddressForm, MobileNumberForm, MoreDetailForm, StopForm
from passport.models import Channel, MessageStatus, Role
from passport.policy import Action
from passport.services import ServiceError, messages, notify
from passport.services.notify import TEMPLATES
from passport.services.reminders import KIND_PAGES, KIND_WORDS

HOW = "<any(text, email):how>"


@bp.app_template_filter("left_to_right")
def left_to_right(text: str) -> str:
    """A number or address inside a sentence, kept left to right in Arabic, Farsi and Pashto (Unicode's
    left-to-right isolate: text only, no markup in a translated sentence)."""
    return f"\u2066{text}\u2069" if text else ""


CHANNEL_OF = {"text": Channel.SMS, "email": Channel.EMAIL}


def _code_limit() -> str:
    # A code costs a text: a few an hour is plenty for someone typing their own number.
    return current_app.config.get("MESSAGE_CODE_LIMIT", "5 per hour")


def _user_key() -> str:
    return f"message-code:{getattr(current_user, 'id', None) or request.remote_addr}"


@bp.get("/")
@requires(Action.RECEIVE_MESSAGES)
def index():
    mode = notify.mode()
    sent = messages.messages_of(current_user)
    shown = [
        {
            "message": messages.sent_summary(message),
            "what": KIND_WORDS.get(message.kind, ""),
            "page": KIND_PAGES.get(message.kind),
            "status": messages.STATUS_WORDS.get(MessageStatus(message.status), ""),
            # In the message log (no Notify here), what it said: the demo and a laptop show it in full.
            "text": TEMPLATES[message.template].render(message.personalisation or {})
            if message.status == MessageStatus.LOGGED and message.template in TEMPLATES
            else None,
        }
        for message in sent
    ]
    channels = messages.channel_summaries(current_user)
    detail_form = MoreDetailForm(
        more_detail=bool(channels.get(Channel.EMAIL) and channels[Channel.EMAIL].more_detail)
    )
    return render_template(
        "messages/index.html",
        mode=mode,
        sent=shown,
        channels=channels,
        detail_form=detail_form,
        action_form=ActionForm(),
        is_young_person=Role(current_user.role) is Role.YOUNG_PERSON,
        format_mobile=messages.format_mobile,
    )


@bp.route(f"/{HOW}", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
@limiter.limit(_code_limit, key_func=_user_key, methods=["POST"])
def choose_address(passport, how):
    channel = CHANNEL_OF[how]
    form = MobileNumberForm() if channel is Channel.SMS else EmailAddressForm()
    current = messages.channel_of(current_user, channel)
    if (
        request.method == "GET"
        and current is not None
        and current.pending_address
        and request.args.get("again")
    ):
        form.address.data = (
            messages.format_mobile(current.pending_address)
            if channel is Channel.SMS
            else current.pending_address
        )
    if form.validate_on_submit():
        try:
            messages.ask_for_code(current_user, channel, form.address.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            return redirect(url_for("messages.confirm_code", how=how))
    return render_template("messages/address.html", form=form, how=how)


@bp.route(f"/{HOW}/code", methods=["GET", "POST"])
@requires_own_passport(Action.ACT_AS_OWNER)
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT"], key_func=_user_key, methods=["POST"])
def confirm_code(passport, how):
    channel = CHANNEL_OF[how]
    row = messages.channel_of(current_user, channel)
    if row is None or row.pending_address is None:
        return redirect(url_for("messages.choose_address", how=how))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            messages.check_code(current_user, channel, form.code.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(
                _("Your number is saved. We will send reminders to it.")
                if channel is Channel.SMS
                else _("Your email address is saved. We will send reminders to it."),
                "success",
            )
            return redirect(url_for("messages.index"))
    return render_template(
        "messages/code.html",
        form=form,
        how=how,
        sent_to=messages.masked(channel, row.pending_address),
        logged=notify.mode() == "log",
    )


@bp.post(f"/{HOW}/stop")
@requires_own_passport(Action.ACT_AS_OWNER)
def switch_off(passport, how):
    if ActionForm().validate_on_submit():
        messages.switch(current_user, CHANNEL_OF[how], False)
        flash(
            _("Texts are off. You can turn them on again here.")
            if how == "text"
            else _("Emails are off. You can turn them on again here."),
            "success",
        )
    return redirect(url_for("messages.index"))


@bp.post(f"/{HOW}/start")
@requires_own_passport(Action.ACT_AS_OWNER)
def switch_on(passport, how):
    if ActionForm().validate_on_submit():
        messages.switch(current_user, CHANNEL_OF[how], True)
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("messages.index"))


@bp.post("/email/detail")
@requires_own_passport(Action.ACT_AS_OWNER)
def email_detail(passport):
    form = MoreDetailForm()
    if form.validate_on_submit():
        messages.set_more_detail(current_user, bool(form.more_detail.data))
        flash(_("Saved. Your choice works straight away."), "success")
    return redirect(url_for("messages.index"))


@bp.post("/weekly-email")
@requires(Action.GET_WEEKLY_EMAIL)
def weekly_email():
    if ActionForm().validate_on_submit():
        # The button names the state it asks for, so a second tab left open never flips it back.
        turn_on = request.form.get("turn") != "off"
        try:
            messages.set_weekly_email(current_user, turn_on)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(
                _("You will get a weekly email.") if turn_on else _("You will not get the weekly email."),
                "success",
            )
    return redirect(url_for("messages.index"))


@bp.route("/stop", methods=["GET", "POST"])
@public
def stop():
    """The link at the end of every message: a page naming what stops, then one button. No sign-in: the
    link itself is signed for that number or address."""
    form = StopForm()
    token = request.values.get("t")
    row = messages.channel_for_stop_token(token)
    if row is None:
        abort(404)
    stopped = False
    if form.validate_on_submit():
        messages.stop_by_link(row)
        stopped = True
    form.t.data = token
    is_text = row.channel == Channel.SMS
    stopped = stopped or not row.enabled
    if stopped:
        heading = (
            _("Texts from Health Passport are off") if is_text else _("Emails from Health Passport are off")
        )
    else:
        heading = _("Stop texts from Health Passport?") if is_text else _("Stop emails from Health Passport?")
    return render_template(
        "messages/stop.html",
        form=form,
        shown=messages.masked(row.channel, row.address),
        is_text=is_text,
        stopped=stopped,
        heading=heading,
    )
