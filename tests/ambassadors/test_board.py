"""The leaderboard: who may see it, what it shows (and never shows), filters, htmx, query count."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cocreate.ambassadors import leaderboard, scores, shortlist
from cocreate.auth.models import User
from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status
from tests import factories
from tests.ambassadors.helpers import NOW, customer, idea, vote
from tests.conftest import count_queries, login


def refresh(company, now=None):
    scores.refresh_scores(company, now)
    db.session.commit()


def board_url(company, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/c/{company.slug}/ambassadors" + (f"?{query}" if query else "")


@pytest.mark.parametrize("role", [Role.OWNER, Role.MARKETING])
def test_owner_and_marketing_see_the_ranked_customers(client, product, company, role):
    ana, bo = customer(name="Ana Amsel"), customer(name="Bo Berg")
    idea(product, ana, status=Status.SHIPPED, reached=NOW)
    idea(product, bo)
    refresh(company)
    login(client, factories.member(company, role))
    html = client.get(board_url(company)).get_data(as_text=True)
    assert html.index("Ana Amsel") < html.index("Bo Berg")
    assert "1 idea (" in html and "1 shipped (" in html and "Fietsdeel" in html


@pytest.mark.parametrize("role", [None, Role.PRODUCT])
def test_customers_and_product_role_get_403(client, company, role):
    user = factories.UserFactory() if role is None else factories.member(company, role)
    login(client, user)
    for path in ("", "/shortlist", "/shortlist.csv"):
        assert client.get(f"/c/{company.slug}/ambassadors{path}").status_code == 403


def test_anonymous_goes_to_login(client, company):
    response = client.get(board_url(company))
    assert response.status_code in (302, 303) and "/login" in response.location


def test_marketing_of_another_company_gets_403(client, company):
    other = factories.CompanyFactory()
    login(client, factories.member(other, Role.MARKETING))
    assert client.get(board_url(company)).status_code == 403


def test_email_shows_only_for_customers_who_opted_in(client, product, company, marketer):
    shy = customer(name="Shy Customer", email="shy@example.com")
    open_ = customer(name="Open Customer", email="open@example.com", contact_opt_in=True)
    idea(product, shy)
    idea(product, open_)
    refresh(company)
    login(client, marketer)
    html = client.get(board_url(company)).get_data(as_text=True)
    assert "Shy Customer" in html and "open@example.com" in html
    assert "shy@example.com" not in html
    only_agreed = client.get(board_url(company, consent="yes")).get_data(as_text=True)
    assert "Open Customer" in only_agreed and "Shy Customer" not in only_agreed


def test_filters_by_product_and_period(client, product, company, marketer):
    second = factories.rated_product(company, name="Thuisbatterij")
    ana, bo = customer(name="Ana Amsel"), customer(name="Bo Berg")
    idea(product, ana, at=NOW - timedelta(days=200))
    idea(second, bo, at=NOW - timedelta(days=5))
    refresh(company, NOW)
    login(client, marketer)
    by_product = client.get(board_url(company, product=second.id)).get_data(as_text=True)
    assert "Bo Berg" in by_product and "Ana Amsel" not in by_product
    recent = client.get(board_url(company, period=30)).get_data(as_text=True)
    assert "Bo Berg" in recent and "Ana Amsel" not in recent
    assert "Ana Amsel" in client.get(board_url(company, period=0)).get_data(as_text=True)


def test_sorting_and_bad_filters_are_not_errors(client, product, company, marketer):
    shipper, busy = customer(name="Zed Zuid"), customer(name="Amy Aart")
    idea(product, shipper, status=Status.SHIPPED, reached=NOW)
    for i in range(3):
        idea(product, busy, title=f"Idea {i}", at=NOW - timedelta(days=30))
    refresh(company, NOW)
    login(client, marketer)
    by_score = client.get(board_url(company, sort="score")).get_data(as_text=True)
    assert by_score.index("Zed Zuid") < by_score.index("Amy Aart")
    by_ideas = client.get(board_url(company, sort="ideas")).get_data(as_text=True)
    assert by_ideas.index("Amy Aart") < by_ideas.index("Zed Zuid")
    by_recent = client.get(board_url(company, sort="recent")).get_data(as_text=True)
    assert by_recent.index("Zed Zuid") < by_recent.index("Amy Aart")
    for args in ({"product": "abc"}, {"product": 2**63}, {"period": "7"}, {"sort": "'; drop"}, {"page": "-1"},
                 {"page": "99999"}):
        assert client.get(board_url(company, **args)).status_code == 200


def test_paginates(client, product, company, marketer):
    for i in range(leaderboard.PER_PAGE + 2):
        idea(product, customer(name=f"Customer {i:02d}"))
    refresh(company)
    login(client, marketer)
    first = client.get(board_url(company)).get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get(board_url(company, page=2)).get_data(as_text=True)
    assert second.count('class="amb-rank"') == 2


def test_htmx_filter_returns_only_the_board(client, product, company, marketer):
    idea(product, customer(name="Ana Amsel"))
    refresh(company)
    login(client, marketer)
    fragment = client.get(board_url(company), headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="board"') and "Ana Amsel" in html and "<html" not in html
    boosted = client.get(board_url(company), headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_recompute_button_updates_the_scores(client, product, company, marketer):
    login(client, marketer)
    assert "Scores have not been computed yet" in client.get(board_url(company)).get_data(as_text=True)
    idea(product, customer(name="Ana Amsel"))
    response = client.post(f"/c/{company.slug}/ambassadors/refresh")
    assert response.status_code == 303
    assert "Ana Amsel" in client.get(board_url(company)).get_data(as_text=True)


def test_recompute_needs_a_csrf_token(client, company, marketer_in, csrf):
    assert client.post(f"/c/{company.slug}/ambassadors/refresh").status_code == 400


def _add_customers(product, n):
    """n authors (every other one opted in), each with an idea and one vote from another customer."""
    for i in range(n):
        author = customer(name=f"Author {i}", contact_opt_in=i % 2 == 0)
        vote(idea(product, author), customer())


def test_query_count_is_the_same_for_5_and_50_customers(client, product, company, marketer):
    login(client, marketer)
    counts = []
    for total in (5, 50):
        _add_customers(product, total - (5 if counts else 0))
        refresh(company)
        first = db.session.scalar(sa.select(User).where(User.name == "Author 0"))
        if not counts:
            shortlist.add_candidate(company, first, marketer)
            db.session.commit()
        with count_queries() as queries:
            response = client.get(board_url(company))
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('class="amb-rank"') == min(total, leaderboard.PER_PAGE)
        counts.append(queries())
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12  # company, user, role, products, count, page, their products, states, run + base.html


def test_names_are_shown_inert(client, product, company, marketer):
    idea(product, customer(name='<script>alert(1)</script>"><img onerror=x>'))
    refresh(company)
    login(client, marketer)
    html = client.get(board_url(company)).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _contributed_queries(client, url: str) -> tuple[int, str]:
    """How many queries of the page read which products the rows contributed to, and the page."""
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    return len([s for s in seen if "contribution_scores.product_id !=" in s]), html


def test_score_cells_are_rendered_once_per_score_run_and_again_after_a_refresh(client, product, company, marketer):
    ana = customer(name="Ana Amsel")
    idea(product, ana)
    refresh(company)
    login(client, marketer)
    first, html = _contributed_queries(client, board_url(company))
    assert first == 1 and "1 idea (" in html and "Fietsdeel" in html
    again, same = _contributed_queries(client, board_url(company))
    assert again == 0 and same == html  # the run's cells from memory, nothing else changed
    idea(product, ana, title="A second idea")
    refresh(company, NOW + timedelta(minutes=15))  # a new run
    after, html = _contributed_queries(client, board_url(company))
    assert after == 1 and "2 ideas (" in html and "1 idea (" not in html


def test_consent_name_and_shortlist_state_are_live_between_score_runs(client, product, company, marketer):
    ana = customer(name="Ana Amsel", contact_opt_in=True)
    idea(product, ana)
    refresh(company)
    login(client, marketer)
    html = client.get(board_url(company)).get_data(as_text=True)
    assert ana.email in html and 'id="shortlist-' in html and "Candidate" not in html
    ana.contact_opt_in = False  # she withdraws her consent: no score run in between
    ana.name = "Ana Amsel-Berg"
    db.session.commit()
    shortlist.add_candidate(company, ana, marketer)
    db.session.commit()
    html = client.get(board_url(company)).get_data(as_text=True)
    assert ana.email not in html and "Ana Amsel-Berg" in html and "Candidate" in html


def test_score_cells_are_in_the_readers_language(client, product, company, marketer):
    ana = customer(name="Ana Amsel")
    idea(product, ana)
    idea(product, ana, title="Another")
    refresh(company)
    login(client, marketer)
    assert "2 ideas (" in client.get(board_url(company)).get_data(as_text=True)
    marketer.locale = "nl"
    db.session.commit()
    dutch = client.get(board_url(company)).get_data(as_text=True)
    assert "2 ideas (" not in dutch and "2 ideeën (" in dutch, dutch[dutch.find("amb-score"):][:400]


def test_customers_with_the_same_name_can_be_told_apart_without_their_address(client, product, company, marketer):
    """Issue 14.11: two "Sam Jansen" rows looked the same."""
    from datetime import UTC, datetime

    first = customer(name="Sam Jansen", email="sam.one@example.com", created_at=datetime(2025, 3, 4, tzinfo=UTC))
    second = customer(name="Sam Jansen", email="sam.two@example.com", created_at=datetime(2026, 1, 9, tzinfo=UTC))
    idea(product, first)
    idea(product, second)
    refresh(company)
    login(client, marketer)
    html = client.get(board_url(company)).get_data(as_text=True)
    assert html.count(">Sam Jansen</a>") == 2
    assert f"#{first.id} · member since Mar 4, 2025" in html and f"#{second.id} · member since Jan 9, 2026" in html
    assert "sam.one@example.com" not in html and "sam.two@example.com" not in html  # neither agreed


def test_kept_rows_carry_each_sessions_own_token(app, product, company, csrf):
    """The rows are kept per score run and selection (ambassadors/board.html, {% memo %}); the shortlist forms in
    them hold the CSRF token of the session that looks, never the one of the session that first saw them."""
    import re

    from tests.conftest import csrf_token

    ana = customer(name="Ana Amsel")
    idea(product, ana)
    refresh(company)
    people = [factories.member(company, Role.MARKETING), factories.member(company, Role.OWNER)]
    db.session.commit()
    clients, tokens = [], []
    for person in people:
        client = app.test_client()
        client.post("/login", data={"csrf_token": csrf_token(client), "email": person.email,
                                    "password": factories.PASSWORD})
        html = client.get(board_url(company)).get_data(as_text=True)
        page_token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        cell = html[html.index('id="shortlist-'):]
        assert re.search(r'name="csrf_token" value="([^"]+)"', cell).group(1) == page_token
        clients.append(client)
        tokens.append(page_token)
    assert tokens[0] != tokens[1]
    response = clients[1].post(f"/c/{company.slug}/ambassadors/shortlist",
                               data={"csrf_token": tokens[1], "user_id": ana.id, "next": board_url(company)})
    assert response.status_code == 303, response.status_code
    assert "Candidate" in clients[0].get(board_url(company)).get_data(as_text=True)
