"""`make loadtest`: customers browse, vote and comment on the demo, through the real forms (CSRF included).

Run by loadtest/run.py against gunicorn on 127.0.0.1; any answer of 400 or more is a failure.
Each simulated customer is one demo account (customer01 … customer40) and stays under the per-user
write limit (30/minute): about one write every 4-8 seconds.
"""

import itertools
import random
import re

from locust import HttpUser, between, task

PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo credential
ACCOUNTS = itertools.cycle(range(1, 41))
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PRODUCT = re.compile(r'href="/p/([a-z0-9-]+)"')
IDEA = re.compile(r'href="/p/([a-z0-9-]+)/ideas/(\d+)"')


class Customer(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.email = f"customer{next(ACCOUNTS):02d}@demo.example"
        page = self.client.get("/login", name="/login").text
        response = self.client.post("/login", data={"email": self.email, "password": PASSWORD,
                                                    "csrf_token": TOKEN.search(page).group(1)}, name="/login [POST]")
        response.raise_for_status()
        home = self.client.get("/", name="/").text
        self.products = sorted(set(PRODUCT.findall(home))) or ["fietsdeel"]

    def _ideas(self, slug: str) -> list[tuple[str, str]]:
        html = self.client.get(f"/p/{slug}/ideas?status=open", name="/p/[slug]/ideas?status=open").text
        return IDEA.findall(html)

    @task(6)
    def browse(self):
        slug = random.choice(self.products)  # noqa: S311 - load pattern, not security
        self.client.get(f"/p/{slug}", name="/p/[slug]")
        ideas = self._ideas(slug)
        if ideas:
            s, idea_id = random.choice(ideas)  # noqa: S311
            self.client.get(f"/p/{s}/ideas/{idea_id}", name="/p/[slug]/ideas/[id]")
        self.client.get("/board", name="/board")

    @task(2)
    def vote(self):
        ideas = self._ideas(random.choice(self.products))  # noqa: S311
        if not ideas:
            return
        slug, idea_id = random.choice(ideas)  # noqa: S311
        page = self.client.get(f"/p/{slug}/ideas/{idea_id}", name="/p/[slug]/ideas/[id]").text
        self.client.post(f"/p/{slug}/ideas/{idea_id}/vote",
                         data={"vote": random.choice("01"), "csrf_token": TOKEN.search(page).group(1)},  # noqa: S311
                         name="/p/[slug]/ideas/[id]/vote [POST]")

    @task(1)
    def comment(self):
        ideas = self._ideas(random.choice(self.products))  # noqa: S311
        if not ideas:
            return
        slug, idea_id = random.choice(ideas)  # noqa: S311
        page = self.client.get(f"/p/{slug}/ideas/{idea_id}", name="/p/[slug]/ideas/[id]").text
        self.client.post(f"/p/{slug}/ideas/{idea_id}/comments",
                         data={"body": "Load test: this would help me too.", "csrf_token": TOKEN.search(page).group(1)},
                         name="/p/[slug]/ideas/[id]/comments [POST]")
