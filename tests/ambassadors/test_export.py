"""CSV export of the shortlist: consenting customers only, Excel-friendly, formula-safe."""

import csv
import io

from cocreate.ambassadors import shortlist as candidates
from cocreate.ambassadors.models import State
from cocreate.extensions import db
from tests.ambassadors.helpers import customer


def shortlist(company, marketer, *users):
    for user in users:
        candidates.add_candidate(company, user, marketer, note=getattr(user, "_note", ""))
    db.session.commit()


def test_export_has_bom_header_quoting_and_only_consenting_customers(client, company, marketer, marketer_in):
    quoted = customer(name='Anna "Nina" de Vries, Jr.', email="anna@example.com", contact_opt_in=True)
    shy = customer(name="Shy Person", email="shy@example.com")
    shortlist(company, marketer, quoted, shy)
    candidates.set_note(candidates.shortlist(company)[-1].candidate, "Line one\nline two")
    db.session.commit()

    response = client.get(f"/c/{company.slug}/ambassadors/shortlist.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == candidates.CSV_HEADER
    assert len(rows) == 2
    assert rows[1][:3] == ['Anna "Nina" de Vries, Jr.', "anna@example.com", "Candidate"]
    assert rows[1][4] == "Line one\nline two"
    assert b"shy@example.com" not in body and b"Shy Person" not in body
    assert b'"Anna ""Nina"" de Vries, Jr."' in body

    page = client.get(f"/c/{company.slug}/ambassadors/shortlist").get_data(as_text=True)
    assert "1 of 2 person is left out of the CSV export" in page
    assert "shy@example.com" not in page


def test_formulas_are_neutralised(client, company, marketer, marketer_in):
    names = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)"]
    users = [customer(name=name, contact_opt_in=True) for name in names]
    shortlist(company, marketer, *users)
    body = client.get(f"/c/{company.slug}/ambassadors/shortlist.csv").data.decode("utf-8-sig")
    cells = [row[0] for row in csv.reader(io.StringIO(body, newline=""))][1:]
    assert sorted(cells) == sorted("'" + name for name in names)


def test_csv_cell():
    assert candidates.csv_cell("=1+1") == "'=1+1"
    assert candidates.csv_cell("Plain") == "Plain"
    assert candidates.csv_cell(None) == ""
    assert candidates.csv_cell(-3) == "'-3"


def test_export_of_an_invited_customer_shows_the_date(client, company, marketer, marketer_in):
    ana = customer(contact_opt_in=True)
    shortlist(company, marketer, ana)
    candidates.invite(candidates.shortlist(company)[0].candidate)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get(f"/c/{company.slug}/ambassadors/shortlist.csv")
                                       .data.decode("utf-8-sig"), newline="")))
    assert rows[1][2] == State.INVITED.label and rows[1][6]


def test_a_score_is_written_the_same_on_the_leaderboard_the_shortlist_and_in_the_csv(client, company, product, marketer,
                                                                                    marketer_in):
    """Issue 14.11: the CSV said 41.8 where the leaderboard said 42."""
    import sqlalchemy as sa

    from cocreate.ambassadors.models import ContributionScore
    from cocreate.ambassadors.scores import refresh_all
    from tests.ambassadors.helpers import idea

    fan = customer(name="Frequent Fan", email="fan@example.com", contact_opt_in=True)
    idea(product, fan)
    refresh_all()
    db.session.execute(sa.update(ContributionScore).where(ContributionScore.user_id == fan.id).values(total=41.86))
    db.session.commit()
    shortlist(company, marketer, fan)

    board = client.get(f"/c/{company.slug}/ambassadors").get_data(as_text=True)
    assert '<td class="amb-score" data-label="Score">41.8</td>' in board
    assert "Score 41.8 (all time)" in client.get(f"/c/{company.slug}/ambassadors/shortlist").get_data(as_text=True)
    body = client.get(f"/c/{company.slug}/ambassadors/shortlist.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[1][candidates.CSV_HEADER.index("Score (all time)")] == "41.8"
