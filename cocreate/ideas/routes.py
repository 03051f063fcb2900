from flask import Blueprint, abort, flash, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from cocreate.companies.access import require
from cocreate.extensions import db, limiter
from cocreate.i18n import _
from cocreate.ideas import cards, services
from cocreate.ideas.forms import (
    CommentForm,
    IdeaForm,
    IdeaTagsForm,
    ListFilters,
    MergeForm,
    StatusForm,
    TagForm,
    choices,
)
from cocreate.ideas.models import Comment, Idea, Status, Tag
from cocreate.lookups import idea_or_404, product_and_idea_or_404, product_or_404
from cocreate.products.models import Product
from cocreate.refusal import N_
from cocreate.web import EmptyForm, change, form_status, render, safe_next, see_other, wants_fragment

bp = Blueprint("ideas", __name__)

WRITE_LIMIT = "30/minute;300/day"


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


def _moderated_idea(slug: str, idea_id: int) -> tuple[Product, Idea]:
    """The product and idea for a team decision: the product team's role is checked before the idea is looked up."""
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    return product, idea_or_404(product, idea_id)


def _idea_url(idea: Idea, **kwargs) -> str:
    return url_for("ideas.show", slug=idea.product.slug, idea_id=idea.id, **kwargs)


def _form_choices(form: IdeaForm, product: Product) -> None:
    form.set_choices([t for t in product.touchpoints if t.active], services.released_versions(product),
                     services.tags_of(product))


# --- Lists -------------------------------------------------------------------------------------------

@bp.get("/p/<slug>/ideas")
def index(slug: str):
    product = product_or_404(slug)
    tags, touchpoints = services.filter_choices(product, _language())
    filters = ListFilters.read(request.args, (t for t, _name in tags), (t for t, _name in touchpoints))
    result = services.card_rows(product, current_user, sort=filters.sort, page=filters.page, status=filters.status,
                                tag_id=filters.tag_id, touchpoint_id=filters.touchpoint_id, q=filters.q)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render("ideas/index.html", "idea_list", product=product, result=result, cards=cards.cards(product, result),
                  filters=filters, tags=tags, touchpoints=touchpoints, args=args)


@bp.get("/p/<slug>/roadmap")
def roadmap(slug: str):
    product = product_or_404(slug)
    return render("ideas/roadmap.html", product=product, columns=services.roadmap(product))


# --- Submitting --------------------------------------------------------------------------------------

@bp.route("/p/<slug>/ideas/new", methods=["GET", "POST"])
@login_required
@limiter.limit(WRITE_LIMIT, key_func=_user_key, methods=["POST"])
def create(slug: str):
    product = product_or_404(slug)
    form = IdeaForm()
    _form_choices(form, product)
    if form.validate_on_submit():
        with change(form.title) as done:
            idea = services.create_idea(product, current_user, title=form.title.data,
                                        description=form.description.data or "",
                                        touchpoint_id=form.touchpoint_id.data, version_id=form.version_id.data,
                                        tag_ids=form.tag_ids.data or [])
        if done:
            flash(_("Thanks! Your idea is posted, and you follow it."), "success")
            return see_other(_idea_url(idea))
    similar = services.similar_ideas(product, form.title.data or "", _language()) if form.title.data else []
    return render("ideas/form.html", product=product, form=form, idea=None, similar=similar), (
        400 if form.errors else 200)


def _language() -> str:
    """The page's language, whose stop words the similar-idea suggestions leave out."""
    return str(get_locale() or "en")


@bp.get("/p/<slug>/ideas/similar")
def similar(slug: str):
    product = product_or_404(slug)
    title = request.args.get("title", "")[:200]
    return render("ideas/_similar.html", product=product, similar=services.similar_ideas(product, title, _language()))


@bp.route("/p/<slug>/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, idea_id: int):
    product = product_or_404(slug)
    idea = idea_or_404(product, idea_id)
    if not services.can_edit(idea, current_user):
        abort(403)
    form = IdeaForm(obj=idea, tag_ids=[t.id for t in idea.tags])
    _form_choices(form, product)
    if form.validate_on_submit():
        with change(form.title) as done:
            services.update_idea(idea, current_user, title=form.title.data, description=form.description.data or "",
                                 touchpoint_id=form.touchpoint_id.data, version_id=form.version_id.data,
                                 tag_ids=form.tag_ids.data or [])
        if done:
            flash(_("Your idea is updated."), "success")
            return see_other(_idea_url(idea))
    return render("ideas/form.html", product=product, form=form, idea=idea, similar=[]), form_status(form)


# --- One idea ----------------------------------------------------------------------------------------

def _version_choices(product: Product):
    return choices([("", _("— choose —"))] + [(str(v.id), v.label) for v in product.versions])


def _show_context(product: Product, idea: Idea, **overrides) -> dict:
    official, threads = services.comments_of(idea)
    team = services.is_team(current_user, product)
    # Forms only for who sees them: building one makes a CSRF token, and a token starts a session (a cookie),
    # which a visitor's page must not set (it is the same for everyone, and cached).
    status_form = merge_form = tags_form = None
    if team:
        status_form = StatusForm(formdata=None, status=idea.status.value if idea.status != Status.MERGED else "open",
                                 promised_on=idea.promised_on, shipped_version_id=idea.shipped_version_id)
        status_form.shipped_version_id.choices = _version_choices(product)
        tags_form = IdeaTagsForm(formdata=None, tag_ids=[t.id for t in idea.tags])
        tags_form.tag_ids.choices = choices((t.id, t.name) for t in services.tags_of(product))
        merge_form = MergeForm(formdata=None)
    context = dict(
        product=product, idea=idea, official=official, threads=threads, team=team,
        vote=cards.vote_button_for(product, idea, idea.id in services.voted_ids(current_user, [idea.id])),
        history=services.history(idea),
        comment_form=CommentForm(formdata=None) if current_user.is_authenticated else None,
        status_form=status_form, merge_form=merge_form, tags_form=tags_form,
        can_edit=services.can_edit(idea, current_user),
    )
    context.update(overrides)
    return context


@bp.get("/p/<slug>/ideas/<int:idea_id>")
def show(slug: str, idea_id: int):
    product, idea = product_and_idea_or_404(slug, idea_id)
    return render("ideas/show.html", **_show_context(product, idea))


@bp.post("/p/<slug>/ideas/<int:idea_id>/vote")
@login_required
@limiter.limit(WRITE_LIMIT, key_func=_user_key)
def vote(slug: str, idea_id: int):
    product, idea = product_and_idea_or_404(slug, idea_id)
    if request.form.get("vote") not in ("0", "1"):  # the CSRF token is checked before every POST (CSRFProtect)
        abort(400)
    want = request.form["vote"] == "1"
    status = 200
    with change(flash_refusal=not wants_fragment(), keep_loaded=True) as done:  # set_vote puts the counts on it
        services.set_vote(idea, current_user, want)
    if not done:
        status = 409
    if wants_fragment():
        voted = want if done else idea.id in services.voted_ids(current_user, [idea.id])  # done: as asked
        return cards.vote_button_for(product, idea, voted, error=status == 409), status
    return see_other(safe_next(_idea_url(idea)))


@bp.post("/p/<slug>/ideas/<int:idea_id>/comments")
@login_required
@limiter.limit(WRITE_LIMIT, key_func=_user_key)
def comment(slug: str, idea_id: int):
    product = product_or_404(slug)
    idea = idea_or_404(product, idea_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            parent_id = int(form.parent_id.data) if form.parent_id.data else None
            if parent_id is not None and not 0 < parent_id < 2**31:
                raise ValueError
        except ValueError:
            abort(400)
        with change(form.body) as done:
            new = services.add_comment(idea, current_user, form.body.data, parent_id)
        if done:
            if wants_fragment():
                return render("ideas/show.html", "comments", **_show_context(product, idea))
            flash(_("Your comment is posted."), "success")
            return see_other(_idea_url(idea, _anchor=f"comment-{new.id}"))
    # Invalid: the page again, with the text kept and the message beside the field: a reply's in its reply box.
    parent = request.form.get("parent_id", "")
    replied = db.session.get(Comment, int(parent)) if parent.isdigit() and 0 < int(parent) < 2**31 else None
    if replied is not None and replied.idea_id == idea.id and replied.deleted_at is None:
        context = _show_context(product, idea, reply_form=form, reply_to=replied.id)
    else:
        context = _show_context(product, idea, comment_form=form)
    return render("ideas/show.html", "comments", **context), 400


def _comment_or_404(product: Product, idea: Idea, comment_id: int) -> Comment:
    comment = db.get_or_404(Comment, comment_id)
    if comment.idea_id != idea.id:
        abort(404)
    return comment


def _own_comment(slug: str, idea_id: int, comment_id: int) -> tuple[Product, Idea, Comment]:
    """The comment, its idea and product, when the current user may change it (else 404 or 403)."""
    product = product_or_404(slug)
    idea = idea_or_404(product, idea_id)
    comment = _comment_or_404(product, idea, comment_id)
    if not services.can_change_comment(comment, current_user):
        abort(403)
    return product, idea, comment


@bp.route("/p/<slug>/ideas/<int:idea_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(slug: str, idea_id: int, comment_id: int):
    product, idea, comment = _own_comment(slug, idea_id, comment_id)
    form = CommentForm(obj=comment)
    if form.validate_on_submit():
        services.edit_comment(comment, current_user, form.body.data)
        db.session.commit()
        return see_other(_idea_url(idea, _anchor=f"comment-{comment.id}"))
    return render("ideas/comment_form.html", product=product, idea=idea, comment=comment, form=form), (
        400 if form.errors else 200)


@bp.post("/p/<slug>/ideas/<int:idea_id>/comments/<int:comment_id>/delete")
@login_required
def delete_comment(slug: str, idea_id: int, comment_id: int):
    product, idea, comment = _own_comment(slug, idea_id, comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_comment(comment, current_user)
    db.session.commit()
    flash(_("Your comment is deleted."), "info")
    return see_other(_idea_url(idea, _anchor="comments"))


@bp.post("/p/<slug>/ideas/<int:idea_id>/comments/<int:comment_id>/<any(official, helpful):mark>")
def mark_comment(slug: str, idea_id: int, comment_id: int, mark: str):
    product, idea = _moderated_idea(slug, idea_id)
    comment = _comment_or_404(product, idea, comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    # In place (htmx), the refusal is shown at the top of the discussion it is about (a flash would only show on
    # the next page); otherwise it is flashed on the page the person goes back to.
    with change(flash_refusal=not wants_fragment()) as done:
        if mark == "official":
            services.mark_official(comment, current_user)
        else:
            services.toggle_helpful(comment)
    if wants_fragment():
        return render("ideas/show.html", "comments", **_show_context(product, idea),
                      comments_refusal=done.refusal), 409 if done.refusal else 200
    return see_other(_idea_url(idea, _anchor=f"comment-{comment.id}"))


# --- The team's decisions ----------------------------------------------------------------------------

@bp.post("/p/<slug>/ideas/<int:idea_id>/status")
def change_status(slug: str, idea_id: int):
    product, idea = _moderated_idea(slug, idea_id)
    form = StatusForm()
    form.shipped_version_id.choices = _version_choices(product)
    if form.validate_on_submit():
        with change(form.status) as done:
            services.change_status(idea, current_user, Status(form.status.data), note=form.note.data or "",
                                   promised_on=form.promised_on.data,
                                   shipped_version_id=form.shipped_version_id.data)
        if done:
            if wants_fragment():
                return render("ideas/show.html", "status", **_show_context(product, idea))
            flash(_("Status changed to %(status)s.", status=idea.status.label.lower()), "success")
            return see_other(_idea_url(idea))
    return render("ideas/show.html", "status", **_show_context(product, idea, status_form=form)), 400


@bp.post("/p/<slug>/ideas/<int:idea_id>/merge")
def merge(slug: str, idea_id: int):
    product, idea = _moderated_idea(slug, idea_id)
    form = MergeForm()
    if form.validate_on_submit():
        target = db.session.get(Idea, form.target_id.data)
        with change(form.target_id) as done:
            if target is None or target.product_id != product.id:
                raise services.IdeaError(N_("%(product)s has no idea number %(number)s."),
                                         product=product.name, number=form.target_id.data)
            services.merge(idea, target, current_user, form.note.data or "")
        if done and target is not None:
            flash(_("Merged into “%(title)s”. Its voters now support that idea.", title=target.title), "success")
            return see_other(_idea_url(idea))
    return render("ideas/show.html", **_show_context(product, idea, merge_form=form)), 400


@bp.post("/p/<slug>/ideas/<int:idea_id>/unmerge")
def unmerge(slug: str, idea_id: int):
    product, idea = _moderated_idea(slug, idea_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with change() as done:
        services.unmerge(idea, current_user)
    if done:
        flash(_("The merge is undone."), "success")
    return see_other(_idea_url(idea))


@bp.post("/p/<slug>/ideas/<int:idea_id>/tags")
def set_tags(slug: str, idea_id: int):
    product, idea = _moderated_idea(slug, idea_id)
    form = IdeaTagsForm()
    form.tag_ids.choices = choices((t.id, t.name) for t in services.tags_of(product))
    if not form.validate_on_submit():
        abort(400)
    for attempt in range(3):
        try:
            services.set_tags(idea, form.tag_ids.data or [])
            db.session.commit()
            break
        except IntegrityError:  # the same tag saved by someone else at the same moment: theirs is there now
            db.session.rollback()
            if attempt == 2:
                raise
    flash(_("Tags saved."), "success")
    return see_other(_idea_url(idea))


@bp.route("/p/<slug>/tags", methods=["GET", "POST"])
def tags(slug: str):
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    form = TagForm()
    if form.validate_on_submit():
        with change(form.name) as done:
            services.add_tag(product, form.name.data)
        if done:
            return see_other(url_for("ideas.tags", slug=slug))
    return render("ideas/tags.html", product=product, form=form, tags=services.tags_of(product),
                  delete_form=EmptyForm()), form_status(form)


@bp.post("/p/<slug>/tags/<int:tag_id>/delete")
def delete_tag(slug: str, tag_id: int):
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    tag = db.get_or_404(Tag, tag_id)
    if tag.product_id != product.id or not EmptyForm().validate_on_submit():
        abort(404 if tag.product_id != product.id else 400)
    services.delete_tag(tag)
    db.session.commit()
    flash(_("Tag “%(name)s” removed.", name=tag.name), "info")
    return see_other(url_for("ideas.tags", slug=slug))
