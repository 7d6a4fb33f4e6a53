"""A handler that fails: the user is told once, in their language, and the log names the cause."""

import logging

import pytest

from storage.repo import campaigns
from tests.e2e import Harness, plain


async def test_a_failing_handler_is_answered_once_and_logged_with_its_cause(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    chat = harness.chat(601, lang="en")
    await chat.send("/start")
    await chat.send("Tours")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the cause")

    monkeypatch.setattr(campaigns, "followed", broken)
    with caplog.at_level(logging.ERROR):
        replies = await chat.send("/following")
    assert [plain(m["text"]) for m in replies] == [chat.t("error.generic")]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "RuntimeError" in errors[0].getMessage()
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is RuntimeError
    assert "Tours" not in caplog.text  # no message text in the log
