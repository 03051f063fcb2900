"""CSV export and import of a product's ideas: format, formula neutralising, preview, rejected rows,
the team-only rule, and a round trip that keeps every idea."""

import csv
import io

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Idea, Status
from cocreate.ideas.services import change_status, merge, set_vote
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def team_member():
    product = factories.ProductFactory()
    return product, factories.member(product.company, Role.PRODUCT)


def rows_of(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def upload(client, slug: str, text: str, name: str = "ideas.csv"):
    return client.post(f"/p/{slug}/ideas/import", data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def test_export_has_every_column_with_votes_statuses_and_versions(client, team_member):
    product, member = team_member
    customer = factories.UserFactory()
    planned = factories.idea(product, title="Dark mode", description="Please, with **contrast**")
    set_vote(planned, customer, True)
    change_status(planned, member, Status.PLANNED, promised_on=__import__("datetime").date(2027, 3, 1))
    version = factories.VersionFactory(product=product, label="v2")
    shipped = factories.idea(product, title="Offline mode")
    change_status(shipped, member, Status.SHIPPED, shipped_version_id=version.id)
    db.session.commit()
    login(client, member)
    response = client.get(f"/p/{product.slug}/ideas.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response.data)
    assert list(rows[0]) == ["title", "description", "status", "votes", "comments", "created", "promised",
                             "shipped_version", "touchpoint", "heard_by_team"]
    assert rows[0]["title"] == "Dark mode" and rows[0]["votes"] == "2" and rows[0]["status"] == "planned"
    assert rows[0]["promised"] == "2027-03-01" and rows[0]["description"] == "Please, with **contrast**"
    assert rows[1]["status"] == "shipped" and rows[1]["shipped_version"] == "v2"


def test_export_neutralises_formulas_and_keeps_accents(client, team_member):
    product, member = team_member
    for title in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "Crème brûlée ✓"):
        factories.idea(product, title=title)
    login(client, member)
    titles = [r["title"] for r in rows_of(client.get(f"/p/{product.slug}/ideas.csv").data)]
    assert titles == ["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2", "'@SUM(A1)", "Crème brûlée ✓"]


@pytest.mark.parametrize("role", [None, Role.MARKETING])
def test_export_and_import_are_for_the_team_only(client, team_member, role):
    product, _ = team_member
    user = factories.member(product.company, role) if role else factories.UserFactory()
    login(client, user)
    assert client.get(f"/p/{product.slug}/ideas.csv").status_code == 403
    assert client.get(f"/p/{product.slug}/ideas/import").status_code == 403
    assert upload(client, product.slug, "title\nHello\n").status_code == 403
    assert client.post(f"/p/{product.slug}/ideas/import/confirm", data={"csv_text": "title\nx\n"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


def test_export_of_a_hidden_product_is_a_404(client):
    from cocreate.products.models import Visibility

    product = factories.ProductFactory(visibility=Visibility.PRIVATE)
    login(client, factories.UserFactory())
    assert client.get(f"/p/{product.slug}/ideas.csv").status_code == 404


@pytest.fixture
def team_logged_in(client, team_member):
    login(client, team_member[1])
    return team_member


def test_import_previews_then_imports_and_reports_rejected_rows(client, team_logged_in, csrf):
    product, member = team_logged_in
    form_page = f"/p/{product.slug}/ideas/import"
    text = ("Title;Description;Votes;Status;Owner\n"
            "Offline mode;Works on the train;12;Planned;ann\n"
            ";no title;3;open;bob\n"
            "Sync;;many;open;cy\n"
            "Export;;4;closed;dan\n"
            "\"Multi\nline\";desc;1;under review;ed\n"
            "Import;;-3;open;fay\n"
            + "Long " + "x" * 130 + ";;1;open;gus\n")
    page = client.post(f"/p/{product.slug}/ideas/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(text.encode()), "ideas.csv"), "csrf_token": csrf_token(client, form_page)})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 ideas can be imported, 5 rows cannot" in html
    assert "Ignored columns: owner" in html
    for line, reason in [(3, "The title is empty."), (4, "Votes must be a whole number of 0 or more, not “many”."),
                         (5, "Unknown status “closed”"), (8, "Votes must be a whole number"),
                         (9, "The title is longer than 120 characters.")]:
        assert f"<td>{line}</td>" in html and reason in html, (line, reason)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0  # a preview writes nothing

    confirmed = client.post(f"/p/{product.slug}/ideas/import/confirm",
                            data={"csv_text": text, "csrf_token": csrf_token(client, form_page)})
    assert confirmed.status_code == 303
    ideas = {i.title: i for i in db.session.scalars(sa.select(Idea))}
    assert set(ideas) == {"Offline mode", "Multi\nline"}
    offline = ideas["Offline mode"]
    assert (offline.status, offline.vote_count, offline.imported_votes, offline.author_id) == (Status.PLANNED, 12, 12,
                                                                                             None)
    assert ideas["Multi\nline"].status == Status.UNDER_REVIEW


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    ("title\nCaf\xe9\n".encode("latin-1"), "The file is not UTF-8 text."),
    (b"name,votes\nx,1\n", "The first line must name the columns"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not UTF-8 text."),
])
def test_unreadable_files_get_a_clear_message(client, team_member, content, message):
    product, member = team_member
    login(client, member)
    response = client.post(f"/p/{product.slug}/ideas/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "ideas.csv")})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_missing_file_is_a_form_error(client, team_member):
    product, member = team_member
    login(client, member)
    response = client.post(f"/p/{product.slug}/ideas/import", data={})
    assert response.status_code == 400 and "Choose a CSV file." in response.get_data(as_text=True)


def test_imported_votes_stay_counted_through_votes_and_merges(client, team_member):
    product, member = team_member
    login(client, member)
    client.post(f"/p/{product.slug}/ideas/import/confirm", data={"csv_text": "title,votes\nA,10\nB,5\n"})
    a, b = (db.session.scalar(sa.select(Idea).where(Idea.title == t)) for t in ("A", "B"))
    voter = factories.UserFactory()
    set_vote(a, voter, True)
    set_vote(b, voter, True)
    db.session.commit()
    assert (a.vote_count, b.vote_count) == (11, 6)
    merge(b, a, member)
    db.session.commit()
    assert a.vote_count == 11  # the voter once, plus A's 10 imported votes
    set_vote(a, voter, False)
    db.session.commit()
    assert a.vote_count == 10


def test_round_trip_export_then_import_into_a_new_product_keeps_every_idea(client, team_member):
    product, member = team_member
    version = factories.VersionFactory(product=product, label="v1")
    voters = [factories.UserFactory() for _ in range(3)]
    titles = ["Dark mode", "=1+2", "Crème brûlée ✓", "Quotes \"and\", commas; semicolons", "Multi\nline\ntitle"]
    statuses = [Status.PLANNED, Status.OPEN, Status.SHIPPED, Status.DECLINED, Status.UNDER_REVIEW]
    for i, (title, status) in enumerate(zip(titles, statuses, strict=True)):
        idea = factories.idea(product, title=title, description=f"- item {i}\n\n@someone")
        for voter in voters[:i]:
            set_vote(idea, voter, True)
        change_status(idea, member, status, shipped_version_id=version.id if status == Status.SHIPPED else None)
    db.session.commit()
    duplicate = factories.idea(product, title="Dark mode again")
    merge(duplicate, db.session.scalar(sa.select(Idea).where(Idea.title == "Dark mode")), member)
    db.session.commit()

    login(client, member)
    exported = client.get(f"/p/{product.slug}/ideas.csv").data
    target = factories.ProductFactory(company=product.company)
    preview = client.post(f"/p/{target.slug}/ideas/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(exported), "export.csv")})
    assert "5 ideas can be imported" in preview.get_data(as_text=True)
    assert client.post(f"/p/{target.slug}/ideas/import/confirm",
                       data={"csv_text": exported.decode("utf-8-sig")}).status_code == 303

    def snapshot(p):
        return sorted((i.title, i.description, i.status, i.vote_count)
                      for i in db.session.scalars(sa.select(Idea).where(Idea.product_id == p.id,
                                                                        Idea.status != Status.MERGED)))

    assert snapshot(target) == snapshot(product)
    assert len(snapshot(target)) == 5
