"""Texts of the dashboard in Japanese (first) and English.

Every text the page shows goes through :func:`tr`, so switching the language switches the whole
page. Japanese terms of art (民生委員, 自治会, 8050) stay Japanese in the English texts too.
"""

from __future__ import annotations

from sim import vocabulary

LANGS = ("ja", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "page_title": ("施策比較ダッシュボード", "Policy comparison dashboard"),
    "heading": (
        "施策比較 — 地域共生社会・包括的支援体制のシミュレーション",
        "Policy comparison — a simulation of community support (地域共生社会・包括的支援体制)",
    ),
    "language": ("表示言語", "Language"),
    "tab_town": ("1. 町を描く", "1. Describe the town"),
    "tab_scenarios": ("2. シナリオ", "2. Scenarios"),
    "tab_results": ("3. 比較結果", "3. Comparison"),
    "tab_town_view": ("まちの様子", "The town"),
    "town_view_scenario": ("表示するシナリオ", "Scenario shown"),
    "town_view_years": ("年数", "Years"),
    "tab_about": ("このモデルでわかること", "What the model can tell you"),
    "about": (
        "### 言えること\n"
        "- 同じ町・同じ世帯・同じ偶然のもとで、施策をとった場合ととらない場合の**差**と、その確からしさ（95%区間）。\n"
        "- 施策が、どの経路の発見を増やすか、どの類型の世帯に効くか、待機や職員の負担がどう変わるか。\n"
        "### 言えないこと\n"
        "- 実際の町の将来の数の予測。結果の世帯数をそのまま計画の目標値にしないでください。\n"
        "- 仮定（docs/parameters.md）と違う効果の大きさのもとでの結果。仮定が変われば差も変わります。\n"
        "- 費用、職員の採用や育成、住民の意識や制度の変化。\n"
        "- 反復が少ないときの「差がない」という結論（反復を増やしてください）。\n\n"
        "詳しい使い方は docs/guide-ja.md（計画担当者向けガイド）にあります。",
        "### What it can tell you\n"
        "- The **difference** a policy makes on the same town, the same households and the same luck, with its "
        "95% interval.\n"
        "- Through which channels cases are found earlier, which household types gain, and how waiting lists and "
        "staff load change.\n"
        "### What it cannot tell you\n"
        "- Forecasts for the real town: do not take the household counts as targets.\n"
        "- Results under effect sizes other than the assumptions in docs/parameters.md.\n"
        "- Costs, recruiting and training staff, changes in attitudes or in the law.\n"
        "- That there is no difference, from few replications (add replications first).\n\n"
        "docs/guide-ja.md is the planners' guide (in Japanese).",
    ),
    # town
    "town_profile": ("もとにする町", "Start from"),
    "town_own": ("自分の町の数字を入れる", "Enter my own town's numbers"),
    "town_own_help": (
        "入れた数字で、もとにした町の値を置き換えます。入れていない項目は全国の標準値です。",
        "Your numbers replace the starting town's values; everything else keeps the national defaults.",
    ),
    "town_ok": (
        "この町で比較します：{name}（{households:,}世帯、推計{people:,}人、高齢化率{ageing:.1f}%）",
        "Comparing on: {name} ({households:,} households, about {people:,} people, {ageing:.1f}% aged 65+)",
    ),
    "town_has_problems": (
        "入力に問題があります。赤い欄を直すまで、もとの町（{name}）で比較します。",
        "Some entries need fixing. Until they are fixed, comparisons use the starting town ({name}).",
    ),
    "town_download": ("この町をファイルに保存", "Save this town as a file"),
    "load_town": ("保存した町のファイルを読み込む（.toml、64KB まで）", "Load a saved town file (.toml, up to 64 KB)"),
    "town_loaded": ("町「{name}」を読み込みました。", "Loaded the town '{name}'."),
    "town_reset": ("もとの町の値に戻す", "Reset to the starting town"),
    # scenarios
    "reference": ("基準シナリオ（常に比較の先頭）：**{title}**", "Reference (always first): **{title}**"),
    "compare_these": ("比較するシナリオ", "Scenarios to compare"),
    "builder": ("シナリオを作る", "Build a scenario"),
    "builder_help": (
        "もとにするシナリオを選び、スイッチとスライダーで施策を変えます。「比較に加える」で比較の対象になり、"
        "「ファイルに保存」で `community-sim run ファイル名` でもそのまま動くシナリオファイルになります。"
        "町の値（加入率など）はこの町での値として保存されます。",
        "Pick a scenario to start from and change the policies with switches and sliders. 'Add to the comparison' "
        "puts it among the compared scenarios; 'Save as a file' writes a scenario file that runs unchanged with "
        "`community-sim run FILE`. Town values (membership and so on) are saved as values for this town.",
    ),
    "start_from": ("もとにするシナリオ", "Start from scenario"),
    "scenario_name": ("ファイル名（半角英数字と _ ）", "File name (letters, digits and _)"),
    "scenario_title_ja": ("シナリオ名（日本語）", "Title (Japanese)"),
    "scenario_title_en": ("シナリオ名（英語）", "Title (English)"),
    "scenario_description": ("説明", "Description"),
    "switches": ("施策のスイッチ", "Policy switches"),
    "sliders": ("施策の強さ", "Policy settings"),
    "add_to_comparison": ("比較に加える", "Add to the comparison"),
    "added": ("「{title}」を比較に加えました。", "Added '{title}' to the comparison."),
    "save_scenario": ("ファイルに保存", "Save as a file"),
    "load_scenario": ("シナリオファイルを読み込む（.toml、64KB まで）", "Load a scenario file (.toml, up to 64 KB)"),
    "loaded": ("「{title}」を読み込みました。", "Loaded '{title}'."),
    "my_scenarios": ("作ったシナリオ・読み込んだシナリオ", "Scenarios you built or loaded"),
    "remove": ("外す", "Remove"),
    "upload_too_big": (
        "ファイルが大きすぎます（{size:,}バイト）。{limit:,}バイトまでのシナリオファイルを選んでください。",
        "The file is too large ({size:,} bytes); choose a scenario file of at most {limit:,} bytes.",
    ),
    "upload_not_text": ("テキスト（UTF-8）のファイルではありません。", "The file is not UTF-8 text."),
    "bad_file": ("ファイルに問題があります：{detail}", "There is a problem with the file: {detail}"),
    "bad_name": (
        "ファイル名は半角英小文字・数字・_ で、英字から始めてください（例：my_plan）。",
        "Use lower-case letters, digits and _ for the file name, starting with a letter (e.g. my_plan).",
    ),
    "name_taken": ("その名前は既にあります。別の名前にしてください。", "That name is taken; choose another one."),
    "empty_title": ("シナリオ名を入れてください。", "Enter a title."),
    # run
    "conditions": ("比較の条件", "Settings"),
    "years": ("年数", "Years"),
    "replications": ("反復回数", "Replications"),
    "seed": ("乱数シード", "Random seed"),
    "run": ("実行", "Run"),
    "years_help": (
        "何年先までを見るか。10年を勧めます。どのシナリオも、同じ「今の町」（10年の助走の後）から始まります。",
        "How many years ahead to look (10 recommended). Every scenario starts from the same town of today "
        "(after a 10-year warm-up).",
    ),
    "replications_help": (
        "同じ条件で何回くり返すか。多いほど95%区間が狭くなり、差を見分けやすくなります（計算時間は比例して増えます）。"
        "試しに5回、資料には20回が目安です。",
        "How many times to repeat the same conditions. More replications narrow the 95% intervals (and take "
        "proportionally longer): 5 to explore, 20 for a council paper.",
    ),
    "seed_help": (
        "偶然の出方の番号。同じ番号なら同じ結果が再現されます。資料には番号を書き添えてください。",
        "The number of the random draws: the same number gives the same results. Quote it with your figures.",
    ),
    "bundled_scenarios": ("用意されたシナリオ", "Bundled scenarios"),
    "bundled_scenarios_help": (
        "左の「比較するシナリオ」で選べるシナリオの内容です。シナリオを作るときの出発点にもなります。",
        "What each scenario in 'Scenarios to compare' does; any of them can be the starting point of your own.",
    ),
    "press_run": ("条件を選んで「実行」を押してください。", "Choose the settings and press 'Run'."),
    "running": (
        "計算中…（{n}シナリオ × {r}回 = {runs}回のシミュレーション、{done}回終了）",
        "Running… ({n} scenarios × {r} replications = {runs} runs, {done} finished)",
    ),
    "finished_in": ("計算時間 {seconds:.1f}秒", "Computed in {seconds:.1f} s"),
    "years_problem": (
        "年数は{low}〜{high}の整数で指定してください。",
        "Years must be an integer from {low} to {high}.",
    ),
    "replications_problem": (
        "反復回数は{low}〜{high}の整数で指定してください。",
        "Replications must be an integer from {low} to {high}.",
    ),
    "seed_problem": ("乱数シードは0以上の整数で指定してください。", "The random seed must be an integer of 0 or more."),
    "input_problem": ("入力ファイルに問題があります：{detail}", "There is a problem with an input file: {detail}"),
    "unexpected": (
        "計算中にエラーが起きました（{detail}）。条件を変えて再度お試しください。",
        "The computation failed ({detail}). Change the settings and try again.",
    ),
    # results
    "results_intro": (
        "**{town}**・{years}年・反復{reps}回・乱数シード{seed}。平均と95%区間。基準との差は同じ乱数（同じ世帯・同じ偶然）"
        "どうしで対にして計算しています。",
        "**{town}**, {years} years, {reps} replications, seed {seed}. Means with 95% intervals. Differences from the "
        "reference are paired by seed (same households, same luck).",
    ),
    "findings": (
        "基準との差がはっきりしている指標（95%区間が0をまたがない）",
        "Clear differences from the reference (95% interval excludes zero)",
    ),
    "tab_headline": ("早期発見と深刻化", "Detection and deterioration"),
    "tab_stages": ("実際と把握の推移", "True and known over time"),
    "tab_channels": ("把握の経路", "Channels"),
    "tab_load": ("待機と負担", "Waiting and load"),
    "tab_types": ("類型別", "By household type"),
    "tab_council": ("協議会", "Council"),
    "sec_headline": ("早期発見と深刻化（基準との差）", "Early detection and deterioration (difference from reference)"),
    "sec_stages": (
        "段階別の世帯数の推移と、行政が把握している数",
        "Households by stage over time, and what the municipality knows",
    ),
    "sec_channels": ("どの経路で把握されたか", "How cases were found"),
    "sec_load": ("待機と職員の負担", "Waiting lists and staff load"),
    "sec_types": ("世帯の類型別の結果", "Results by household type"),
    "sec_council": ("自立支援協議会が生み出した社会資源", "What the council created"),
    "sec_export": ("書き出し", "Export"),
    "metric_for_figure": ("図に示す指標", "Metric in the figure"),
    "iceberg_scenario": ("氷山図のシナリオ", "Scenario of the iceberg chart"),
    "metric_for_types": ("類型別に見る指標", "Metric by household type"),
    "download_csv": ("比較表をCSVでダウンロード", "Download the comparison table (CSV)"),
    "download_png": ("PNG", "PNG"),
    "download_html": ("HTML", "HTML"),
    "download_summary": (
        "議会資料用の1枚まとめ（HTML・印刷可）",
        "One-page summary for a council paper (HTML, printable)",
    ),
    "download_weekly": ("週ごとの推移をCSVで", "Weekly series (CSV)"),
    "download_council": ("協議会の記録をCSVで", "Council records (CSV)"),
    "council_none": (
        "どのシナリオでも、期間中に協議会が新しい社会資源を生み出すには至りませんでした。",
        "In no scenario did the council create a new resource during the period.",
    ),
    "stages_note": (
        "線は反復の平均、帯は平均の95%区間。実線は行政が把握している世帯、破線は実際の世帯。その差が「氷山の見えない部分」です。",
        "Lines are means over replications, bands their 95% intervals. Solid: households the municipality knows; "
        "dashed: the true number. The gap is the hidden part of the iceberg.",
    ),
    "columns": (
        "指標|シナリオ|平均 [95%区間]|基準との差 [95%区間]",
        "Metric|Scenario|Mean [95% CI]|Difference [95% CI]",
    ),
    "reference_cell": ("（基準）", "(reference)"),
    "type_columns": (
        "世帯の類型|シナリオ|平均 [95%区間]|基準との差 [95%区間]",
        "Household type|Scenario|Mean [95% CI]|Difference [95% CI]",
    ),
    "council_columns": (
        "シナリオ|新しい社会資源の数（反復平均）|分野（反復をまたいだ回数）",
        "Scenario|New resources (mean per replication)|Fields (count over replications)",
    ),
    "week": ("週", "week"),
    "households": ("世帯数", "households"),
    "diff_axis_share": ("基準との差（%ポイント）", "difference from reference (percentage points)"),
    "diff_axis": ("基準との差", "difference from reference"),
    "diff_title": ("{metric}：{reference}との差（95%区間）", "{metric}: difference from {reference} (95% CI)"),
    "known": ("把握", "known"),
    "true": ("実際", "true"),
    "problem_households": ("課題を抱える世帯（計）", "households with a problem (all stages)"),
    "known_vs_true_title": (
        "課題を抱える世帯：実際と行政の把握",
        "Households with a problem: true and known to the municipality",
    ),
    "stage_mix_title": ("段階別の世帯数（実際）", "Households by stage (true)"),
    "channels_title": (
        "把握の経路（把握された事例に占める割合、95%区間）",
        "Detection channels (share of detected cases, 95% CI)",
    ),
    "share": ("割合", "share"),
    "waiting_title": ("支援の待機（待機リストの世帯数）", "Waiting for support (households on the waiting list)"),
    "staff_title": ("職員の稼働（専門職の週あたり時間）", "Staff load (professional hours a week)"),
    "volunteer_title": ("民生委員・ボランティアの週あたり時間", "Commissioner and volunteer hours a week"),
    "hours": ("時間／週", "hours a week"),
    "types_title": (
        "{metric}：類型別の基準との差（95%区間）",
        "{metric}: difference from reference by household type (95% CI)",
    ),
    "iceberg_suffix": ("（{title}・反復1）", " ({title}, replication 1)"),
    "findings_line": ("{title}：{said}", "{title}: {said}"),
    "findings_sep": ("、", "; "),
    "findings_none": (
        "この反復回数では、95%区間で明らかな差は見られません。",
        "no difference is clear at 95% with these runs.",
    ),
    "list_sep": ("、", ", "),
    "counted": ("{what}（{count}）", "{what} ({count})"),
    # the one-page summary
    "summary_meta": (
        "町：{town}　期間：{years}年　反復：{reps}回　乱数シード：{seed}",
        "Town: {town}. {years} years, {reps} replications, seed {seed}.",
    ),
    "scenarios_compared": ("比較したシナリオ", "Scenarios compared"),
    "how_to_read": ("読み方と限界", "How to read this, and its limits"),
    "figures_unavailable": ("図を作れませんでした：{detail}", "Figures unavailable: {detail}"),
    "caveat": (
        "これは全国統計と入力した数字から作った仮想の町でのシミュレーション結果で、実際の町の将来予測ではありません。"
        "シナリオどうしを比べて読んでください。モデルが言えるのは、基準との差とその95%区間です。区間が0をまたぐ場合、"
        "この反復回数ではシナリオの違いを見分けられません。効果の大きさの多くは仮定です（根拠は docs/parameters.md に一覧）。"
        "費用や職員の採用のしやすさはモデルに含まれていません。",
        "These are results of a simulation of a synthetic town built from national statistics and the numbers "
        "entered, not forecasts for the real town. Compare scenarios with each other: the difference from the "
        "reference, with its 95% interval, is what the model can say. Where the interval crosses zero the model "
        "cannot tell the scenarios apart with this many replications. Many effect sizes are assumptions "
        "(docs/parameters.md lists each with its source); costs and staff recruitment are not modelled.",
    ),
}

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "early_detection_rate": ("早期発見率（潜在段階での把握）", "Early detection (found while latent)"),
    "median_weeks_to_detection": ("把握までの週数（中央値）", "Weeks to detection (median)"),
    "unreached_share": ("最後まで把握されなかった割合", "Never reached"),
    "complex_share": ("複雑化・複合化に至った割合", "Became complex (複雑化・複合化)"),
    "complex_household_weeks_per_1000": (
        "複雑化世帯・週（1,000世帯あたり）",
        "Complex household-weeks per 1,000 households",
    ),
    "resolution_rate": ("解決率", "Resolved"),
    "gave_up_share": ("たらい回し後にあきらめた割合", "Gave up after being bounced"),
    "mean_waiting_list": ("待機リストの世帯数（平均）", "Households on the waiting list (mean)"),
    "mean_weeks_waiting": ("支援開始までの待機週数（平均）", "Weeks waiting for support (mean)"),
    "paid_staff_hours": ("専門職の総時間", "Professional hours (total)"),
    "volunteer_hours": ("民生委員・ボランティアの総時間", "Commissioner and volunteer hours (total)"),
    "cases": ("事例数", "Cases"),
}


def tr(key: str, lang: str = "ja", **values: object) -> str:
    """The text ``key`` in ``lang``, with ``values`` filled in.

    Args:
        key: A key of :data:`TEXTS`.
        lang: ``"ja"`` or ``"en"`` (anything else falls back to Japanese).
        **values: Values for the text's ``{placeholders}``.

    Returns:
        The text.
    """
    ja, en = TEXTS[key]
    text = en if lang == "en" else ja
    return text.format(**values) if values else text


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Japanese or English half of a ``(ja, en)`` pair."""
    return pair[1] if lang == "en" else pair[0]


def metric_label(metric: str, lang: str = "ja") -> str:
    """The label of a summary metric (its name when there is none)."""
    return pick(METRIC_LABELS[metric], lang) if metric in METRIC_LABELS else metric


def channel_label(channel: str, lang: str = "ja") -> str:
    """The label of a detection channel key (``self``, ``neighbour``, …)."""
    return vocabulary.label("channel", channel, lang)


def stage_label(index: int, lang: str = "ja") -> str:
    """The label of a stage by its index (0 = no problem … 3 = complex)."""
    return vocabulary.label("stage", index, lang)


def type_label(household_type: str, lang: str = "ja") -> str:
    """The label of a household type key; ``all`` is the whole town."""
    return vocabulary.label("household_type", household_type, lang)
