"""Readers (strict errors, detection limits) and the real national automatic-station data."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from meili.ingest.water import WaterInputError, read_national_table, read_samples, read_sections
from meili.standards.water.classify import compare_published
from tests.helpers import REPO

EXAMPLES = REPO / "examples" / "water"
REGISTRY_HEADER = "section,name,water_body,kind,level,region_code,target_class\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_samples_with_detection_limit_and_missing_cells(tmp_path):
    path = write(tmp_path, "s.csv", "section,date,nh3n,hg,chla\nA,2024-01-05,0.5,0.00004L,\nA,2024-02-05 08:00,,0.0001,3.2\n")
    data = read_samples(path)
    rows = {(r["row"], r["item"]): r for r in data.samples.to_pylist()}
    assert rows[(2, "hg")]["value"] == 0.00004 and rows[(2, "hg")]["below_dl"] is True
    assert rows[(3, "hg")]["below_dl"] is False
    assert (3, "nh3n") not in rows and (2, "chla") not in rows  # empty = not measured
    assert rows[(3, "chla")]["value"] == 3.2


def test_bad_value_names_file_row_column_value_and_expectation(tmp_path):
    path = write(tmp_path, "s.csv", "section,date,nh3n,tp\nA,2024-01-05,0.5,0.1\nA,2024-02-05,abc,0.1\n")
    with pytest.raises(WaterInputError) as error:
        read_samples(path)
    message = str(error.value)
    assert str(path) in message
    assert "第 3 行" in message and "row 3" in message and "column nh3n" in message and "'abc'" in message
    assert "0.01L" in message


def test_bad_date_and_unknown_section_are_errors(tmp_path):
    registry = read_sections(write(tmp_path, "r.csv", REGISTRY_HEADER + "A,甲,赣江,river,national,360702,Ⅲ\n"))
    path = write(tmp_path, "s.csv", "section,date,nh3n\nA,2024-13-05,0.5\nB,2024-01-05,0.5\n")
    with pytest.raises(WaterInputError) as error:
        read_samples(path, registry)
    message = str(error.value)
    assert "column date" in message and "'2024-13-05'" in message
    assert "未知断面" in message and "unknown section" in message and "'B'" in message


def test_registry_errors_and_normalised_values(tmp_path):
    good = read_sections(write(tmp_path, "r.csv", REGISTRY_HEADER + "A,甲,赣江,湖泊,省考,360702,III\n"))
    assert good.to_pylist()[0] | {} == {
        "section": "A", "name": "甲", "water_body": "赣江", "kind": "lake", "level": "provincial",
        "region_code": "360702", "target_class": "Ⅲ", "province": None, "basin": None}
    bad = write(tmp_path, "b.csv", REGISTRY_HEADER + "A,甲,赣江,sea,national,3607,Ⅵ\n")
    with pytest.raises(WaterInputError) as error:
        read_sections(bad)
    message = str(error.value)
    assert "column kind" in message and "'sea'" in message
    assert "column region_code" in message and "'3607'" in message
    assert "column target_class" in message and "'Ⅵ'" in message


def test_missing_column_is_an_error(tmp_path):
    with pytest.raises(WaterInputError, match="列 column date: 缺少列 / missing column"):
        read_samples(write(tmp_path, "s.csv", "section,nh3n\nA,1\n"))


def test_synthetic_example_reads_with_its_registry():
    registry = read_sections(EXAMPLES / "sections.csv")
    data = read_samples(EXAMPLES / "samples.csv", registry)
    assert registry.num_rows == 30
    assert set(registry.column("region_code").to_pylist()) >= {"360702", "360783", "360781"}
    assert data.samples.num_rows > 10_000


def test_real_national_table_reproduces_published_classes(shared_data):
    path = shared_data / "water" / "cnemc-auto-2021-04.csv"
    data = read_national_table(path, 2021)
    assert data.sections.num_rows == 1698
    compared = compare_published(
        ibis.memtable(data.samples), ibis.memtable(data.sections), ibis.memtable(data.published)
    ).to_pyarrow()
    n_rows = compared.num_rows
    agreement = sum(compared.column("agrees").to_pylist()) / n_rows
    assert n_rows == 42557  # rows with a published class Ⅰ–劣Ⅴ
    assert agreement >= 0.97
    assert agreement == pytest.approx(0.97800, abs=5e-5)


# --- issue 15 ----------------------------------------------------------------------------------------------------
def test_defect_06_gb18030_and_utf16_samples_national_table_and_registry(tmp_path):
    from meili.ingest.water import is_national_table, read_water_input
    from tests.helpers.water import NATIONAL_HEADER, NATIONAL_ROW

    samples = "section,date,ph,do,备注\nS1,2024-01-05,7.1,8,北京\n"
    for encoding in ("gb18030", "utf-16"):
        path = tmp_path / f"s-{encoding}.csv"
        path.write_bytes(samples.encode(encoding))
        data = read_samples(path)
        assert sorted(zip(data.samples.column("item").to_pylist(), data.samples.column("value").to_pylist(),
                          strict=True)) == [("do", 8.0), ("ph", 7.1)]
        national = tmp_path / f"n-{encoding}.csv"
        national.write_bytes((NATIONAL_HEADER + NATIONAL_ROW).encode(encoding))
        assert is_national_table(national)
        assert read_water_input(national, year=2021).published.column("published_class").to_pylist() == ["Ⅱ"]
        registry = tmp_path / f"r-{encoding}.csv"
        registry.write_bytes((REGISTRY_HEADER + "S1,章江,章江,河流,国考,360702,Ⅲ\n").encode(encoding))
        assert read_sections(registry).column("kind").to_pylist() == ["river"]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"section,date\n\x81\xff\x00\x00")
    for reader in (is_national_table, read_samples, read_sections):
        with pytest.raises(WaterInputError) as err:
            reader(bad)
        assert err.value.path == str(bad) and err.value.problems[0].kind == "unreadable_file"


def test_defect_14_truncated_row_is_an_error_and_rows_without_values_are_counted(tmp_path):
    from tests.helpers.water import NATIONAL_HEADER, NATIONAL_NO_VALUE_ROW, NATIONAL_ROW

    path = tmp_path / "n.csv"
    path.write_text(NATIONAL_HEADER + NATIONAL_ROW + "江西省,长江流域,A,04-01 04:00,Ⅱ,10", encoding="utf-8")
    with pytest.raises(WaterInputError) as err:
        read_national_table(path, 2021)
    assert (err.value.path, err.value.problems[0].row, err.value.problems[0].kind) == (str(path), 3, "malformed_row")
    path.write_text(NATIONAL_HEADER + NATIONAL_ROW + NATIONAL_NO_VALUE_ROW, encoding="utf-8")
    notes = read_national_table(path, 2021).notes
    assert notes[0].startswith("2 行 / rows, 2 个断面 / sections, 1 行无监测时间 / rows without a time")
    assert notes[1].startswith("1 行没有任何监测值")


def test_defect_14_real_table_counts_rows_without_values(shared_data):
    notes = read_national_table(shared_data / "water" / "cnemc-auto-2021-04.csv", 2021).notes
    assert "1390 行无监测时间" in notes[0] and notes[1].startswith("1189 行没有任何监测值")


def test_defect_15_underscored_numbers_are_not_values(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("section,date,ph,do,tp\nS1,2024-01-05,7.1,1_000,9_7.5\n", encoding="utf-8")
    with pytest.raises(WaterInputError) as err:
        read_samples(path)
    assert [(p.column, p.value) for p in err.value.problems] == [("do", "1_000"), ("tp", "9_7.5")]


def test_full_width_digits_are_a_named_problem_not_a_silent_gap(tmp_path):
    # the shared number grammar (meili.ingest.text) takes ASCII digits only; Python's \d took １２ and let it through
    # as NaN, neither a value nor an error
    path = write(tmp_path, "s.csv", "section,date,ph,do\nS1,2024-01-05,7.1,１２\n")
    with pytest.raises(WaterInputError) as err:
        read_samples(path)
    assert [(p.kind, p.row, p.column, p.value) for p in err.value.problems] == [("non_numeric", 2, "do", "１２")]
