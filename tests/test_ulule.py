"""Ulule's documents read into projects, and the HTTP client against the local fake of the API:
pages, the key and the language sent, errors retried."""

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.devtools.fakeulule import BAD_JSON, ERROR, TIMEOUT, FakeUlule, project_doc, search_doc
from bot.imports.ulule import UluleClient, UluleError, listing_path, project_of
from bot.settings import Settings


def settings_for(fake: FakeUlule, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ulule_api_url": fake.api_url,
        "sync_timeout": 0.3,
        "sync_retries": 2,
        "sync_backoff_seconds": 0.01,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def fake() -> AsyncIterator[FakeUlule]:
    async with FakeUlule(delay=1.0) as server:
        yield server


def test_a_project_is_read_with_its_french_texts_and_figures_in_cents() -> None:
    doc = project_doc(12, name="Ferme de la Cisse", raised=1234.5, supporters=31, goal=5000)
    doc["name"] = {"en": "Cisse farm", "fr": "Ferme de la Cisse"}
    project = project_of(doc)
    assert project is not None
    assert (project.external_id, project.slug) == ("12", "projet-12")
    assert project.url == "https://fr.ulule.com/projet-12/"
    assert project.title == "Ferme de la Cisse"
    assert project.summary == "Le sous-titre de Ferme de la Cisse"
    assert project.holder == "Porteur 12"
    assert project.figures == (500_000, 123_450, 31)
    assert project.starts_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert project.ends_at == datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    assert (project.city, project.country, project.cancelled) == ("Tours", "FR", False)
    assert project.problems == ()


def test_texts_fall_back_to_the_projects_language() -> None:
    doc = project_doc(3, name="Hof", lang="de")
    doc["subtitle"], doc["description"] = None, {"de": "<p>Ein <b>Hof</b></p>"}
    project = project_of(doc)
    assert project is not None
    assert project.title == "Hof"
    assert project.summary == "Ein Hof"  # the description's words, when there is no subtitle


def test_a_search_result_gives_its_texts_as_name_fr() -> None:
    doc = search_doc(project_doc(7, name="Brasserie"))
    assert "name" not in doc and doc["name_fr"] == "Brasserie"
    project = project_of(doc)
    assert project is not None
    assert (project.title, project.summary) == ("Brasserie", "Le sous-titre de Brasserie")


def test_a_presales_percent_is_pre_orders_over_its_goal() -> None:
    # 40 pre-orders wanted, 25 sold for 875 €: 62 %, and the goal in money is 40 × 35 €.
    doc = project_doc(5, type_="presale", goal=40, raised=875, sold=25, supporters=24)
    project = project_of(doc)
    assert project is not None
    assert project.presale and project.preorders == 40
    goal, raised, backers = project.figures or (0, 0, 0)
    assert (goal, raised, backers) == (140_000, 87_500, 24)
    assert raised * 100 // goal == 25 * 100 // 40
    before_first = project_of(project_doc(6, type_="presale", goal=40, raised=0, sold=0))
    assert before_first is not None and before_first.goal_cents is None
    assert before_first.problems == ()


@pytest.mark.parametrize(
    ("changes", "odd"),
    [
        ({"amount_raised": None}, "amount_raised"),
        ({"amount_raised": "beaucoup"}, "amount_raised"),
        ({"amount_raised": -3}, "amount_raised"),
        ({"goal": True}, "goal"),
        ({"supporters_count": 2.5}, "supporters_count"),
        ({"date_end": "31/12/2026"}, "date_end"),
        ({"date_start": "2026-11-01T09:00:00"}, "date_start"),  # no offset: not RFC 3339
        ({"location": "Tours"}, "location"),
        ({"currency": "CHF"}, "currency"),
    ],
)
def test_a_missing_or_odd_field_is_logged_and_left_out(
    changes: dict[str, Any], odd: str, caplog: pytest.LogCaptureFixture
) -> None:
    doc = project_doc(9, raised=100, supporters=2)
    doc.update(changes)
    with caplog.at_level(logging.WARNING, logger="bot.imports.ulule"):
        project = project_of(doc)
    assert project is not None
    assert project.problems == (odd,)
    assert odd in caplog.text and "ulule project 9" in caplog.text
    if odd in ("amount_raised", "goal", "supporters_count"):
        assert project.figures is None


def test_a_document_without_an_id_is_no_project(caplog: pytest.LogCaptureFixture) -> None:
    assert project_of({"name": {"fr": "x"}}) is None
    assert project_of(["not", "an", "object"]) is None
    assert "without an id" in caplog.text


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("users/123", "users/123/projects"),
        ("/users/123/projects", "users/123/projects"),
        ("search/projects?q=touraine", "search/projects?q=touraine"),
    ],
)
def test_sync_sources_name_a_listing(source: str, path: str) -> None:
    assert listing_path(source) == path


def test_other_sync_sources_are_refused() -> None:
    with pytest.raises(ValueError, match="not a Ulule listing"):
        listing_path("projects/12")


async def test_a_listing_is_read_page_by_page_with_the_key_and_lang_fr(fake: FakeUlule) -> None:
    fake.page_size, fake.auth = 2, "touraine:s3cret"
    for number in range(1, 6):
        fake.add(project_doc(number), user=42)
    settings = settings_for(fake, ulule_username="touraine", ulule_api_key="s3cret")
    async with UluleClient(settings) as client:
        pages = [[item["id"] for item in page] async for page in client.pages("users/42")]
    assert pages == [[1, 2], [3, 4], [5]]
    assert [r.query.get("since") for r in fake.requests] == [None, "2", "4"]
    assert all(r.query["lang"] == "fr" for r in fake.requests)
    assert {r.headers["Authorization"] for r in fake.requests} == {"ApiKey touraine:s3cret"}


async def test_next_may_be_a_full_url_and_search_pages_too(fake: FakeUlule) -> None:
    fake.page_size, fake.full_next = 2, True
    for number in range(1, 4):
        fake.add(project_doc(number, city="Amboise" if number != 2 else "Blois"))
    async with UluleClient(settings_for(fake)) as client:
        pages = [page async for page in client.pages("search/projects?q=amboise")]
    assert [[item["name_fr"] for item in page] for page in pages] == [["Projet 1", "Projet 3"]]
    assert fake.requests[0].query == {"q": "amboise", "lang": "fr"}


async def test_a_single_project_is_public_and_the_key_only_sent_when_set(fake: FakeUlule) -> None:
    fake.auth = "touraine:s3cret"
    fake.add(project_doc(77, name="Cidre"))
    async with UluleClient(settings_for(fake)) as client:
        project = await client.project("projet-77")
        with pytest.raises(UluleError, match="HTTP 401"):
            [page async for page in client.pages("users/1")]
    assert project is not None and project.title == "Cidre"
    assert "Authorization" not in fake.requests[0].headers


@pytest.mark.parametrize("kind", [ERROR, TIMEOUT, BAD_JSON])
async def test_errors_are_retried_with_backoff(fake: FakeUlule, kind: str) -> None:
    fake.add(project_doc(1), user=5)
    fake.fail(kind, times=2)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with UluleClient(settings_for(fake), sleep=sleep) as client:
        pages = [page async for page in client.pages("users/5")]
    assert [item["id"] for item in pages[0]] == [1]
    assert slept == [0.01, 0.02]
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("kind", "message"), [(ERROR, "HTTP 500"), (TIMEOUT, "timeout"), (BAD_JSON, "bad JSON")]
)
async def test_errors_past_the_retries_are_a_ulule_error(
    fake: FakeUlule, kind: str, message: str
) -> None:
    fake.add(project_doc(1), user=5)
    fake.fail(kind)
    async with UluleClient(settings_for(fake)) as client:
        with pytest.raises(UluleError, match=message):
            [page async for page in client.pages("users/5")]
    assert len(fake.requests) == 3  # the first try and two retries
