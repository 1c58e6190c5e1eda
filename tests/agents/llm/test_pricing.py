"""The price table: patterns over model specs, first match wins, bad entries named."""

import pytest

from agents.llm.pricing import PRICES_FILE, Price, PriceTable, PriceTableError


def test_the_shipped_table_prices_the_embedded_model_and_transcripts_at_zero_and_knows_api_models():
    table = PriceTable.load(PRICES_FILE)
    assert table.cost("local", 10**6, 10**6) == 0.0 and table.cost("replay:runs/x", 5, 5) == 0.0
    assert table.price("openai:gpt-4o-mini") == Price(0.15, 0.60)  # before the general gpt-4o pattern
    assert table.cost("openai:gpt-4o", 1_000_000, 100_000) == pytest.approx(2.5 + 1.0)
    assert table.price("someone:unknown-model") is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("models:\n  gpt: {input: 1.0}\n", "gpt: expected {input: USD, output: USD}"),
        ("models:\n  gpt: {input: -1, output: 2}\n", "both >= 0"),
        ("models: [1, 2]\n", "must map model patterns"),
        ("models: {a: [\n", "cannot read the price table"),
    ],
)
def test_a_bad_table_is_one_line_naming_the_entry(tmp_path, text, message):
    path = tmp_path / "prices.yaml"
    path.write_text(text)
    with pytest.raises(PriceTableError, match=message.replace("{", "\\{").replace("}", "\\}")):
        PriceTable.load(path)
