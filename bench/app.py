"""The app as gunicorn serves it for the load test: production settings, rate limits off.

wrk is a single client sending thousands of writes from one address; with the limits on, the vote
measurement would measure 429 answers. Nothing else differs from wsgi.py.
"""

from cocreate import create_app

app = create_app({"RATELIMIT_ENABLED": False})
