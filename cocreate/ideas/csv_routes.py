"""CSV export and import of a product's ideas, for the product's team (idea.moderate)."""

from flask import Blueprint, Response, flash, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from cocreate.companies.access import require
from cocreate.extensions import db
from cocreate.i18n import _, _l, ngettext
from cocreate.ideas import csv_io
from cocreate.lookups import product_or_404
from cocreate.products.models import Product
from cocreate.products.touchpoint_names import language
from cocreate.web import render, see_other

bp = Blueprint("ideas_csv", __name__)


class UploadForm(FlaskForm):
    # The column names stay English in every language: they are what the file must contain.
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("Columns: title (required), description, votes, status. UTF-8, "
                                    "separated by commas or semicolons; the first line names the columns."))


class ConfirmForm(FlaskForm):
    csv_text = HiddenField(validators=[DataRequired()])


def _team_product(slug: str) -> Product:
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    return product


@bp.get("/p/<slug>/ideas.csv")
def export(slug: str):
    product = _team_product(slug)
    response = Response(csv_io.export_csv(product, language()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{product.slug}-ideas.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(product: Product, form: UploadForm, status: int = 200, **context):
    context.setdefault("parsed", None)
    context.setdefault("error", None)
    return render("ideas/import.html", product=product, form=form, **context), status


@bp.route("/p/<slug>/ideas/import", methods=["GET", "POST"])
def upload(slug: str):
    """Step 1: upload; the answer is a preview of accepted and rejected rows (nothing is written)."""
    product = _team_product(slug)
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(product, form, 400 if form.errors else 200)
    data = form.file.data.read(csv_io.MAX_BYTES + 1)
    try:
        parsed = csv_io.parse(data)
    except csv_io.ImportError_ as error:
        return _page(product, form, 400, error=str(error))
    confirm = ConfirmForm(formdata=None, csv_text=data.decode("utf-8-sig"))
    return _page(product, UploadForm(formdata=None), parsed=parsed, confirm=confirm)


@bp.post("/p/<slug>/ideas/import/confirm")
def confirm(slug: str):
    """Step 2: the team confirms the preview; the same text is parsed again and its accepted rows imported."""
    product = _team_product(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(product, UploadForm(formdata=None), 400, error=_("Upload the file again."))
    try:
        parsed = csv_io.parse(form.csv_text.data.encode("utf-8"))
    except csv_io.ImportError_ as error:
        return _page(product, UploadForm(formdata=None), 400, error=str(error))
    ideas = csv_io.import_rows(product, parsed.rows)
    db.session.commit()
    if parsed.rejected:
        # Translators: e.g. "Imported 2 ideas; 5 rejected rows were skipped."
        message = _("%(imported)s; %(skipped)s.",
                    imported=ngettext("Imported %(num)d idea", "Imported %(num)d ideas", len(ideas)),
                    skipped=ngettext("%(num)d rejected row was skipped", "%(num)d rejected rows were skipped",
                                     len(parsed.rejected)))
    else:
        message = ngettext("Imported %(num)d idea.", "Imported %(num)d ideas.", len(ideas))
    flash(message, "success")
    return see_other(url_for("ideas.index", slug=product.slug, sort="new"))
