from tests.e2e import Harness


async def test_start_greets_and_asks_place(harness: Harness) -> None:
    chat = harness.chat(1001)
    replies = await chat.send("/start")
    # One message: the greeting and the place question, with the place keyboard.
    assert [m["text"] for m in replies] == [f"{chat.t('start.greeting')}\n\n{chat.t('place.ask')}"]
    assert harness.fake.reply_keyboards[1001]["keyboard"][0][0]["request_location"] is True
