"""aiogram's types, built on first use (bot.lazy_types), all still build and parse updates."""

import pytest
from aiogram.types import CallbackQuery, Update
from pydantic import ValidationError

from bot.lazy_types import DEFERRED


def test_types_were_deferred() -> None:
    assert len(DEFERRED) > 300


@pytest.mark.parametrize("cls", DEFERRED, ids=lambda cls: cls.__name__)
def test_every_deferred_type_builds(cls: type) -> None:
    try:
        cls.model_validate({})  # type: ignore[attr-defined]
    except ValidationError:
        pass  # built, and rightly refused an empty object
    except TypeError as error:
        assert "abstract" in str(error)  # built; the class itself is abstract


def test_a_callback_update_parses_into_nested_types() -> None:
    update = Update.model_validate(
        {
            "update_id": 1,
            "callback_query": {
                "id": "q",
                "chat_instance": "c",
                "data": "l:n:0",
                "from": {"id": 7, "is_bot": False, "first_name": "A"},
                "message": {
                    "message_id": 3,
                    "date": 0,
                    "chat": {"id": 7, "type": "private"},
                    "text": "t",
                    "reply_markup": {"inline_keyboard": [[{"text": "1", "callback_data": "c:1"}]]},
                },
            },
        }
    )
    assert isinstance(update.callback_query, CallbackQuery)
    assert update.callback_query.message.reply_markup.inline_keyboard[0][0].callback_data == "c:1"


def test_every_api_method_builds() -> None:
    import aiogram.methods

    for name in aiogram.methods.__all__:
        method = getattr(aiogram.methods, name)
        if isinstance(method, type) and hasattr(method, "model_validate"):
            try:
                method.model_validate({})
            except ValidationError:
                pass
            except TypeError as error:
                assert "abstract" in str(error)


def test_a_method_subclassed_later_builds() -> None:
    from aiogram.methods import SendMessage
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    class QuietSend(SendMessage):
        pass

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", url="https://a.b")]]
    )
    request = QuietSend(chat_id=1, text="hi", reply_markup=markup)
    assert request.reply_markup.inline_keyboard[0][0].url == "https://a.b"


def test_another_aiogram_release_is_refused_loudly() -> None:
    from bot import lazy_types

    lazy_types.check_version(lazy_types.WRITTEN_FOR)  # the pinned one passes
    with pytest.raises(RuntimeError, match="written for aiogram"):
        lazy_types.check_version("3.32.0")
