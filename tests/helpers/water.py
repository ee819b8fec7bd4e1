"""Small builders for water tests: long sample tables from plain rows."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

T0 = dt.datetime(2024, 1, 5, 8, 0)


def samples(rows: list[tuple]) -> ibis.Table:
    """Rows ``(section, item, value[, below_dl[, time]])`` → the long sample table; items of one section at
    one time form one sample row."""
    records = []
    for n, r in enumerate(rows):
        section, item, value = r[:3]
        below = r[3] if len(r) > 3 else False
        time = r[4] if len(r) > 4 else T0
        records.append((section, n, time, item, float(value), bool(below)))
    frame = pd.DataFrame(records, columns=["section", "row", "time", "item", "value", "below_dl"])
    frame["row"] = frame.groupby(["section", "time"]).ngroup().astype("int64")
    return ibis.memtable(frame)


def registry(rows: list[dict]) -> ibis.Table:
    defaults = {"name": "", "water_body": "w", "kind": "river", "level": "national", "region_code": "360702",
                "target_class": None}
    return ibis.memtable(pd.DataFrame([{**defaults, **r} for r in rows]))


NATIONAL_HEADER = ("省份,流域,断面名称,监测时间,水质类别,水温(℃),pH(无量纲),溶解氧(mg/L),电导率(μS/cm),浊度(NTU),"
                   "高锰酸盐指数(mg/L),氨氮(mg/L),总磷(mg/L),总氮(mg/L),叶绿素α(mg/L),藻密度(cells/L),站点情况\n")
NATIONAL_ROW = "江西省,长江流域,A,04-01 00:00,Ⅱ,10,7.5,8,100,5,2,0.1,0.05,1,*,*,正常\n"
NATIONAL_NO_VALUE_ROW = "江西省,长江流域,B,--,*,*,*,--,--,--,--,--,--,--,*,*,维护\n"
