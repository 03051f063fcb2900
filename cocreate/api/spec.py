"""The flask-smorest Api: it validates requests against the schemas of cocreate/api/routes.py and derives the
OpenAPI 3.1 document from them (apispec).

flask-smorest (marshmallow + apispec + webargs) was chosen over APIFlask and flask-openapi3 because it extends a
plain Flask app (both others want their own app class), and over spectree because it also gives ETags with
If-None-Match and keeps one schema for input, output and document.
"""

from flask_smorest import Api

from cocreate.api.schemas import ErrorOut


class CocreateApi(Api):
    """flask-smorest's Api without its error handlers: cocreate/errors.py answers every /api error as JSON in
    the shape of schemas.ErrorOut (the site's HTML pages keep their own error pages)."""

    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self):
        return None

    def register_blueprint(self, blp, **options):
        """As flask-smorest's, without the tag named after the blueprint: each operation carries its feature's
        tag (Products, Ratings and maturity, Ideas: routes.read and routes.write), listed in that order."""
        super().register_blueprint(blp, **options)
        self.spec._tags = [t for t in self.spec._tags if t["name"] != blp.name]  # noqa: SLF001 (apispec keeps no API)


api = CocreateApi()
