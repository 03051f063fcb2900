"""The home page."""

from flask import Blueprint

from cocreate.products.services import visible_products
from cocreate.web import render

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render("main/index.html", products=visible_products())
