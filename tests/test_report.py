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
import time
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


def test_a_bad_file_exits_2_within_3_seconds_from_the_command_line(tmp_path):
    """The whole command, interpreter start included: no kernel, no notebook, nothing heavy first."""
    bad = tmp_path / "orders.csv"
    bad.write_text(BAD_INPUTS["bad_dates"], encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lifecycle_lib.cli", "report", str(bad), "--out",
                           str(tmp_path / "report.html")], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:lifecycle_lib"})
    elapsed = time.perf_counter() - started
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("lifecycle: ") and done.stderr.count("\n") == 1 and done.stdout == ""
    assert elapsed < 3.0, f"a bad file took {elapsed:.1f} s to be refused"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


def test_the_lessons_parameters_are_the_reports_options():
    """Running the lesson on one's own file (papermill) takes the same options as the command."""
    cell = next(c for c in read_notebook(NOTEBOOK)["cells"] if "parameters" in c["metadata"].get("tags", []))
    names = {node.targets[0].id for node in ast.parse(cell["source"]).body if isinstance(node, ast.Assign)}
    assert names == set(report_parameters("orders.csv")) == {
        "orders_file", "observation_period_end", "customer_id_col", "datetime_col", "monetary_value_col",
        "order_col", "product_col", "sheet", "currency_col", "rates", "drop_duplicates", "customers_csv"}


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
    assert not re.search(r"\blessons?\b", text, re.IGNORECASE) and "12 Capstone" not in text  # a report, not a lesson
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
    assert "In RFM terms the best-ranked group" not in text and "customers to contact first" not in text
    assert "not used for this file" in text  # the glossary says why there are no segments
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
    assert "In RFM terms the best-ranked group" in text and "customers to contact first" in text
    assert "BG/NBD and Gamma-Gamma" in text and "No 5-year forecast" not in text
    assert "P(alive)" in text and "named from the R and F scores" in text
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


@pytest.mark.slow
def test_the_lesson_and_the_report_show_the_same_numbers(tmp_path):
    """Notebook 12, run in a fresh kernel, writes exactly the report's paragraphs for the sample shop."""
    import mistune

    from lifecycle_lib.tools.execute import execute_notebook

    ran = execute_notebook(NOTEBOOK, cwd=tmp_path, timeout=120)
    lesson = ["".join(out["data"]["text/markdown"]) for cell in ran.cells if cell.cell_type == "code"
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
