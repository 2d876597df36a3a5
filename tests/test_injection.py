"""User-supplied text reaches Markdown and HTML only escaped for its context (issue #39.11).

A data folder whose name holds a backtick broke out of the notebook banner's Markdown code span, so raw HTML
(``<img onerror=...>``) landed in every rendered notebook.  The Markdown helper is checked against two
independent renderers (markdown-it-py, the CommonMark reference port, and mistune, which nbconvert uses); then a
whole report is rendered from a folder with a hostile name over data whose company and insider names are
hostile, and no tag or event handler of theirs may survive in any page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html

from insider_kit._markup import md_code
from insider_kit.sample import SampleSpec, generate_sample
from insider_kit.tables import style_table

HOSTILE = [
    "data`<img src=x onerror=alert(1)>`",
    "``<script>alert(2)</script>``",
    "`",
    "a ` b `` c ``` d",
    " lead and trail ",
    "line\nbreak <b>x</b>\r\n\t",
    "*emph* _u_ [link](javascript:alert(3)) <!-- c --> &amp; \\`",
    "ünïcødé — 株式 `x`",
]
EVIL_CO = 'Evil `Co` <img src=x onerror="alert(4)"> <script>alert(5)</script> | *x* $y$'
EVIL_OWNER = "Mallory <b onmouseover=alert(6)>` ``x"


def _render_markdown(text: str) -> list[str]:
    """*text* rendered by markdown-it-py (CommonMark) and by mistune (nbconvert's renderer)."""
    import mistune
    from markdown_it import MarkdownIt

    return [MarkdownIt("commonmark").render(text), mistune.html(text)]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_code_span_shows_any_text_literally(text: str) -> None:
    """Guards against a backtick (or a line break) ending the banner's code span early: the rendered paragraph
    holds exactly one <code> element whose text is the input (control characters shown as escapes)."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    for out in _render_markdown(f"> Data: {md_code(text)} (real data)."):
        doc = lxml_html.fragment_fromstring(out, create_parent="div")
        codes = doc.findall(".//code")
        assert len(codes) == 1 and codes[0].text == shown, out
        assert [e.tag for e in doc.iter()] == ["div", "blockquote", "p", "code"], out


def test_the_banner_of_a_hostile_folder_is_one_code_span(tmp_path: Path) -> None:
    """Guards against the folder's name ending the banner's code span (the notebooks display the banner as
    Markdown): its HTML became elements of the page."""
    from insider_kit.config import DataPaths
    from insider_kit.study import banner

    root = tmp_path / HOSTILE[0]
    root.mkdir()
    for out in _render_markdown("> " + banner(DataPaths(root))):
        doc = lxml_html.fragment_fromstring(out, create_parent="div")
        assert [e.tag for e in doc.iter()] == ["div", "blockquote", "p", "code"], out
        assert doc.find(".//code").text == str(root.resolve())


def test_style_table_escapes_cells_labels_and_names() -> None:
    """Guards against a pandas Styler (which does not escape) putting names from user files into HTML raw."""
    df = pd.DataFrame({EVIL_OWNER: [EVIL_CO], "n": [1200]}, index=pd.Index([EVIL_CO], name="<u>who</u>"))
    doc = lxml_html.fragment_fromstring(style_table(df, count=("n",)), create_parent="div")
    assert {e.tag for e in doc.iter()} <= {"div", "style", "table", "thead", "tbody", "tr", "th", "td"}
    assert EVIL_CO in doc.text_content() and EVIL_OWNER in doc.text_content() and "1,200" in doc.text_content()


def _hostile_names(root: Path) -> None:
    """Every issuer and reporting owner of the market's SEC zips renamed with markup, and the market marked as
    real data (the banner then names its folder)."""
    for z in sorted((root / "raw" / "sec").glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            members = {i.filename: zf.read(i) for i in zf.infolist()}
        for name, col, value in (("SUBMISSION.tsv", "ISSUERNAME", EVIL_CO),
                                 ("REPORTINGOWNER.tsv", "RPTOWNERNAME", EVIL_OWNER)):
            lines = members[name].decode().split("\n")
            k = lines[0].split("\t").index(col)
            for i in range(1, len(lines)):
                if lines[i]:
                    f = lines[i].split("\t")
                    f[k] = value
                    lines[i] = "\t".join(f)
            members[name] = "\n".join(lines).encode()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, b in members.items():
                zf.writestr(n, b)
        z.write_bytes(buf.getvalue())
    (root / "SYNTHETIC").unlink()


def test_a_report_on_hostile_names_carries_no_markup_of_theirs(tmp_path: Path) -> None:
    """Guards against raw HTML from a data folder's name (the notebook banner) or from company and insider names
    (tables, pages) in any rendered page: no element of theirs, no event handler, no script of theirs."""
    from insider_kit.reports import render_reports

    folder = HOSTILE[0]
    root = tmp_path / folder
    generate_sample(root, seed=11, spec=SampleSpec(n_firms=25, start="2019-01-02", end="2021-12-31"), progress=False)
    _hostile_names(root)
    out = tmp_path / "reports"
    res = render_reports(data=root, out=out, only=["00_quickstart", "06_company"])
    assert res.ok, res.failed
    pages = sorted(out.glob("*.html")) + sorted((out / "claims").glob("*.html"))
    assert len(pages) >= 4
    banners = 0
    for page in pages:
        doc = lxml_html.fromstring(page.read_bytes())
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            handlers = {k: v for k, v in el.attrib.items() if k.lower().startswith("on") and "alert" in v}
            assert not handlers, f"{page.name}: <{el.tag} {handlers}>"
            if el.tag == "script":
                assert "alert(" not in (el.text or ""), f"{page.name}: a script of the data's"
            assert not (el.tag == "img" and el.get("src") == "x"), f"{page.name}: the folder's <img> is a tag"
            assert not (el.tag == "b" and "Mallory" in (el.getparent().text_content() if el.getparent() is not None
                                                          else "") and el.get("onmouseover")), page.name
        # the folder's name is shown, literally, as text
        banners += sum(folder in (c.text_content() or "") for c in doc.iter("code", "p"))
        if page.stem in ("00_quickstart", "06_company"):
            assert any(c.text_content().strip() == str(root.resolve()) for c in doc.iter("code")), page.name
    assert banners >= 4
    company = (out / "06_company.html").read_text()
    assert "Evil `Co` &lt;img" in company  # the names are there, as text
