from tests.e2e import Harness


async def test_start_greets_and_asks_place(harness: Harness) -> None:
    chat = harness.chat(1001)
    replies = await chat.send("/start")
    texts = [m["text"] for m in replies]
    assert texts[0] == chat.t("start.greeting")
    assert texts[1] == chat.t("place.ask")
