"""町の様子, tables and text: the interface's words, the week's counts, one household's facts and timeline.

Plain functions returning tables and escaped HTML for the side panel of the town view
(:mod:`dashboards.town_view`), tested without a browser. The page's words live in ``TEXT``,
one table per language, as the other dashboard modules keep theirs.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from sim import vocabulary
from sim.domain import Stage
from sim.replay import Recording
from sim.town import VENUE_KAYOI, Town

TEXT: dict[str, dict[str, str]] = {
    "ja": {
        "intro": (
            "一つひとつの点が世帯です。四角いまとまりが自治会の区域、その中の帯が民生委員の担当地区"
            "（桃色は民生委員が不在の地区）。色は生活課題の段階、白抜きの輪は行政がまだ把握していない課題です。"
            "◆は通いの場・サロン、★は居場所。再生するか週を動かし、世帯をクリックすると、その世帯の経過が読めます。"
        ),
        "recording": "町の{weeks}週を計算しています…",
        "week": "週",
        "week_of": "第{week}週（{year}年目）／全{weeks}週",
        "play": "再生",
        "pause": "一時停止",
        "back": "1週戻る",
        "forward": "1週進む",
        "start": "最初へ",
        "speed": "再生の速さ（1回に進む週数）",
        "counts_title": "この週の世帯数",
        "known": "うち行政が把握",
        "stage": "段階",
        "households": "世帯数",
        "pick": "世帯をクリックすると、その世帯の経過（段階の変化、誰が気づき、誰が支えたか、結果）が表示されます。",
        "household": "世帯 {h}",
        "type": "世帯の種類",
        "area": "自治会",
        "member": "加入",
        "nonmember": "未加入",
        "district": "民生委員の地区",
        "vacant": "民生委員不在",
        "ties": "近所づきあい",
        "venue": "通っている場",
        "none": "なし",
        "stage_now": "この週の段階",
        "known_now": "行政の把握",
        "known_yes": "把握している",
        "known_no": "把握していない",
        "reading": "この世帯の経過を読み取っています…",
        "past": "これまで（第{week}週まで）",
        "future": "この先",
        "no_events": "（なし）",
        "error": "この町とシナリオでは計算できません：",
        "legend_hidden": "行政が未把握（白抜き）",
        "kayoi": "通いの場・サロン",
        "ibasho": "居場所",
        "area_label": "自治会{a}",
        "venue_hover": "{kind}（自治会{area}）<br>運営：{runner}<br>参加 {people}人",
        "run_by_public": "社協・市",
        "district_label": "地区{d}",
        "hover": "世帯 %{customdata[0]}<br>自治会 %{customdata[1]}<br>民生委員地区 %{customdata[2]}<extra></extra>",
        "timing": "記録：{seconds:.1f}秒",
    },
    "en": {
        "intro": (
            "Each dot is a household. A tile is a 自治会 area; the bands inside it are 民生委員 districts "
            "(pink: no commissioner). Colour is the stage of the household's problem; an open ring is a problem "
            "the municipality does not know about. ◆ 通いの場 (salon), ★ 居場所. Play or move the week, and "
            "click a household to read its timeline."
        ),
        "recording": "Simulating the town's {weeks} weeks…",
        "week": "Week",
        "week_of": "Week {week} (year {year}) of {weeks}",
        "play": "Play",
        "pause": "Pause",
        "back": "Back a week",
        "forward": "Forward a week",
        "start": "To the start",
        "speed": "Playing speed (weeks per tick)",
        "counts_title": "Households this week",
        "known": "known to the municipality",
        "stage": "Stage",
        "households": "Households",
        "pick": "Click a household to read its timeline: stage changes, who noticed, who helped, and the outcome.",
        "household": "Household {h}",
        "type": "Type",
        "area": "自治会",
        "member": "member",
        "nonmember": "not a member",
        "district": "民生委員 district",
        "vacant": "no commissioner",
        "ties": "Neighbour ties",
        "venue": "Takes part in",
        "none": "none",
        "stage_now": "Stage this week",
        "known_now": "Known to the municipality",
        "known_yes": "yes",
        "known_no": "no",
        "reading": "Reading this household's weeks…",
        "past": "So far (to week {week})",
        "future": "Later",
        "no_events": "(none)",
        "error": "This town and scenario cannot run: ",
        "legend_hidden": "not known (open ring)",
        "kayoi": "通いの場 (salon)",
        "ibasho": "居場所 (place to belong)",
        "area_label": "自治会 {a}",
        "venue_hover": "{kind} (自治会 {area})<br>run by {runner}<br>{people} residents take part",
        "run_by_public": "社協 or the municipality",
        "district_label": "D{d}",
        "hover": "Household %{customdata[0]}<br>自治会 %{customdata[1]}<br>District %{customdata[2]}<extra></extra>",
        "timing": "Recorded in {seconds:.1f} s",
    },
}


def text(lang: str) -> dict[str, str]:
    """The interface texts in ``lang`` (``"ja"``, or ``"en"``; anything else falls back to Japanese)."""
    return TEXT["en"] if lang == "en" else TEXT["ja"]


def stage_labels(lang: str) -> tuple[str, ...]:
    """Labels of the four stages, none to complex."""
    return vocabulary.labels("stage", lang)


def stage_table(recording: Recording, week: int, lang: str = "ja") -> pd.DataFrame:
    """Households at each stage in ``week`` and how many of them the municipality knows."""
    tx = text(lang)
    stage, known = recording.stage[week], recording.known[week]
    counts = np.bincount(stage, minlength=4)
    known_counts = np.bincount(stage[known], minlength=4)
    return pd.DataFrame(
        {
            tx["stage"]: stage_labels(lang),
            tx["households"]: counts,
            tx["known"]: ["–", *(int(k) for k in known_counts[1:])],
        }
    )


def household_facts(recording: Recording, household: int, week: int, lang: str = "ja") -> list[tuple[str, str]]:
    """What the town says about one household, and where it stands in ``week`` (label, value pairs)."""
    tx = text(lang)
    town: Town = recording.town
    h = household
    district = int(town.district[h])
    venue = int(town.hh_venue[h])
    venue_text = tx["none"]
    if venue >= 0:
        venue_text = tx["kayoi"] if town.venue_kind[venue] == VENUE_KAYOI else tx["ibasho"]
    stage = int(recording.stage[week, h])
    facts = [
        (tx["type"], vocabulary.label("household_type", int(town.htype[h]), lang)),
        (tx["area"], f"{int(town.area[h]) + 1}（{tx['member'] if town.member[h] else tx['nonmember']}）"),
        (tx["district"], f"{district + 1}" + (f"（{tx['vacant']}）" if town.district_vacant[district] else "")),
        (tx["ties"], f"{round(float(town.ties[h]))}"),
        (tx["venue"], venue_text),
        (tx["stage_now"], stage_labels(lang)[stage]),
    ]
    if stage > Stage.NONE:
        facts.append((tx["known_now"], tx["known_yes"] if recording.known[week, h] else tx["known_no"]))
    return facts


def split_timeline(timeline: pd.DataFrame, week: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The timeline's events up to ``week`` and after it."""
    past = timeline["week"] <= week
    return timeline[past], timeline[~past]


def timeline_html(events: pd.DataFrame, lang: str = "ja") -> str:
    """Events as an HTML list, one line per event with its week (plain HTML: Markdown would fetch KaTeX)."""
    tx = text(lang)
    if events.empty:
        return f"<p>{escape(tx['no_events'])}</p>"
    unit = "第{w}週" if lang != "en" else "week {w}"
    items = "".join(
        f"<li><b>{unit.format(w=int(row.week))}</b> {escape(row.text, quote=False)}</li>" for row in events.itertuples()
    )
    return f"<ul>{items}</ul>"


def facts_html(facts: list[tuple[str, str]]) -> str:
    """Label–value pairs as an HTML list."""
    return "<ul>" + "".join(f"<li>{escape(k)}：{escape(v)}</li>" for k, v in facts) + "</ul>"


def table_html(table: pd.DataFrame) -> str:
    """A small table as HTML (numbers right-aligned)."""
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(str(c))}</th>" for c in table.columns)
    rows = []
    for row in table.itertuples(index=False):
        cells = [f"<td style='padding:2px 8px'>{escape(str(row[0]))}</td>"]
        cells += [f"<td style='text-align:right;padding:2px 8px'>{escape(str(v))}</td>" for v in row[1:]]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def venue_descriptions(town: Town, lang: str = "ja") -> list[str]:
    """One line per venue for its hover label: kind, area, who runs it, how many residents take part."""
    tx = text(lang)
    n = len(town.venue_kind)
    people = np.bincount(town.res_venue[town.res_venue >= 0], minlength=n)
    lines = []
    for v in range(n):  # a few hundred venues at most, once per figure
        kind = tx["kayoi"] if town.venue_kind[v] == VENUE_KAYOI else tx["ibasho"]
        op = int(town.venue_operator[v])
        runner = f"NPO（{town.npo_focus[op]}）" if op >= 0 else tx["run_by_public"]
        lines.append(
            tx["venue_hover"].format(kind=kind, area=int(town.venue_area[v]) + 1, runner=runner, people=int(people[v]))
        )
    return lines
