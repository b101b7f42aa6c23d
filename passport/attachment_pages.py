"""Photos and files: the pages the young person and the nurse share (the list, adding one, removing one) and
serving a file. Each blueprint's views wear their access decorator and hand over to these with their
`Portal`; whether one file may be opened is services/attachments.visible, the policy's rule.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from passport import clock, policy, uploads
from passport.forms import apply_service_error
from passport.item_forms import ActionForm, speak_to_the_young_person
from passport.own_forms import AttachmentForm, BirthAttachmentForm, PaperForm
from passport.passport_pages import Portal, _item_view, _refused
from passport.projection import build_view
from passport.services import ServiceError, attachments
from passport.services.items import InputProblems

# The routes that take a file: the only ones allowed a request bigger than MAX_CONTENT_LENGTH
# (see PassportRequest in web.py).
UPLOAD_ENDPOINTS = frozenset(
    {
        "me.add_paper",
        "me.attach_to_item",
        "staff.add_paper",
        "staff.attach_to_item",
        "staff.attach_to_birth_history",
    }
)


def papers_page(portal: Portal, passport):
    view = build_view(current_user, passport, clock.today())
    return render_template(
        "passport/papers.html",
        view=view,
        portal=portal,
        usage=attachments.usage(passport),
        may_attach=bool(policy.decide_attach(current_user, passport, clock.today())),
    )


def add_attachment_page(
    portal: Portal,
    passport,
    *,
    kind: str | None = None,
    item_id: uuid.UUID | None = None,
    birth: bool = False,
):
    """Add a photo or file to an item (kind and item_id), to the birth history, or to the papers."""
    today = clock.today()
    decision = policy.decide_attach(current_user, passport, today)
    if not decision:
        _refused(decision)
    item = _item_view(passport, kind, item_id) if kind else None
    if birth:
        form, back = BirthAttachmentForm(), url_for("staff.birth_history_page", passport_id=passport.id)
    elif item is not None:
        form, back = AttachmentForm(), portal.section_url(kind)
    else:
        form, back = PaperForm(), portal.url("papers")
        if not portal.is_staff:
            speak_to_the_young_person(form)
    if form.validate_on_submit():
        upload = form.upload()
        target = attachments.Target(
            item_kind=kind, item_id=item_id, birth_part=form.birth_part.data if birth else None
        )
        try:
            attachments.add(
                current_user,
                passport,
                # One byte over the limit is enough to know it is too big, without reading it all.
                content=upload.stream.read(uploads.MAX_UPLOAD_BYTES + 1),
                filename=upload.filename,
                description=form.description.data,
                target=target,
                sensitivity=form.sensitivity.data if isinstance(form, PaperForm) else None,
            )
        except InputProblems as error:
            for field_name, message in error.problems:
                apply_service_error(form, ServiceError(message, field=field_name))
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Saved"), "success")
            return redirect(back)
    return render_template(
        "passport/add_attachment.html",
        form=form,
        item=item,
        birth=birth,
        portal=portal,
        back=back,
        usage=attachments.usage(passport),
        name=passport.name_to_use,
    )


def remove_attachment_page(portal: Portal, passport, attachment_id: uuid.UUID):
    attachment = attachments.visible(current_user, passport, attachment_id)
    if attachment is None:
        abort(404)
    decision = policy.decide_remove_attachment(current_user, passport, attachment, clock.today())
    if not decision:
        _refused(decision)
    form = ActionForm()
    if form.validate_on_submit():
        attachments.remove(current_user, passport, attachment)
        flash(_("Removed"), "success")
        return redirect(portal.url("papers"))
    view = build_view(current_user, passport, clock.today())
    shown = next((a for a in view.attachments if a.id == attachment_id), None)
    return render_template(
        "passport/remove_attachment.html",
        form=form,
        attachment=shown,
        portal=portal,
        back=portal.url("papers"),
    )


def attachment_file(passport, attachment_id: uuid.UUID, *, thumbnail: bool = False):
    """The file itself, only if the signed-in person may open it now; 404 otherwise, whatever the reason,
    so a refused person does not learn that it exists."""
    attachment = attachments.visible(current_user, passport, attachment_id)
    if attachment is None:
        abort(404)
    if not thumbnail:
        attachments.record_opened(current_user, passport, attachment)
    return attachments.file_response(attachment, thumbnail=thumbnail)
