"""The ceiling: a Flask hello-world, served beside the app with the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
