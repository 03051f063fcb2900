"""Image pages: add and remove the pictures of a product, a version or an idea; serve them safely."""

import re

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, request, send_file, url_for
from flask_login import current_user, login_required

from cocreate.extensions import db, limiter
from cocreate.i18n import _
from cocreate.images import services
from cocreate.images.forms import ImageForm
from cocreate.images.models import Image, ImageState
from cocreate.images.processing import MIMETYPES
from cocreate.lookups import idea_or_404, product_or_404, version_or_404
from cocreate.products.models import Visibility
from cocreate.products.services import can_view
from cocreate.web import EmptyForm, change, form_status, render, see_other

bp = Blueprint("images", __name__)

UPLOAD_ENDPOINTS = {"images.product_images", "images.version_images", "images.idea_images"}
TOKEN = re.compile(r"[0-9a-f]{32}")


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


def back_url(target: services.Target) -> str:
    if target.idea is not None:
        return url_for("ideas.show", slug=target.product.slug, idea_id=target.idea.id)
    if target.version is not None:
        return url_for("products.show", slug=target.product.slug, _anchor=f"version-{target.version.id}")
    return url_for("products.show", slug=target.product.slug)


def manage_url(target: services.Target) -> str:
    if target.idea is not None:
        return url_for("images.idea_images", slug=target.product.slug, idea_id=target.idea.id)
    if target.version is not None:
        return url_for("images.version_images", slug=target.product.slug, version_id=target.version.id)
    return url_for("images.product_images", slug=target.product.slug)


def _read_upload(form: ImageForm) -> bytes | None:
    limit = current_app.config["IMAGE_MAX_BYTES"]
    data = form.image.data.read(limit + 1)
    if len(data) > limit:
        form.image.errors.append(_("That file is larger than %(mb)s MB. Make it smaller and try again.",
                                   mb=limit // (1024 * 1024)))
        return None
    if not data:
        form.image.errors.append(_("That file is empty."))
        return None
    return data


def _manage(target: services.Target):
    if not services.can_manage(target, current_user):
        abort(403)
    form = ImageForm()
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            with change(form.image) as done:
                services.add(target, current_user, data, form.alt.data or "")
            if done:
                flash(_("The image is uploaded. We are preparing it; it appears here and on the page in a few "
                        "seconds."), "success")
                return see_other(manage_url(target))
    images = services.images_of(target)
    return render("images/manage.html", "image_list", target=target, form=form, images=images,
                  processing=any(image.state == ImageState.PROCESSING for image in images),
                  problem_text=services.problem_text, manage=manage_url(target),
                  back=back_url(target), hint=services.size_hint()), form_status(form)


_LIMIT = "60/hour"


@bp.route("/p/<slug>/images", methods=["GET", "POST"])
@login_required
@limiter.limit(_LIMIT, methods=["POST"], key_func=_user_key)
def product_images(slug: str):
    return _manage(services.Target(product_or_404(slug)))


@bp.route("/p/<slug>/versions/<int:version_id>/images", methods=["GET", "POST"])
@login_required
@limiter.limit(_LIMIT, methods=["POST"], key_func=_user_key)
def version_images(slug: str, version_id: int):
    product = product_or_404(slug)
    return _manage(services.Target(product, version=version_or_404(product, version_id)))


@bp.route("/p/<slug>/ideas/<int:idea_id>/images", methods=["GET", "POST"])
@login_required
@limiter.limit(_LIMIT, methods=["POST"], key_func=_user_key)
def idea_images(slug: str, idea_id: int):
    product = product_or_404(slug)
    return _manage(services.Target(product, idea=idea_or_404(product, idea_id)))


def _visible_image(token: str) -> Image:
    """The image, if its product is one the current user may see; anything else is a 404."""
    if not TOKEN.fullmatch(token):
        abort(404)
    image = db.session.scalar(sa.select(Image).where(Image.token == token))
    if image is None or not can_view(image.product):
        abort(404)
    return image


@bp.post("/images/<token>/delete")
@login_required
def delete(token: str):
    image = _visible_image(token)
    if not services.can_delete(image, current_user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    target, paths = services.target_of(image), services.paths_of(image)
    back = manage_url(target)
    db.session.delete(image)
    db.session.commit()
    services.discard(paths)
    flash(_("The image is removed."), "success")
    return see_other(back)


def _serve(token: str, thumb: bool):
    image = _visible_image(token)
    if not image.ready:  # still being processed, or refused: there is no picture to show
        abort(404)
    path = services.path_of(image, thumb=thumb)
    if not path.is_file():
        abort(404)
    public = image.product.visibility == Visibility.PUBLIC
    response = send_file(path, mimetype=MIMETYPES[str(image.format)], conditional=True, etag=True,
                         max_age=31_536_000 if public else 3600, download_name=f"{image.token}.{image.extension}")
    # What we wrote is an image, and only that: never sniffed, never a document that could run script.
    response.headers["Content-Disposition"] = f'inline; filename="{image.token}.{image.extension}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"  # nosniff: security.py, on every response
    response.cache_control.public = public
    if public:
        response.cache_control.immutable = True  # the token never points at other bytes
    else:
        response.cache_control.private = True
        response.vary.add("Cookie")
    return response


@bp.get("/images/<token>")
def show(token: str):
    return _serve(token, thumb=False)


@bp.get("/images/<token>/thumb")
def thumb(token: str):
    return _serve(token, thumb=True)
