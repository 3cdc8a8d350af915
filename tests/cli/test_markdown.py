"""Markdown output: stored text renders literally in CommonMark/GFM (parsed here with
markdown-it-py, the parser rich depends on), in every table cell and heading, and the figures
beside it read as they do in a table.

NOW is Monday 2026-11-23 09:00 UTC.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Each one would be markup if it were passed through: raw HTML, a link, an image, emphasis,
# code, strike-through, an entity, an autolink, a cell-ending pipe, a backslash escape.
HOSTILE = [
    "[link=http://x]click[/link] | <script>alert(1)</script>",
    "<i>it</i> *md* _u_ **b** `code` ~~gone~~",
    "[x](http://y) ![img](http://i) <http://auto.link>",
    "a \\| b \\\\ c &amp; &lt;d&gt; &#35;",
]


def _parse(markdown: str) -> tuple[list[str], list[list[str]], str]:
    """(tags, table rows as lists of cell texts, html) of `markdown` rendered by a CommonMark
    parser with GFM tables and strike-through."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.tags: list[str] = []
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            if tag == "tr":
                self.rows.append([])
            if tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parsed = Cells()
    parsed.feed(html)
    parsed.close()
    return parsed.tags, parsed.rows, html


def _no_markup(tags: list[str]) -> None:
    markup = {"script", "a", "img", "em", "strong", "code", "s", "del", "i"}
    markup |= {"ul", "ol", "blockquote", "hr"}
    assert markup.isdisjoint(tags), sorted(markup & set(tags))


def test_stored_text_renders_literally_in_report_cells(cli):
    cli.ok("rep", "add", "Anthony Skinner")
    for n, text in enumerate(HOSTILE):
        cli.ok("lost-reason", "add", text)
        deal = cli.ok("deal", "add", text, "--amount", f"500.0{n + 5}", "--owner",
                      "Anthony Skinner", "--close", "2026-11-10").out.strip()  # fmt: skip
        cli.ok("deal", "lose", deal, "--reason", text, "--on", "2026-11-21")
    markdown = cli.ok("report", "lost", "--period", "2026-11", "--format", "markdown").out
    tags, rows, html = _parse(markdown)
    _no_markup(tags)
    assert "<script" not in html and "href" not in html
    # By reason (header + 4 reasons), by stage, by rep, total: three columns but the total.
    assert len(rows) == 5 + 2 + 2 + 2
    assert all(len(row) == 3 for row in rows[:-2]) and all(len(row) == 2 for row in rows[-2:])
    assert sorted(rows[1:5]) == sorted([text, "1", f"500.0{n + 5}"] for n, text in enumerate(HOSTILE))  # fmt: skip
    assert rows[-1] == ["4", "2,000.26"]  # 500.05 + 500.06 + 500.07 + 500.08
    # Figures read as they do in a table: no escape in a number, a date or an amount.
    assert "| prospecting | 4 | 2,000.26 |" in markdown
    assert "| 1 | 500.05 |" in markdown
    assert "| &lt;i&gt;it&lt;/i&gt; \\*md\\* \\_u\\_ \\*\\*b\\*\\* \\`code\\` \\~\\~gone\\~\\~ |" in markdown  # fmt: skip


def test_stored_titles_render_literally_in_lists_records_and_stale_deals(cli):
    cli.ok("rep", "add", "Ana Souza")
    for text in HOSTILE:
        cli.ok("deal", "add", text, "--owner", "Ana Souza", "--amount", "1234.5",
               "--close", "2026-11-30", env={"SALESCLI_NOW": "2026-08-03T09:00:00+00:00"})  # fmt: skip
    stale = cli.ok("report", "stale", "--format", "markdown").out
    tags, rows, _ = _parse(stale)
    _no_markup(tags)
    titles = [row[1] for row in rows if len(row) == 6 and row[0].isdigit()]
    assert titles == HOSTILE[::-1] or sorted(titles) == sorted(HOSTILE)
    listed = cli.ok("deal", "list", "--format", "markdown").out
    tags, rows, _ = _parse(listed)
    _no_markup(tags)
    assert [row[1] for row in rows[1:]] == [
        cli.sql("SELECT title FROM deal WHERE id = :id", id=int(row[0]))[0][0] for row in rows[1:]
    ]
    assert sorted(row[1] for row in rows[1:]) == sorted(HOSTILE)
    assert all(len(row) == len(rows[0]) for row in rows)
    assert {(row[6], row[8]) for row in rows[1:]} == {("1,234.50", "2026-11-30")}
    shown = cli.ok("deal", "show", "1", "--format", "markdown").out
    tags, rows, _ = _parse(shown)
    _no_markup(tags)
    assert ["title", HOSTILE[0]] in rows and ["amount", "1,234.50"] in rows
    record = rows[: next(i for i, row in enumerate(rows) if row[0] == "from")]
    fields = [k for k, v in cli.json("deal", "show", "1").items() if not isinstance(v, list)]
    assert [row[0] for row in record] == ["field", *fields]
    assert all(len(row) == 2 for row in record)


def test_headings_and_lines_escape_what_opens_a_block():
    from salescli.render import Column
    from salescli.render.report import Section, markdown_document

    title = "# Deals of Ana #"
    lead = ["- not a list", "1. not a list either", "===", "+ plus", "> quoted"]
    sections = [Section("2) Stages ##", [{"stage": "* star"}], [Column("stage", "stage")])]
    document = markdown_document(title, lead, sections, None)
    tags, rows, html = _parse(document)
    assert re.findall(r"<h1>(.*?)</h1>", html) == ["# Deals of Ana #"]
    assert re.findall(r"<h2>(.*?)</h2>", html) == ["2) Stages ##"]
    assert "<p>- not a list<br />\n1. not a list either<br />\n===<br />\n+ plus<br />\n&gt; quoted</p>" in html  # fmt: skip
    assert {"ul", "ol", "blockquote", "em", "hr"}.isdisjoint(tags)
    assert rows == [["stage"], ["* star"]]
