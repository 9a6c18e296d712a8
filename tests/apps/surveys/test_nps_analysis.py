"""The NPS analysis: the adapter's frames give exact NPS per cut; the page with no, one and few
answers; every cell's drill-down lists exactly the answers it counted; the API; hostile
parameters answered 4xx with a message, never 500."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.surveys.frames import answer_frame, invitation_frame
from kizuna.apps.surveys.models import SurveyProgram
from kizuna.core.voc.nps import ReportOptions, nps_report
from tests.apps.surveys.analysis_world import APRIL, analysis_world, answer, at
from tests.factories import World

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date(2026, 4, 1), dt.date(2026, 5, 31)
RANGE = {"from": "2026-04-01", "to": "2026-05-31"}


def as_member(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def report(cut: str, period: str = "month") -> dict[tuple[object, int], Any]:
    cells = nps_report(
        answer_frame(FIRST, LAST),
        invitation_frame(FIRST, LAST),
        ReportOptions(FIRST, LAST, cuts=(cut,), periods=(period,)),  # type: ignore[arg-type]
    )
    return {(c.value, c.period.first_day.month): c for c in cells}


def test_the_adapter_gives_exact_nps_per_cut(world: World) -> None:
    w = analysis_world(world)
    frame = answer_frame(FIRST, LAST)
    assert frame.height == 7
    # 20:00 UTC on 30 April is 1 May in Tokyo
    assert sorted(frame["answered_on"].to_list())[-1] == dt.date(2026, 5, 1)

    everything = report("all")
    april = everything[(None, 4)]
    assert (april.responses, april.promoters, april.passives, april.detractors) == (6, 3, 1, 2)
    assert april.nps == pytest.approx(100 * (3 - 2) / 6)
    assert april.small_sample is True
    assert (april.invitations, april.answered_invitations, april.response_rate) == (2, 1, 0.5)
    may = everything[(None, 5)]
    assert (may.responses, may.nps, may.invitations, may.response_rate) == (1, -100.0, 1, 0.0)

    products = report("product")
    assert products[(w.expense.pk, 4)].nps == pytest.approx(100 / 3)
    assert products[(w.attendance.pk, 4)].nps == -50.0
    assert products[(None, 4)].nps == 100.0
    assert products[(w.expense.pk, 5)].nps == -100.0
    assert products[(w.attendance.pk, 5)].nps is None  # no answer: None, never 0

    segments = report("segment")
    assert segments[("high", 4)].nps == pytest.approx(100 / 3)
    assert segments[("low", 4)].nps == pytest.approx(100 * (1 - 1) / 3)
    phases = report("phase")
    assert phases[("onboarding", 4)].responses == 3
    tenure = report("tenure")
    assert tenure[("30", 4)].responses == 3
    assert tenure[("90", 4)].nps == -50.0
    assert tenure[("unknown", 4)].nps == 100.0
    assert tenure[("later", 5)].nps == -100.0


def test_csat_answers_are_left_out_of_nps_and_shown_apart(world: World) -> None:
    analysis_world(world)
    csat = SurveyProgram.objects.create(kind="csat", name_ja="CSAT", question_ja="満足度は？")
    answer(csat, world.account, 5, at(dt.date(2026, 4, 8)), kind="csat")
    answer(csat, world.account, 2, at(dt.date(2026, 4, 8)), kind="csat")
    assert report("all")[(None, 4)].responses == 6
    page = as_member(world.viewer).get("/surveys/nps/", {"cut": "all", **RANGE})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="csat-cells"' in text
    assert "50%" in text  # one of two satisfied


def test_the_page_renders_with_no_answer(world: World) -> None:
    response = as_member(world.viewer).get("/surveys/nps/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "No NPS answer in this range." in text or "この期間の NPS 回答はありません。" in text
    assert 'id="csat-cells"' not in text


def test_the_page_renders_one_answer_marked_small(world: World) -> None:
    program = SurveyProgram.objects.create(kind="nps", name_ja="NPS", question_ja="?")
    answer(program, world.account, 9, at(APRIL), product=world.product, tenure=31)
    response = as_member(world.csm).get("/surveys/nps/", {"cut": "product", **RANGE})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<svg" in text
    matrix = re.search(r'id="nps-matrix".*?</table>', text, re.S)
    assert matrix is not None
    assert 'data-tenure="30" data-responses="1"' in matrix.group(0)
    assert "small sample" in text or "サンプル少" in text


def test_the_default_view_is_day_30_vs_90_by_product(world: World) -> None:
    w = analysis_world(world)
    text = as_member(world.viewer).get("/surveys/nps/", RANGE).content.decode()
    matrix = re.search(r'id="nps-matrix".*?</table>', text, re.S)
    assert matrix is not None
    rows = matrix.group(0).split("<tr>")
    expense = next(r for r in rows if w.expense.name_ja in r)
    # day 30: 10, 9, 3 → +33; later: the May 0
    assert 'data-tenure="30" data-responses="3"' in expense
    assert "<strong>33</strong>" in expense
    assert 'data-tenure="later" data-responses="1"' in expense


def test_every_cell_drills_down_to_as_many_answers(world: World) -> None:
    analysis_world(world)
    client = as_member(world.viewer)
    checked = 0
    for cut in ("all", "segment", "product", "phase", "tenure"):
        for period in ("month", "quarter", "fiscal_year"):
            text = client.get(
                "/surveys/nps/", {"cut": cut, "period": period, **RANGE}
            ).content.decode()
            table = re.search(r'id="nps-cells".*?</table>', text, re.S)
            assert table is not None
            for responses, url in re.findall(
                r'<tr data-responses="(\d+)">.*?<a href="(/surveys/nps/answers/\?[^"]+)">',
                table.group(0),
                re.S,
            ):
                page = client.get(url.replace("&amp;", "&"))
                assert page.status_code == 200
                count = re.search(r'data-count="(\d+)"', page.content.decode())
                assert count is not None and count.group(1) == responses, (cut, period, url)
                checked += 1
    matrix_text = client.get("/surveys/nps/", RANGE).content.decode()
    for responses, url in re.findall(
        r'data-responses="(\d+)">.*?<a href="(/surveys/nps/answers/\?[^"]+)">', matrix_text
    ):
        page = client.get(url.replace("&amp;", "&")).content.decode()
        assert f'data-count="{responses}"' in page
        checked += 1
    assert checked > 20


def test_csv_of_every_table(world: World) -> None:
    analysis_world(world)
    client = as_member(world.viewer)
    for table, header in (("nps", "cut,value,period"), ("matrix", "product_id,product,tenure")):
        response = client.get("/surveys/nps/", {"format": "csv", "table": table, **RANGE})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.decode().startswith(header)
    rows = (
        client.get("/surveys/nps/", {"format": "csv", "table": "nps", "cut": "all", **RANGE})
        .content.decode()
        .splitlines()
    )
    assert rows[1].startswith("all,,")
    assert ",16.7," in rows[1]
    answers = client.get("/surveys/nps/answers/", {"format": "csv", **RANGE})
    assert len(answers.content.decode().splitlines()) == 1 + 7


@pytest.mark.parametrize(
    "params",
    [
        {"cut": "bogus"},
        {"period": "week"},
        {"from": "2026-13-01"},
        {"from": "9999-12-31"},
        {"to": "0001-01-01"},
        {"from": "2026-05-01", "to": "2026-04-01"},
        {"from": "2000-01-01", "to": "2099-12-31"},
        {"from": "\x00"},
    ],
)
def test_hostile_page_parameters_are_refused_clearly(world: World, params: dict[str, str]) -> None:
    response = as_member(world.viewer).get("/surveys/nps/", params)
    assert response.status_code == 400
    assert 'id="nps-error"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "bogus"},
        {"product": "abc"},
        {"product": "²"},
        {"product": "99999999999999999999999"},
        {"tenure": "365"},
        {"category": "fan"},
        {"from": "9999-12-31"},
    ],
)
def test_hostile_drill_parameters_are_refused(world: World, params: dict[str, str]) -> None:
    response = as_member(world.viewer).get("/surveys/nps/answers/", params)
    assert response.status_code == 400


def test_drill_down_of_an_unknown_value_is_empty_not_an_error(world: World) -> None:
    analysis_world(world)
    client = as_member(world.viewer)
    for params in (
        {"segment": "x" * 500},
        {"segment": "\x00high"},
        {"phase": "\x00"},
        {"product": "424242"},
        {"page": "999999"},
    ):
        response = client.get("/surveys/nps/answers/", {**RANGE, **params})
        assert response.status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(world: World) -> None:
    for path in ("/surveys/nps/", "/surveys/nps/answers/", "/surveys/comments/"):
        response = Client().get(path)
        assert response.status_code == 302


def test_an_inactive_member_is_refused(world: World) -> None:
    world.viewer.is_active = False
    world.viewer.save()
    client = Client()
    client.force_login(world.viewer)
    assert client.get("/surveys/nps/").status_code in (302, 403)


# -- the API --------------------------------------------------------------------------------


def api_get(user: User, path: str) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    return Client().get("/api/v1" + path, headers={"Authorization": f"Bearer {raw}"})


def test_the_api_returns_the_cells(world: World) -> None:
    w = analysis_world(world)
    response = api_get(world.viewer, "/surveys/nps?cut=product&from=2026-04-01&to=2026-05-31")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["cut"] == "product" and body["period"] == "month"
    cells = {(c["value"], c["first_day"]): c for c in body["cells"]}
    expense = cells[(w.expense.pk, "2026-04-01")]
    assert expense["nps"] == pytest.approx(100 / 3)
    assert (expense["responses"], expense["invitations"], expense["response_rate"]) == (3, 2, 0.5)
    assert expense["small_sample"] is True
    assert cells[(w.attendance.pk, "2026-05-01")]["nps"] is None


@pytest.mark.parametrize(
    "query",
    [
        "cut=bogus",
        "period=week",
        "from=9999-12-31",
        "from=2026-02-30",
        "from=2026-05-01&to=2026-04-01",
        "from=2000-01-01&to=2099-12-31",
    ],
)
def test_the_api_refuses_hostile_queries(world: World, query: str) -> None:
    response = api_get(world.viewer, "/surveys/nps?" + query)
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["message"]


def test_every_survey_page_links_the_others(world: World) -> None:
    """The analysis, the comments, the follow-ups, the topics and the programs share one tab
    bar, for every member (each may read them all)."""
    tabs = ("nps", "comments", "detractors", "topics", "programs")
    for path in ("/surveys/nps/", "/surveys/comments/", "/surveys/detractors/"):
        body = as_member(world.csm).get(path).content.decode()
        assert all(f'href="/surveys/{tab}/"' in body for tab in tabs), path
