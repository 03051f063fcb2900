"""gunicorn settings; gunicorn reads ./gunicorn.conf.py from the directory it is started in.

Only one thing here: the Server header. gunicorn sends "Server: gunicorn" and has no setting for it;
we send a generic name that says nothing about the software (tests/security/test_headers.py checks it).
Everything else (bind, workers) stays on the command line, as in the README.
"""

import gunicorn
import gunicorn.http.wsgi

gunicorn.SERVER = gunicorn.http.wsgi.SERVER = "cocreate"
