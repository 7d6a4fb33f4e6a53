"""Property-based fuzzing of everything that parses outside input: callback data, deep-link
payloads, place text, import rows (CSV and JSON shapes) and webhook bodies. Each property: no
unhandled exception, and either a clear rejection or a valid result."""

import json

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.gazetteer import Gazetteer
from bot.imports.rows import COLUMNS, CampaignInput, parse_rows
from bot.intake import parse_update
from bot.ui import callbacks
from bot.ui.links import is_source_tag, read_card_link, read_invitation

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CALLBACKS = [
    value
    for value in vars(callbacks).values()
    if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
]
PREFIXES = [cls.__prefix__ for cls in CALLBACKS]

# Text that looks like callback data: a known prefix, then fields, some numbers, some not.
field = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=12),
    st.sampled_from(["", "*", "lu", "n", "0", "1", "true", "false", "²", "١٢"]),
)
callback_text = st.one_of(
    st.text(max_size=64),
    st.tuples(st.sampled_from(PREFIXES), st.lists(field, max_size=8)).map(
        lambda parts: ":".join([parts[0], *parts[1]])
    ),
)


@FAST
@given(data=callback_text)
def test_callback_data_is_a_valid_button_or_a_clear_rejection(data: str) -> None:
    for cls in CALLBACKS:
        try:
            parsed = cls.unpack(data)
        except (TypeError, ValueError):
            continue  # the filter does not match: the button is "no longer available"
        assert isinstance(parsed, cls)
        for name in ("id", "page"):
            value = getattr(parsed, name, None)
            assert value is None or 0 <= value < 2**31  # within the database's integers


@FAST
@given(
    args=st.one_of(
        st.none(),
        st.text(max_size=80),
        st.text(max_size=12).map("p_".__add__),
        st.from_regex(r"p_[0-9]{1,10}_.{0,30}", fullmatch=True),
        st.text(max_size=70).map("h_".__add__),
    )
)
def test_a_deep_link_payload_is_a_campaign_id_or_nothing(args: str | None) -> None:
    found = read_card_link(args)
    assert found is None or 0 < found.campaign_id < 2**31
    assert found is None or found.source is None or is_source_tag(found.source)
    token = read_invitation(args)
    assert token is None or (args == f"h_{token}" and len(args) <= 64)


@FAST
@given(text=st.text(max_size=100))
def test_place_text_finds_communes_or_nothing(gazetteer: Gazetteer, text: str) -> None:
    result = gazetteer.search(text)
    assert all(commune.insee for commune in result.matches + result.suggestions)


row_value = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "2026-11-30", "2026-13-40", "1e308", "-5", "1234,50", "nan", "inf"]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)


@FAST
@given(row=st.dictionaries(st.sampled_from(COLUMNS), row_value, max_size=len(COLUMNS)))
def test_a_csv_row_is_imported_or_rejected_with_its_line(gazetteer: Gazetteer, row: dict) -> None:
    inputs, rejections = parse_rows([(7, row)], gazetteer, "Europe/Paris", source="fuzz")
    assert len(inputs) + len(rejections) == 1
    if inputs:
        assert isinstance(inputs[0], CampaignInput)
    else:
        assert rejections[0].line == 7 and rejections[0].reason_key.startswith("import.reason.")


json_value = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@FAST
@given(raw=json_value)
def test_a_json_item_of_any_shape_is_imported_or_rejected(
    gazetteer: Gazetteer, raw: object
) -> None:
    inputs, rejections = parse_rows([(1, raw)], gazetteer, "Europe/Paris", source="fuzz")
    assert len(inputs) + len(rejections) == 1


@FAST
@given(
    body=st.one_of(
        st.binary(max_size=200),
        json_value.map(lambda value: json.dumps(value).encode()),
        st.fixed_dictionaries({"update_id": st.integers(), "message": json_value}).map(
            lambda value: json.dumps(value).encode()
        ),
    )
)
def test_a_webhook_body_is_an_update_or_refused(body: bytes) -> None:
    bot = Bot("123456:FUZZ")
    update = parse_update(body, bot)
    assert update is None or isinstance(update.update_id, int)
