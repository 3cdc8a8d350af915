"""One rule set for a product (issue 7): the same bad values through `product add`, `product
edit` and `product import` get the same refusal (exit 1, the same rule in the message), and
nothing is written."""

from __future__ import annotations

import pytest

LONG = "x" * 201
CASES = [
    # (field, bad value, the rule every path states)
    ("name", LONG, "is longer than 200 characters"),
    ("price", "-5", "'-5' is not an amount (e.g. 12000, 12,000.50)"),
    ("price", "1.5k", "'1.5k' is not an amount"),
    ("currency", "XXQ", "XXQ"),
]


@pytest.mark.parametrize(("field", "value", "rule"), CASES, ids=lambda v: str(v)[:12])
def test_add_edit_and_import_refuse_alike(cli, tmp_path, field, value, rule):
    cli.ok("product", "add", "GTX Pro", "--price", "100")
    before = cli.sql("SELECT id, name, price_minor, currency FROM product ORDER BY id")
    add_args = {"name": ("Other", "--price", "10"), "price": ("Other",), "currency": ("Other",)}
    option = {"name": "--name", "price": "--price", "currency": "--currency"}[field]
    if field == "name":
        added = cli("product", "add", value, "--price", "10")
    else:
        added = cli(
            "product",
            "add",
            *add_args[field],
            option,
            value,
            *(("--price", "10") if field == "currency" else ()),
        )
    edited = cli("product", "edit", "GTX Pro", option, value)
    row = {"name": "Other", "price": "10", "currency": "USD", field: value}
    path = tmp_path / "products.csv"
    path.write_text(
        "name,price,currency\n" + ",".join(row[k] for k in ("name", "price", "currency")) + "\n",
        encoding="utf-8",
    )
    imported = cli("product", "import", str(path))
    for result in (added, edited, imported):
        assert result.code == 1, (result.code, result.err)
        assert rule in result.err, result.err
    assert cli.sql("SELECT id, name, price_minor, currency FROM product ORDER BY id") == before
