"""gunicorn settings; gunicorn reads ./gunicorn.conf.py from the directory it is started in.

The Server header: gunicorn sends "Server: gunicorn" and has no setting for it; we send a generic name that
says nothing about the software (tests/security/test_headers.py checks it).

Slow clients (issue 15.12): gunicorn's default sync worker serves one connection at a time and waits up to
`timeout` for a request to arrive in full, so two idle connections sending half a request stalled both workers
for 30 s. gthread workers keep idle connections in a poller and give each request a thread of its own: slow
clients take threads, not the site (tests/security/test_slowloris.py). This is a mitigation, not a defence
against many slow connections: production keeps a buffering reverse proxy in front (nginx, see the README),
which reads every request in full before gunicorn sees it. Bind and the number of workers stay on the
command line, as in the README.
"""

import gunicorn
import gunicorn.http.wsgi

gunicorn.SERVER = gunicorn.http.wsgi.SERVER = "cocreate"

worker_class = "gthread"
threads = 8  # per worker: the slow requests one worker can carry while still answering others
timeout = 30  # a worker stuck longer than this is restarted
keepalive = 5  # seconds an idle kept-alive connection may wait for its next request
