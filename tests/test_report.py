"""`lifecycle report`: unusable files end with exit status 2, one message and no report file, in
seconds; usable exports (Shopify, WooCommerce, UCI, a plain table) produce one self-contained HTML
page, built in the command's own process from the same section functions the capstone lesson
shows, whose data-quality section lists what was repaired and whose glossary defines every label."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from lifecycle_lib._util.notebooks import read_notebook
from lifecycle_lib.cli import main
from lifecycle_lib.tools import report, report_sections
from lifecycle_lib.tools.report import NOTEBOOK, report_parameters

DATA = Path(__file__).parent / "data"
EXPORTS = sorted((Path(__file__).parent / "fixtures" / "exports").glob("*.csv"))
ROOT = Path(__file__).resolve().parents[1]

BAD_INPUTS = {
    "missing": None,
    "empty": "",
    "header_only": "customer,date,amount\n",
    "no_customer_column": "who_bought,date,amount\nann,2024-01-05,10\nbob,2024-02-01,20\n",
    "bad_dates": "customer,date,amount\nann,2024-01-05,10\nbob,yesterday,20\n",
    "text_amounts": "customer,date,amount\nann,2024-01-05,10\nbob,2024-02-01,twenty\n",
    "one_customer": "customer,date,amount\nann,2024-01-05,10\nann,2024-02-01,20\n",
    "one_day": "customer,date,amount\nann,2024-01-05,10\nbob,2024-01-05,20\n",
    "not_a_table": "Dear shop owner,\nplease find our orders attached.\nKind regards\n",
}


def _stage_keys() -> list[str]:
    """Every stage key written with an underscore (``at_risk``, ``product_support``, ...): never on a page."""
    from lifecycle_lib.analytics import frameworks, segments

    keys = set(segments.RELATIONSHIP_STAGES) | {s.key for fw in frameworks.FRAMEWORKS.values() for s in fw.stages}
    return sorted(k for k in keys | set(frameworks.FRAMEWORKS) if "_" in k)


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_unusable_input_exits_2_with_one_message_and_no_file(case, tmp_path, capsys):
    path = tmp_path / f"{case}.csv"
    if BAD_INPUTS[case] is not None:
        path.write_text(BAD_INPUTS[case], encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["report", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifecycle: ") and err.count("\n") == 1
    assert str(path) in err and "Fix:" in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name] if path.exists() else [])


def test_the_message_names_the_file_as_given(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text(BAD_INPUTS["bad_dates"], encoding="utf-8")
    assert main(["report", "orders.csv", "--out", "report.html"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifecycle: orders.csv: column 'date': ") and str(tmp_path) not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


def test_a_bad_file_fails_before_any_analysis(tmp_path, monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("the file was analysed although it could not be read")

    monkeypatch.setattr(report_sections, "analyse", never)
    (tmp_path / "orders.csv").write_text(BAD_INPUTS["text_amounts"], encoding="utf-8")
    assert main(["report", str(tmp_path / "orders.csv"), "--out", str(tmp_path / "report.html")]) == 2
    assert "column 'amount'" in capsys.readouterr().err


def test_a_bad_file_exits_2_from_the_command_line_before_anything_heavy_is_loaded(tmp_path):
    """The whole command, interpreter start included: no kernel, no notebook, no model, no engine first."""
    bad = tmp_path / "orders.csv"
    bad.write_text(BAD_INPUTS["bad_dates"], encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "lifecycle_lib.cli", "report", str(bad), "--out",
                           str(tmp_path / "report.html")], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:lifecycle_lib"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("lifecycle: ") and done.stderr.count("\n") == 1 and done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]
    probe = ("import sys; from lifecycle_lib.cli import main; code = main(sys.argv[1:]); "
             "heavy = {'matplotlib', 'nbclient', 'jupyter_client', 'lifetimes', 'scipy', 'sklearn', 'nbconvert'}; "
             "print(sorted(heavy & set(sys.modules))); sys.exit(code)")
    loaded = subprocess.run([sys.executable, "-c", probe, "report", str(bad), "--out", str(tmp_path / "r.html")],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert loaded.returncode == 2 and loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr


def test_the_lessons_parameters_are_the_reports_options():
    """Running the lesson on one's own file (papermill) takes the same options as the command."""
    cell = next(c for c in read_notebook(NOTEBOOK)["cells"] if "parameters" in c["metadata"].get("tags", []))
    names = {node.targets[0].id for node in ast.parse(cell["source"]).body if isinstance(node, ast.Assign)}
    assert names == set(report_parameters("orders.csv")) == {
        "orders_file", "observation_period_end", "customer_id_col", "datetime_col", "monetary_value_col",
        "order_col", "product_col", "sheet", "currency_col", "rates", "drop_duplicates", "customers_csv",
        "currency"}


def test_as_of_before_first_order_exits_2(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["report", str(DATA / "plain_semicolon_de.csv"), "--out", str(out), "--observation-period-end", "2020-01-01"])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "Bestelldatum" in err and "--observation-period-end" in err


def test_unknown_column_option_exits_2(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(DATA / "plain_semicolon_de.csv"), "--out", str(out), "--customer-id-col", "Client"]) == 2
    assert "'Client'" in capsys.readouterr().err and not out.exists()


def test_output_folder_must_exist(tmp_path, capsys):
    out = tmp_path / "no_such_folder" / "report.html"
    assert main(["report", str(DATA / "plain_semicolon_de.csv"), "--out", str(out)]) == 2
    assert "folder" in capsys.readouterr().err and not out.parent.exists()


def test_output_must_be_an_html_name(tmp_path, capsys):
    assert main(["report", str(DATA / "plain_semicolon_de.csv"), "--out", str(tmp_path / "report.pdf")]) == 2
    assert ".html" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


def _text(html: str) -> str:
    body = re.sub(r"<style[\s\S]*?</style>|<script[\s\S]*?</script>", " ", html)
    body = re.sub(r"<[^>]+>", " ", body)
    for entity, char in (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&#39;", "'"), ("&#x27;", "'"),
                         ("&quot;", '"'), ("&#34;", '"')):
        body = body.replace(entity, char)
    return re.sub(r"\s+", " ", body)


def _check_page(html: str) -> str:
    """What every report page must be: self-contained, in plain words, with no code, error or warning."""
    text = _text(html)
    assert "7. Data quality" in text and "What to do next" in text and "Summary" in text
    assert "Glossary" in text and all(term in text for term in ("new", "active", "returning", "at risk", "lapsed",
                                                                "R, F and M scores", "RFM segments", "P(alive)",
                                                                "5-year value", "typical gap"))
    # the lesson's teaching frame is left out of a report
    assert "Questionnaire" not in text and "Learning goals" not in text and "Contents" not in text
    assert not re.search(r"\blessons?\b", text, re.IGNORECASE) and "Capstone" not in text  # a report, not a lesson
    keys = [key for key in _stage_keys() if re.search(rf"\b{key}\b", text)]
    assert not keys, f"stage keys on the page: {keys}"
    assert not re.search(r"\b(nan|inf|infinity|nat)\b", text, re.IGNORECASE), "a missing number reached the page"
    assert not re.search(r"\bNone\b", text), "a missing value reached the page"
    assert html.count("data:image/png;base64") >= 1  # plots embedded
    assert not re.search(r"<(script|link|iframe)\b", html) and not re.search(r'\b(src|href)="https?://', html)
    assert "read_orders(" not in text and "import pandas" not in text  # no code
    assert "Traceback" not in text and "Warning" not in text and "Error" not in text
    return text


@pytest.mark.parametrize(
    "fixture, layout, quality",
    [
        ("shopify_orders.csv", "Shopify orders export", "partial refunds"),
        ("woocommerce_orders.csv", "WooCommerce orders export", "refunded, cancelled or failed orders"),
        ("online_retail.csv", "Online Retail", "exact duplicate lines"),
        ("plain_semicolon_de.csv", "a customer / date / amount table", "returns, refunds or cancellations"),
    ],
)
def test_exports_produce_a_self_contained_report(fixture, layout, quality, tmp_path):
    out = tmp_path / "report.html"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["report", str(DATA / fixture), "--out", str(out)]) == 0
    assert [str(w.message) for w in caught] == []
    html = out.read_text(encoding="utf-8")
    text = _check_page(html)
    assert layout in text and quality in text
    # these exports hold a handful of customers: the report says so, and shows no segments or forecast
    assert "Enough data?" in text and "would not mean anything, so they are left out" in text
    assert "No 5-year forecast is made" in text and "RFM segments are left out" in text
    assert "In RFM terms the best-ranked group" not in text and "How the groups moved" not in text
    assert "not used for this file" in text  # the glossary says why there are no segments
    # the one ranked list is of relationship stages, by spend so far, and names whom to contact in each
    assert "ranked by what the whole group has spent so far" in text and "Whom to contact first in each group" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report_customers.csv"]  # nothing else left
    _check_customer_list(DATA / fixture, tmp_path / "report_customers.csv")


@pytest.mark.parametrize("export", EXPORTS, ids=[p.name for p in EXPORTS])
def test_every_fixture_export_reads_as_a_report(export, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(export), "--out", str(out)]) == 0
    _check_page(out.read_text(encoding="utf-8"))
    _check_customer_list(export, tmp_path / "report_customers.csv")


def test_amounts_carry_the_shops_currency(tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(DATA / "shopify_orders.csv"), "--out", str(out)]) == 0
    text = _text(out.read_text(encoding="utf-8"))
    total = re.search(r"worth ([\d,.]+) EUR in total", text)
    assert total, "the total sales are not written with their currency"
    from lifecycle_lib.data.readers import read_orders

    assert float(total.group(1).replace(",", "")) == pytest.approx(read_orders(DATA / "shopify_orders.csv").orders["amount"].sum(), abs=0.5)


def _check_customer_list(orders_file, listing):
    """The CSV beside a report: every customer once, the columns promised, spend as the reader found it."""
    import pandas as pd

    from lifecycle_lib.analytics.customer_value import CUSTOMER_LIST_COLUMNS
    from lifecycle_lib.data.readers import read_orders

    table = pd.read_csv(listing, dtype={"customer_id": str})
    orders = read_orders(orders_file).orders
    assert tuple(table.columns) == CUSTOMER_LIST_COLUMNS
    assert table["customer_id"].is_unique and set(table["customer_id"]) == set(orders["customer_id"])
    spend = orders.groupby("customer_id")["amount"].sum().round(2)
    assert table.set_index("customer_id")["spend"].sort_index().to_numpy() == pytest.approx(spend.sort_index().to_numpy(), abs=0.011)
    forecast = table["five_year_value"].notna().all()
    assert table["five_year_value" if forecast else "spend"].is_monotonic_decreasing
    assert table["next_action"].str.len().gt(0).all()
    assert forecast or table["segment"].isna().all()  # below the requirements: no segment, no forecast
    assert not table["stage"].isin(_stage_keys()).any()  # plain words in the CSV too


def test_sample_report_uses_the_models_and_column_options(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text(
        "buyer,day,paid,item\n" + "".join(
            f"c{i % 7},2024-{1 + i % 12:02d}-{1 + i % 27:02d},{10 + i % 5},{'ab'[i % 2]}\n" for i in range(60)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "mine.html"
    code = main(["report", str(csv), "--out", str(out), "--customer-id-col", "buyer", "--datetime-col", "day",
                 "--monetary-value-col", "paid", "--product-col", "item"])
    assert code == 0
    text = _check_page(out.read_text(encoding="utf-8"))
    assert "buyer" in text and "7 customers" in text
    assert "would not mean anything" in text and "No 5-year forecast is made" in text  # 7 customers: said, skipped


def test_a_shop_above_the_requirements_gets_segments_a_forecast_and_who_to_contact(tmp_path):
    from test_customers import repeat_buyers

    orders = repeat_buyers()
    path = tmp_path / "shop.csv"
    orders.to_csv(path, index=False)
    out = tmp_path / "report.html"
    assert main(["report", str(path), "--out", str(out), "--observation-period-end", "2025-01-01"]) == 0
    text = _check_page(out.read_text(encoding="utf-8"))
    assert "enough customers and history for RFM segments and a 5-year forecast" in text
    assert "In RFM terms the best-ranked group" in text and "Whom to contact first in each group" in text
    assert "BG/NBD and Gamma-Gamma" in text and "No 5-year forecast" not in text
    assert "P(alive)" in text and "named from R and FM, the mean of the F and M scores" in text
    assert "ranked by the expected 5-year spend of the whole group" in text
    # a year of orders: three months back there were enough customers and days to score them then
    assert "How the groups moved since the previous quarter." in text and "The largest moves between segments" in text
    _check_customer_list(path, tmp_path / "report_customers.csv")


def test_a_warning_becomes_a_finding_and_never_reaches_the_page_as_one(tmp_path, monkeypatch):
    from lifecycle_lib.analytics import purchases

    real = purchases.first_channels

    def noisy(orders):
        warnings.warn("the channel column mixes upper and lower case", UserWarning, stacklevel=2)
        return real(orders)

    monkeypatch.setattr(purchases, "first_channels", noisy)
    out = tmp_path / "report.html"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escaped would fail the run
        assert main(["report", str(DATA / "shopify_orders.csv"), "--out", str(out)]) == 0
    text = _check_page(out.read_text(encoding="utf-8"))
    assert "a calculation reported a problem" in text and "mixes upper and lower case" in text


def test_a_failed_run_leaves_no_report_and_no_customer_list(tmp_path, monkeypatch):
    out = tmp_path / "report.html"

    def broken(*args, **kwargs):
        raise RuntimeError("the page could not be drawn")

    monkeypatch.setattr(report, "render_page", broken)
    with pytest.raises(RuntimeError, match="could not be drawn"):
        report.make_report(DATA / "shopify_orders.csv", out=out)
    assert list(tmp_path.iterdir()) == []


def test_a_rename_that_fails_half_way_puts_back_the_earlier_report(tmp_path, monkeypatch):
    """The page and its list are replaced together: a failure between the two renames undoes the first."""
    out = tmp_path / "report.html"
    report.make_report(DATA / "shopify_orders.csv", out=out)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if Path(dst) == out and str(src).endswith(".part"):
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(report.os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        report.make_report(DATA / "woocommerce_orders.csv", out=out)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # the earlier run's files, untouched
    assert report.customers_csv_path(out) in [Path(c) for c in calls]  # the list had been replaced, then undone


def test_figures_are_drawn_by_agg_and_released(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    shop = report_sections.read_shop(DATA / "shopify_orders.csv")
    sections = report_sections.all_sections(shop)
    figures = [fig for section in sections for fig in section.figures]
    page = report.render_page(sections, title="test")
    assert figures and page.count("data:image/png;base64") == len(figures)
    assert all(isinstance(fig.canvas, FigureCanvasAgg) and not fig.axes for fig in figures)


def test_tables_are_plain_html_with_numbers_right_aligned():
    import pandas as pd

    section = report_sections.Section("Test", blocks=[pd.DataFrame({"segment": ["<b>x</b>"], "revenue": ["1,234 EUR"]})])
    page = report.render_page([section], title="t")
    assert "<th scope=\"col\">segment</th>" in page and '<th class="num" scope="col">revenue</th>' in page
    assert '<td class="num">1,234 EUR</td>' in page and "&lt;b&gt;x&lt;/b&gt;" in page  # the file's text is escaped


def test_dates_and_ids_do_not_wrap_and_a_long_action_gets_room():
    import pandas as pd

    action = "Win them back personally: find out what went wrong (support tickets, reviews), fix it, then send an offer."
    frame = pd.DataFrame({"customer": ["S-01310"], "last order": ["2025-12-11"], "stage": ["at risk"],
                          "what to do": [action]})
    page = report.render_page([report_sections.Section("Test", blocks=[frame])], title="t")
    assert '<td class="tight">S-01310</td>' in page and '<td class="tight">2025-12-11</td>' in page
    assert "<td>at risk</td>" in page and f'<td class="wide">{action}</td>' in page
    assert "td.tight { white-space: nowrap; }" in page


@pytest.mark.slow
def test_the_lesson_and_the_report_show_the_same_numbers(tmp_path):
    """The capstone lesson, run in a fresh kernel, writes exactly the report's paragraphs for the sample shop."""
    import mistune

    from lifecycle_lib.tools.execute import execute_notebook

    ran = execute_notebook(NOTEBOOK, cwd=tmp_path, timeout=120)
    # the cells that show a section (the lesson may add cells of its own, which the report does not have)
    shows_a_section = re.compile(r"\bsections\.\w+_section\(shop\)")
    lesson = ["".join(out["data"]["text/markdown"]) for cell in ran.cells
              if cell.cell_type == "code" and shows_a_section.search(cell.source)
              for out in cell.get("outputs", []) if "text/markdown" in out.get("data", {})]
    out = tmp_path / "report.html"
    report.make_report(None, out=out)
    page = _text(out.read_text(encoding="utf-8"))
    paragraphs = [p for section in report_sections.all_sections(report_sections.read_shop()) for p in section.paragraphs]
    assert lesson == paragraphs
    markdown = mistune.create_markdown(escape=True)
    for paragraph in lesson:
        assert _text(markdown(paragraph)).strip() in page, paragraph
    headline = re.findall(r"\d[\d,.]*%?", " ".join(lesson))
    assert len(headline) > 30 and all(number in page for number in headline)


# --------------------------------------------------------------------------------------------
# Segments from R, F and M, their movement, and the one ranked list (the sample shop and CDNOW)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_shop():
    return report_sections.read_shop()


@pytest.fixture(scope="module")
def cdnow_shop():
    from lifecycle_lib.data import datasets
    from lifecycle_lib.data.readers import read_orders

    return report_sections.analyse(read_orders(datasets.load_cdnow_master(), name="the CDNOW log"),
                                   title="CDNOW", currency="USD")


def _amount(text: str) -> float:
    """'1,234 USD' -> 1234.0."""
    return float(text.split()[0].replace(",", ""))


def _table_after(section, words: str):
    """The first table that follows the paragraph containing ``words``."""
    at = next(i for i, block in enumerate(section.blocks) if isinstance(block, str) and words in block)
    return next(block for block in section.blocks[at:] if hasattr(block, "columns"))


def _every_cell(sections) -> list[str]:
    return [str(v) for section in sections for table in section.tables for v in
            [*table.columns, *table.to_numpy().ravel()]] + [p for section in sections for p in section.paragraphs]


@pytest.mark.parametrize("which", ["sample_shop", "cdnow_shop"])
def test_segments_use_r_f_and_m(which, request):
    from lifecycle_lib.analytics import customers, rfm

    shop = request.getfixturevalue(which)
    people = shop.people
    expected = rfm.rfm_segments(people[["R", "F", "M"]], by="RFM")
    assert people["segment"].astype(str).tolist() == expected["segment"].astype(str).tolist()
    assert (people["FM"] == expected["FM"]).all()
    # M matters: some customers sit elsewhere than R and F alone would put them
    assert (rfm.rfm_segments(people[["R", "F"]])["segment"] != people["segment"]).any()
    glossary = report_sections.glossary_section(shop)
    terms = dict(zip(glossary.tables[0]["term"], glossary.tables[0]["what it means here"]))
    assert terms["RFM segments"].startswith("named from R and FM") and "Champions: R 5 and FM 4-5" in terms["RFM segments"]
    scores = glossary.tables[1]
    assert scores.columns.tolist() == ["score", "R: days since the last order", "F: repeat purchase days",
                                       "M: spend so far"]
    assert scores["score"].tolist() == ["5", "4", "3", "2", "1"]
    ranges = customers.score_ranges(people)
    assert scores["R: days since the last order"].iloc[0].split(" to ")[0] == f"{int(ranges.loc[5, ('R', 'min')]):,}"


@pytest.mark.parametrize("which", ["sample_shop", "cdnow_shop"])
def test_section_2_shows_how_the_groups_moved_since_the_previous_quarter(which, request):
    import pandas as pd

    from lifecycle_lib.analytics import rfm

    shop = request.getfixturevalue(which)
    section = report_sections.customers_section(shop)
    moved = shop.movement
    assert moved.shown
    then = f"{moved.earlier:%d %b %Y}"
    counts = _table_after(section, "How the groups moved since the previous quarter.")
    assert counts.columns.tolist() == ["RFM segment", f"customers on {then}", "of them, still in it", "customers now",
                                       "change"]
    segments = next(t for t in section.tables if "revenue" in t.columns)  # the table of segments above it
    shown_now = dict(zip(counts["RFM segment"], counts["customers now"]))
    assert {k: v for k, v in shown_now.items() if v != "0"} == dict(zip(segments["RFM segment"], segments["customers"]))
    # the same numbers rfm_movement gives, recomputed here from the orders
    table = rfm.rfm_movement(shop.orders, shop.as_of, 3, customer_id_col="customer_id", datetime_col="order_date",
                             monetary_value_col="amount", by="RFM")
    before = table.drop(index="(not a customer yet)", errors="ignore")
    for name, n_then, kept, n_now, change in counts.to_numpy():
        expect_then = int(before.loc[name].sum()) if name in before.index else 0
        expect_kept = int(before.loc[name, name]) if name in before.index and name in before.columns else 0
        assert int(n_then.replace(",", "")) == expect_then and int(kept.replace(",", "")) == expect_kept
        assert int(n_now.replace(",", "")) == int(table[name].sum()) if name in table.columns else n_now == "0"
        assert int(change.replace(",", "")) == int(n_now.replace(",", "")) - expect_then
    flows = _table_after(section, "The largest moves between segments")
    assert flows.columns.tolist() == [f"segment on {then}", "segment now", "customers"]
    sizes = [int(v.replace(",", "")) for v in flows["customers"]]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) <= 8
    for start, end, n in zip(flows[f"segment on {then}"], flows["segment now"], sizes):
        assert start != end and int(before.loc[start, end]) == n
    biggest = pd.Series(before.to_numpy().ravel()).where(
        ~pd.Series([a == b for a in before.index for b in before.columns])).max()
    assert sizes[0] == biggest
    paragraph = next(p for p in section.paragraphs if "How the groups moved" in p)
    assert f"**{moved.moved:,}**" in paragraph
    assert (f"{moved.new_customers:,} customer" if moved.new_customers else "no customer ordered") in paragraph


def test_the_movement_is_skipped_with_a_sentence_when_the_history_is_short():
    """60 customers over 100 days: enough for segments now, but three months earlier only 10 days had passed."""
    import pandas as pd

    from lifecycle_lib.data.readers import read_orders

    days = list(range(0, 100, 2)) + list(range(1, 100, 10))  # 50 first orders, 10 more customers later
    orders = pd.DataFrame({"customer": [f"c{i:02d}" for i in range(60)],
                           "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
                           "amount": [10.0 + i for i in range(60)]})
    shop = report_sections.analyse(read_orders(orders))
    assert shop.enough.segments and not shop.movement.shown
    section = report_sections.customers_section(shop)
    said = [p for p in section.paragraphs if "How the groups moved" in p]
    earlier = shop.movement.earlier
    known = orders[orders["date"] < earlier + pd.Timedelta(days=1)]
    span = (known["date"].max() - known["date"].min()).days
    assert said == [f"**How the groups moved since the previous quarter** is not shown: on {earlier:%d %b %Y} the "
                    f"file had {len(known):,} customers and {span:,} days of orders, and RFM segments need at least "
                    f"50 customers and 90 days."]
    assert not any("The largest moves" in p for p in section.paragraphs)


@pytest.mark.parametrize("which", ["sample_shop", "cdnow_shop"])
def test_one_ranked_list_whose_ranks_agree_with_the_values_shown(which, request):
    shop = request.getfixturevalue(which)
    section = report_sections.actions_section(shop)
    ranked = _table_after(section, "**The list**")
    assert ranked.columns.tolist() == ["rank", "RFM segment", "customers", "share of customers", "5-year value (group)",
                                       "5-year value per customer", "what to do"]
    assert ranked["rank"].tolist() == [str(i) for i in range(1, len(ranked) + 1)]
    shown = [_amount(v) for v in ranked["5-year value (group)"]]
    assert shown == sorted(shown, reverse=True), "a group ranked above one worth more"
    plan = shop.actions.table
    assert shown == [round(v) for v in plan["value"]]
    assert ranked["RFM segment"].tolist() == plan.index.tolist()
    # never a group above one with more customers and more expected value per customer
    rows = plan[["customers", "value per customer"]].to_numpy()
    for i, (n_i, v_i) in enumerate(rows):
        assert not any(n_j >= n_i and v_j >= v_i and (n_j > n_i or v_j > v_i) for n_j, v_j in rows[i + 1:])
    # the group values add up to section 5's total and follow its table
    assert sum(plan["value"]) == pytest.approx(float(shop.value.five_year.sum()))
    by_segment = shop.value.by_segment["5-year value (total)"]
    assert plan["value"].to_dict() == pytest.approx({str(k): v for k, v in by_segment.items()})
    first = section.paragraphs[0]
    assert first.startswith(f"**First:** {plan.index[0]} ({int(plan['customers'].iloc[0]):,} customers")
    assert report_sections.summary_section(shop).paragraphs[0].count(f"start with {plan.index[0]} (") == 1
    rule = next(p for p in section.paragraphs if p.startswith("**The list**"))
    assert "ranked by the expected 5-year spend of the whole group" in rule


@pytest.mark.parametrize("which", ["sample_shop", "cdnow_shop"])
def test_the_top_customers_of_every_group_to_act_on(which, request):
    shop = request.getfixturevalue(which)
    section = report_sections.actions_section(shop)
    contacts = _table_after(section, "Whom to contact first in each group")
    assert contacts.columns.tolist()[:7] == ["rank", "RFM segment", "customer", "relationship stage", "last order",
                                             "orders", "spend so far"]
    assert {"5-year value", "next action"} <= set(contacts.columns)
    plan = shop.actions.table
    groups, current = [], None
    for name in contacts["RFM segment"]:
        current = name or current
        groups.append(current)
    sizes = {g: groups.count(g) for g in dict.fromkeys(groups)}
    assert list(sizes) == plan.index.tolist(), "every group of the list, in its order"
    for group, n in sizes.items():
        assert n == min(5, int(plan.loc[group, "customers"]))
    listing = shop.customer_list.set_index("customer_id")
    for group, customer, value in zip(groups, contacts["customer"], contacts["5-year value"]):
        assert listing.loc[customer, "segment"] == group
        assert _amount(value) == pytest.approx(listing.loc[customer, "five_year_value"], abs=0.51)
    for group in sizes:  # the group's highest expected values
        mine = listing[listing["segment"] == group]["five_year_value"].nlargest(sizes[group])
        picked = [c for g, c in zip(groups, contacts["customer"]) if g == group]
        assert sorted(listing.loc[picked, "five_year_value"]) == sorted(mine)
    assert contacts["next action"].iloc[0] == listing.loc[contacts["customer"].iloc[0], "next_action"]


@pytest.mark.parametrize("which", ["sample_shop", "cdnow_shop"])
def test_no_missing_number_stage_key_or_bare_amount_reaches_the_sections(which, request):
    shop = request.getfixturevalue(which)
    sections = report_sections.all_sections(shop)
    cells = _every_cell(sections)
    bad = [c for c in cells if re.search(r"\b(nan|inf|infinity|NaT|None)\b", c, re.IGNORECASE)]
    assert not bad
    keys = [c for c in cells for key in _stage_keys() if re.search(rf"\b{key}\b", c)]
    assert not keys
    assert shop.notes == []
    for table in report_sections.actions_section(shop).tables:
        for column in ("5-year value (group)", "5-year value per customer", "spend so far", "5-year value"):
            if column in table.columns:
                assert all(v.endswith(f" {shop.currency}") for v in table[column] if v != "-"), column
    for section in sections:
        for fig in section.figures:  # values written on the bars
            for ax in fig.axes:
                if ax.containers:
                    assert sum(len(c) for c in ax.containers) <= len(ax.texts)


def test_a_small_shop_worked_out_by_hand(monkeypatch):
    """The five customers of tests/test_customers.py, with requirements lowered so that they get segments.

    Ranked by spend so far (no forecast): Champions b 100 and Loyal a 100 tie on value and size, so the
    order of the segments decides; then Hibernating d 80 + e 15 = 95 and About to Sleep c 15.
    """
    from test_customers import FIVE_ARE_ENOUGH, shop

    from lifecycle_lib.analytics import customers
    from lifecycle_lib.data.readers import read_orders

    monkeypatch.setattr(customers, "REQUIREMENTS", {**FIVE_ARE_ENOUGH, "customers who ordered": (3, 1000)})
    orders = shop().rename(columns={"customer_id": "customer", "order_date": "date", "order_id": "order"})
    small = report_sections.analyse(read_orders(orders, observation_period_end="2024-07-01"))
    assert small.enough.segments and not small.enough.forecast
    section = report_sections.actions_section(small)
    ranked = _table_after(section, "**The list**")
    assert ranked[["rank", "RFM segment", "customers", "spend so far (group)", "spend so far per customer"]
                  ].to_numpy().tolist() == [["1", "Champions", "1", "100", "100"], ["2", "Loyal", "1", "100", "100"],
                                            ["3", "Hibernating", "2", "95", "48"],  # whole units in the column
                                            ["4", "About to Sleep", "1", "15", "15"]]
    assert ranked["share of customers"].tolist() == ["20%", "20%", "40%", "20%"]
    contacts = _table_after(section, "Whom to contact first in each group")
    assert contacts[["rank", "RFM segment", "customer", "relationship stage", "orders", "spend so far"]
                    ].to_numpy().tolist() == [["1", "Champions", "b", "returning", "2", "100"],
                                              ["2", "Loyal", "a", "active", "3", "100"],
                                              ["3", "Hibernating", "d", "at risk", "1", "80"],
                                              ["", "", "e", "active", "1", "15"],
                                              ["4", "About to Sleep", "c", "new", "1", "15"]]
    assert "5-year value" not in contacts.columns and "P(alive)" not in contacts.columns  # nothing fitted
    assert contacts["last order"].tolist() == ["2024-06-25", "2024-06-20", "2024-01-05", "2024-03-01", "2024-06-15"]
    glossary = report_sections.glossary_section(small)
    assert glossary.tables[1].to_numpy().tolist() == [  # the values behind each score, as in test_score_ranges
        ["5", "6", "2", "-"], ["4", "11", "1", "100"], ["3", "16", "-", "80"], ["2", "122", "-", "-"],
        ["1", "178", "0", "15"]]
    # 1 April: a Loyal, b Hibernating, d At Risk, e About to Sleep (worked out in tests/test_customers.py)
    moved = _table_after(report_sections.customers_section(small), "How the groups moved")
    assert moved.to_numpy().tolist() == [["Champions", "0", "0", "1", "+1"], ["Loyal", "1", "1", "1", "0"],
                                         ["About to Sleep", "1", "0", "1", "0"], ["At Risk", "1", "0", "0", "-1"],
                                         ["Hibernating", "1", "0", "2", "+1"]]


def test_read_shop_passes_the_engine_on_only_when_one_is_named(monkeypatch):
    seen = []

    def reader(*args, **kwargs):
        seen.append(kwargs.get("engine", "not passed"))
        raise RuntimeError("stop here")

    monkeypatch.setattr(report_sections, "read_orders", reader)
    for engine in ("auto", "duckdb"):
        for orders_file in (None, DATA / "shopify_orders.csv"):
            with pytest.raises(RuntimeError, match="stop here"):
                report_sections.read_shop(orders_file, engine=engine)
    assert seen == ["not passed", "not passed", "duckdb", "duckdb"]


def test_the_cdnow_log_reads_as_a_report(tmp_path):
    """The real CDNOW log (23,570 customers) as a CSV: every check of a page holds, the list covers everyone."""
    from lifecycle_lib.data import datasets

    path = tmp_path / "cdnow.csv"
    datasets.load_cdnow_master().to_csv(path, index=False)
    out = tmp_path / "report.html"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["report", str(path), "--out", str(out)]) == 0
    assert [str(w.message) for w in caught] == []
    text = _check_page(out.read_text(encoding="utf-8"))  # no exception name either, even when a fit fails
    assert "How the groups moved since the previous quarter." in text and "Whom to contact first in each group" in text
    _check_customer_list(path, tmp_path / "report_customers.csv")


# -- the currency of a file that names none ----------------------------------------------------------


def test_a_file_without_a_currency_says_so_and_currency_labels_every_amount(tmp_path, capsys):
    plain = DATA / "plain_semicolon_de.csv"
    unnamed = _text(report.make_report(plain, out=tmp_path / "plain.html").read_text(encoding="utf-8"))
    assert "names no currency" in unnamed and "--currency" in unnamed
    assert main(["report", str(plain), "--out", str(tmp_path / "eur.html"), "--currency", "eur"]) == 0
    named = _text((tmp_path / "eur.html").read_text(encoding="utf-8"))
    assert "names no currency" not in named
    total = re.search(r"worth ([\d,.]+) (\w+) in total", named)
    assert total and total.group(2) == "EUR", named[:600]
    # the same total, now labelled: the option names the currency, it converts nothing
    assert re.search(rf"worth {re.escape(total.group(1))} in total", unnamed)


def test_currency_that_contradicts_the_file_or_is_not_a_code_is_refused(tmp_path, capsys):
    shopify = DATA / "shopify_orders.csv"  # its Currency column says EUR
    out = tmp_path / "report.html"
    assert main(["report", str(shopify), "--out", str(out), "--currency", "USD"]) == 2
    err = capsys.readouterr().err
    assert "in EUR, not USD" in err and "shopify_orders.csv" in err and "--rates" in err and err.count("\n") == 1
    assert main(["report", str(shopify), "--out", str(out), "--currency", "EUR"]) == 0  # agreeing is fine
    capsys.readouterr()
    for bad in ("euro", "E1R", ""):
        assert main(["report", str(shopify), "--out", str(tmp_path / "bad.html"), "--currency", bad]) == 2
        assert "three-letter code" in capsys.readouterr().err
    assert not (tmp_path / "bad.html").exists()
