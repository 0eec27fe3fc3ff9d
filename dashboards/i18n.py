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
    "switches_community": ("地域の機能（見守り・気づき・つなぐ・寄り添う）", "The community's functions (slide 2-4)"),
    "switches_services": ("相談支援・サービス", "Desks and services"),
    "switches_structure": (
        "モデルの仕組み（研究用：困りごとの発生・深刻化・解決など。ふつうはオンのまま）",
        "The model's structure (for research: how problems start, deepen and resolve; normally left on)",
    ),
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
    "town_upload_too_big": (
        "ファイルが大きすぎます（{size:,}バイト）。{limit:,}バイトまでの町のファイルを選んでください。",
        "The file is too large ({size:,} bytes); choose a town file of at most {limit:,} bytes.",
    ),
    "run_cancelled": ("計算を中止しました（ページが閉じられました）。", "The run was stopped (the page was closed)."),
    "bad_file": ("ファイルに問題があります：{detail}", "There is a problem with the file: {detail}"),
    "bad_value": ("この値では作れません：{detail}", "This value is not allowed: {detail}"),
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
    "uncertainty_caption": ("パラメータ（モデルの仮定）", "Parameters (the model's assumptions)"),
    "uncertainty_switch_ensemble": ("不確かさを含める", "Include their uncertainty"),
    "uncertainty_switch_best": ("較正の最良値を使う", "Use the calibrated best fit"),
    "uncertainty_help_ensemble": (
        "オンにすると、実際の統計に合うと較正で確かめた{n}組の仮定から反復ごとに1組を選び、どのシナリオもその組で"
        "計算します。95%区間に仮定の不確かさも入ります（区間は広く、計算は長くなります）。議会資料には含めることを"
        "勧めます。",
        "When on, each replication draws one of the {n} sets of assumptions that calibration found to match real "
        "statistics, and runs every scenario with it. The 95% intervals then hold the assumptions' uncertainty too "
        "(wider intervals, longer runs). Recommended for a council paper.",
    ),
    "uncertainty_help_best": (
        "オンにすると、較正で実際の統計に最もよく合ったパラメータ1組で計算します。95%区間は偶然のばらつきだけです。",
        "When on, every run uses the one parameter set that calibration found to match real statistics best. The "
        "95% intervals hold chance only.",
    ),
    "uncertainty_problem": (
        "較正結果のパラメータファイルを読めないため、既定のパラメータで計算します：{detail}",
        "The calibrated parameter file cannot be read, so the default parameters are used: {detail}",
    ),
    "parameters_label": ("{what}", "Parameters: {what}"),  # the Japanese sentences name パラメータ themselves
    "parameters_default": (
        "既定のパラメータ（不確かさは偶然のばらつきのみ）",
        "the model's defaults (uncertainty: chance only)",
    ),
    "parameters_best": (
        "較正で最もよく合ったパラメータ（不確かさは偶然のばらつきのみ）",
        "the calibration's best fit (uncertainty: chance only)",
    ),
    "parameters_ensemble": (
        "パラメータの不確かさを含む（較正で受け入れた {n} 組から反復ごとに 1 組）",
        "parameter uncertainty included (one of the {n} sets accepted by calibration per replication)",
    ),
    "interval_sentence_sets": (
        "この比較では、反復ごとに較正で受け入れたパラメータの組を1組ずつ使い、どのシナリオも同じ組で計算しているので、"
        "95%区間には仮定（効果の大きさなど）の不確かさも含まれます。",
        "In this comparison each replication ran every scenario with one of the parameter sets accepted by "
        "calibration, so the 95% intervals also hold the uncertainty of the assumptions (effect sizes and the like).",
    ),
    "press_run": ("条件を選んで「実行」を押してください。", "Choose the settings and press 'Run'."),
    "running": (
        "計算中…（{n}シナリオ × {r}回 = {runs}回のシミュレーション、{done}回終了）",
        "Running… ({n} scenarios × {r} replications = {runs} runs, {done} finished)",
    ),
    "finished_in": ("計算時間 {seconds:.1f}秒", "Computed in {seconds:.1f} s"),
    "progress_warmup": (
        "今の町をつくる助走（{years}年）を計算しています。残り時間はこのあと表示します。",
        "Building today's town (a {years}-year warm-up); the time left shows next.",
    ),
    "progress_left": ("{share:.0%}　残り約{left}", "{share:.0%} done, about {left} left"),
    "seconds_left": ("{n}秒", "{n} s"),
    "minutes_left": ("{n}分", "{n} min"),
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
        "基準と比べてはっきりした違い（95%区間が0をまたがないもの）",
        "Clear differences from the reference (95% interval excludes zero)",
    ),
    "findings_period": ("{years}年間で、", "Over {years} years: "),
    "findings_more": ("ほか{n}件（表を参照）", "and {n} more (see the table)"),
    "more": ("増える", "more"),
    "fewer": ("減る", "fewer"),
    "longer": ("長くなる", "longer"),
    "shorter": ("短くなる", "shorter"),
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
    "download_csv": ("比較表（CSV・日本語の列名）", "Comparison table (CSV)"),
    "research_downloads": (
        "研究用データ（英語の列名の整然データ・CSV）：",
        "Research data (tidy tables with English column names, CSV):",
    ),
    "download_tidy": ("比較（tidy）", "Comparison (tidy)"),
    "save_project": ("比較をまるごと保存（プロジェクトファイル）", "Save the whole comparison (project file)"),
    "open_project": ("保存した比較を開く（.zip、20MBまで）", "Open a saved comparison (.zip, up to 20 MB)"),
    "project_opened": (
        "保存した比較（{town}、{date}に実行）を開きました。町・シナリオ・条件・結果を戻しています。",
        "Opened the saved comparison ({town}, run on {date}): town, scenarios, settings and results are back.",
    ),
    "project_bad": ("比較のファイルとして読めません：{detail}", "Not a saved comparison: {detail}"),
    "download_png": ("PNG", "PNG"),
    "download_html": ("HTML", "HTML"),
    "download_summary": (
        "議会資料用の1枚まとめ（HTML・印刷可）",
        "One-page summary for a council paper (HTML, printable)",
    ),
    "download_weekly": ("週ごとの推移", "Weekly series"),
    "download_council": ("協議会の記録", "Council records"),
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
    "years_axis": ("経過年数（年）", "years"),
    "households": ("世帯数", "households"),
    "diff_axis_share": ("基準との差（%ポイント）", "difference from reference (percentage points)"),
    "diff_axis": ("基準との差", "difference from reference"),
    "diff_axis_unit": ("基準との差（{unit}）", "difference from reference ({unit})"),
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
    "scenarios_compared": ("比較したシナリオ", "Scenarios compared"),
    "how_to_read": ("読み方と限界", "How to read this, and its limits"),
    "figures_unavailable": ("図を作れませんでした：{detail}", "Figures unavailable: {detail}"),
    "caveat": (
        "これは全国統計と入力した数字から作った仮想の町でのシミュレーション結果で、実際の町の将来予測ではありません。"
        "シナリオどうしを比べて読んでください。モデルが言えるのは、基準との差とその95%区間です。区間が0をまたぐ場合、"
        "この反復回数ではシナリオの違いを見分けられません。効果の大きさの多くは、研究や統計をもとにした仮定です。"
        "費用や職員の採用のしやすさはモデルに含まれていません。",
        "These are results of a simulation of a synthetic town built from national statistics and the numbers "
        "entered, not forecasts for the real town. Compare scenarios with each other: the difference from the "
        "reference, with its 95% interval, is what the model can say. Where the interval crosses zero the model "
        "cannot tell the scenarios apart with this many replications. Many effect sizes are assumptions drawn "
        "from research and statistics; costs and staff recruitment are not modelled.",
    ),
    "interval_sentence": (
        "「95%区間」は、同じ条件でくり返し計算したときに平均が入る幅の目安です。基準との差の区間が0をまたがなければ、"
        "偶然では説明しにくい、はっきりした差と読めます。",
        "A 95% interval is the range the average would fall in if the comparison were repeated. Where the "
        "interval of a difference does not include zero, the difference is unlikely to be chance.",
    ),
    "summary_meta": (
        "実行日：{date}　モデル：community-sim {version}　町：{town}　世帯数：{households:,}　"
        "期間：{years}年（どのシナリオも同じ「今の町」から）　反復：{reps}回　乱数シード：{seed}",
        "Run on {date}. Model: community-sim {version}. Town: {town}, {households:,} households. "
        "{years} years (every scenario from the same town of today), {reps} replications, seed {seed}.",
    ),
    # tables as pivots
    "pivot_metric": ("指標", "Metric"),
    "pivot_type": ("世帯の類型", "Household type"),
    "pivot_reference": ("{title}（基準）", "{title} (reference)"),
    "pivot_level": ("平均 {value}", "mean {value}"),
    "pivot_legend": (
        "基準の列は平均と95%区間、ほかの列は基準との差と95%区間（その下に平均）。"
        "緑は基準より良く、赤は基準より悪い（どちらも95%区間が0をまたがない）。色のない差は、この反復回数でははっきりしません。",
        "The reference column holds means with 95% intervals; the other columns the difference from the reference "
        "with its 95% interval (the mean below it). Green: better than the reference; red: worse (95% interval "
        "excludes zero). Uncoloured differences are not clear with this many replications.",
    ),
    "better": ("良い", "better"),
    "worse": ("悪い", "worse"),
    "no_interval": ("区間なし", "no interval"),
    "type_row": ("{type}（約{households:,}世帯）", "{type} (about {households:,} households)"),
    "type_note": (
        "{type}はこの町に約{households:,}世帯しかなく、値の出た反復が{n}回のため、95%区間を出せません"
        "（反復を増やすと出せることがあります）。",
        "{type}: only about {households:,} households in this town and {n} replication(s) with a value, so "
        "there is no 95% interval (more replications may give one).",
    ),
    "glossary_title": ("指標の意味", "What the numbers mean"),
    "glossary_note": (
        "割合と世帯数は、期間中に始まった困りごと（最後の半年に始まったものは、見つかるまでの時間が足りないので除く）"
        "についての値です。",
        "Shares and household counts are about problems that began during the period (except in its last half "
        "year, which leaves too little time to be found).",
    ),
}

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "early_detection_rate": ("早期発見率（潜在段階での把握）", "Early detection (found while latent)"),
    "median_weeks_to_detection": ("把握までの週数（中央値）", "Weeks to detection (median)"),
    "unreached_share": ("支援が届かなかった世帯の割合", "Households never reached"),
    "complex_share": ("複雑化・複合化に至った世帯の割合", "Households whose problems became complex"),
    "open_problem_share": (
        "期間の終わりに困りごとを抱えている世帯の割合",
        "Households with an open problem at the end",
    ),
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


# Plain-language definitions of every metric the page shows (the glossary, tooltips and the summary).
METRIC_HELP: dict[str, tuple[str, str]] = {
    "early_detection_rate": (
        "時間がたつだけでは解決しなかった困りごとのうち、まだ潜在的な段階（本人も周りもはっきりとは困っていない段階）で、"
        "行政や支援機関が把握したか、近所の助け合いで解決したものの割合（世帯の構成をそろえて比べています）。"
        "高いほど早く見つけられています。",
        "Of the problems that did not resolve by themselves, the share caught while still latent: known to a "
        "service, or resolved by neighbours' help (standardized to the town's households). Higher is earlier.",
    ),
    "median_weeks_to_detection": (
        "困りごとが始まってから、行政や支援機関が初めて把握するまでの週数の中央値（把握されたものについて）。"
        "短いほど早く見つけられています。",
        "Median weeks from the start of a problem to the first time a service knew of it (problems that were "
        "found). Shorter is earlier.",
    ),
    "unreached_share": (
        "町の世帯のうち、支援が必要だった困りごとを一度も行政や支援機関に把握されないまま、"
        "期間の終わりまで抱えているか、悪化してから解決した世帯の割合。低いほど取りこぼしが少ないことを示します。",
        "Households of the town with a problem that needed services and that no service ever knew of — still open "
        "at the end, or resolved only after getting worse. Lower means fewer missed.",
    ),
    "complex_share": (
        "町の世帯のうち、困りごとが一度でも複雑化・複合化（いくつもの課題が重なった状態）に至った世帯の割合。"
        "低いほど深刻化を防げています。",
        "Households of the town whose problems ever became complex (several problems at once). Lower means more "
        "crises prevented.",
    ),
    "open_problem_share": (
        "町の世帯のうち、期間中に始まった困りごとを期間の終わりにまだ抱えている世帯の割合。低いほど良い。",
        "Households of the town still living with a problem that began during the period. Lower is better.",
    ),
    "complex_household_weeks_per_1000": (
        "複雑化・複合化した世帯の数を期間中の毎週足し合わせ、1,000世帯あたりにした値。52で割ると、"
        "複雑化した状態で過ごした「世帯・年」になります。低いほど良い。",
        "Households in the complex stage, added up over every week of the period, per 1,000 households; divided "
        "by 52 it is household-years spent in crisis. Lower is better.",
    ),
    "resolution_rate": (
        "始まった困りごとのうち、期間の終わりまでに解決したものの割合（住民同士の助け合いや自然な解決も含む）。",
        "Of the problems that began, the share resolved by the end (by neighbours, by themselves or with support).",
    ),
    "gave_up_share": (
        "町の世帯のうち、窓口で「担当ではない」と断られた（たらい回し）あと、相談をあきらめた世帯の割合。",
        "Of the town's households, the share that gave up after a desk turned them away as not its remit.",
    ),
    "mean_weeks_waiting": (
        "窓口が相談を受け止めてから、専門職の支援が始まるまで待った週数の平均。",
        "Mean weeks from a desk taking a case on to a professional starting to support it.",
    ),
}

# The headline results in households of the town over the period: (metric, ja, en). ``{n}`` households
# (or weeks), ``{change}`` more/fewer, ``{low}``–``{high}`` the 95% interval in the same units.
EFFECT_SENTENCES: dict[str, tuple[str, str]] = {
    "early_detection_rate": (
        "潜在段階で見つかる世帯が約{n}世帯{change}（95%区間：{low}〜{high}世帯）",
        "about {n} {change} households found while latent (95% interval {low} to {high})",
    ),
    "unreached_share": (
        "最後まで把握されない世帯が約{n}世帯{change}（95%区間：{low}〜{high}世帯）",
        "about {n} {change} households never reached (95% interval {low} to {high})",
    ),
    "complex_share": (
        "複雑化・複合化に至る世帯が約{n}世帯{change}（95%区間：{low}〜{high}世帯）",
        "about {n} {change} households whose problems become complex (95% interval {low} to {high})",
    ),
    "resolution_rate": (
        "期間中に解決する世帯が約{n}世帯{change}（95%区間：{low}〜{high}世帯）",
        "about {n} {change} households whose problem is resolved (95% interval {low} to {high})",
    ),
    "open_problem_share": (
        "期間の終わりに困りごとを抱えている世帯が約{n}世帯{change}（95%区間：{low}〜{high}世帯）",
        "about {n} {change} households still living with a problem at the end (95% interval {low} to {high})",
    ),
    "gave_up_share": (
        "たらい回しの末に相談をあきらめる世帯が約{n}世帯{change}（95%区間：{low}〜{high}世帯）",
        "about {n} {change} households giving up after being turned away (95% interval {low} to {high})",
    ),
    "complex_household_weeks_per_1000": (
        "複雑化した状態で過ごす期間が、町全体で約{n}世帯・年{change}（95%区間：{low}〜{high}）",
        "about {n} {change} household-years spent in the complex stage, town-wide (95% interval {low} to {high})",
    ),
    "median_weeks_to_detection": (
        "把握までの期間（中央値）が約{n}週{change}（95%区間：{low}〜{high}週）",
        "detection about {n} weeks {change} (median; 95% interval {low} to {high})",
    ),
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


def parameters_in_use(record: dict | None, lang: str = "ja") -> str:
    """Which parameters a comparison ran with, in plain words (``record``: ParameterSets.record(); empty
    or None for the model's defaults)."""
    if not record:
        return tr("parameters_default", lang)
    if record.get("kind") == "ensemble" and int(record.get("sets", 1)) > 1:
        return tr("parameters_ensemble", lang, n=int(record["sets"]))
    return tr("parameters_best", lang)


def interval_sentence(record: dict | None, lang: str = "ja") -> str:
    """What a 95% interval means, and, over an ensemble, that it holds the parameters' uncertainty too."""
    text = tr("interval_sentence", lang)
    if record and record.get("kind") == "ensemble" and int(record.get("sets", 1)) > 1:
        text += (" " if lang == "en" else "") + tr("interval_sentence_sets", lang)
    return text


def metric_label(metric: str, lang: str = "ja") -> str:
    """The label of a summary metric (its name when there is none)."""
    return pick(METRIC_LABELS[metric], lang) if metric in METRIC_LABELS else metric


def metric_help(metric: str, lang: str = "ja") -> str:
    """A metric's definition in plain words (empty when there is none)."""
    return pick(METRIC_HELP[metric], lang) if metric in METRIC_HELP else ""


def channel_label(channel: str, lang: str = "ja") -> str:
    """The label of a detection channel key (``self``, ``neighbour``, …)."""
    return vocabulary.label("channel", channel, lang)


def stage_label(index: int, lang: str = "ja") -> str:
    """The label of a stage by its index (0 = no problem … 3 = complex)."""
    return vocabulary.label("stage", index, lang)


def type_label(household_type: str, lang: str = "ja") -> str:
    """The label of a household type key; ``all`` is the whole town."""
    return vocabulary.label("household_type", household_type, lang)


# ---------------------------------------------------------------- input-file messages
# ConfigError problems are written in English by the model's schema (sim/params.py, sim/config.py,
# sim/town.py); on the Japanese page the known shapes are told in Japanese, the rest as written.
_ALLOWED_JA: tuple[tuple[str, str], ...] = (
    (r"^an integer from (\S+) to (\S+)$", r"\1〜\2の整数"),
    (r"^an integer >= (\S+)$", r"\1以上の整数"),
    (r"^an integer <= (\S+)$", r"\1以下の整数"),
    (r"^an integer$", "整数"),
    (r"^a number from (\S+) to (\S+)$", r"\1〜\2の数"),
    (r"^a number >= (\S+)$", r"\1以上の数"),
    (r"^a number <= (\S+)$", r"\1以下の数"),
    (r"^a number$", "数"),
    (r"^true or false$", "true か false"),
    (r"^a string$", "文字列"),
    (r"^a non-empty string$", "空でない文字列"),
    (r"^one of (.+)$", r"次のいずれか：\1"),
)
_PROBLEMS_JA: tuple[tuple[str, str], ...] = (
    (r"^no such file$", "ファイルが見つかりません。"),
    (
        r"^not valid TOML: .*\(at line (\d+), column (\d+)\)$",
        r"TOML形式として読めません（\1行目の\2文字目あたりの書き方を確かめてください）。",
    ),
    (r"^not valid TOML: .*$", "TOML形式として読めません。"),
    (r"^cannot be read: .*$", "読み込めません（文字コードがUTF-8か確かめてください）。"),
    (r"^unknown section; allowed: (.+)$", r"知らない表（[ ] の見出し）です。使えるのは：\1"),
    (r"^unknown key; allowed: (.+)$", r"知らない項目です。使えるのは：\1"),
    (r"^unknown mechanism; allowed: (.+)$", r"知らない施策の名前です。使えるのは：\1"),
    (r"^missing \[scenario\] table with (.+)$", r"[scenario] の表（\1）がありません。"),
    (r"^missing or empty; allowed: a non-empty string$", "ないか、空か、文字ではありません。文字を入れてください。"),
    (r"^expected a table.*$", "表（[ ] の見出しのついたまとまり）にしてください。"),
    (r"^expected tables \[(.+)\]$", r"[\1] の形の表にしてください。"),
    (r"^two scenarios are named '(.+)'; allowed: distinct names$", r"同じ名前「\1」のシナリオが二つあります。"),
    (
        r"^a scenario loaded on the dashboard cannot name a parameters file.*$",
        "ダッシュボードで読み込むシナリオには、パラメータファイル（parameters）を書けません。この行を消してください"
        "（パラメータの不確かさは「比較の条件」で選べます）。",
    ),
)


def config_error_text(error: Exception, lang: str = "ja") -> str:
    """An input file's problem (a :class:`~sim.params.ConfigError`) in the page's language.

    Args:
        error: The error; anything but a ConfigError is shown as it is.
        lang: ``"ja"`` or ``"en"``.

    Returns:
        In Japanese: the file, the key and the problem in Japanese where its shape is known.
    """
    import re

    file, key, problem = (getattr(error, a, None) for a in ("file", "key", "problem"))
    if lang == "en" or problem is None:
        return str(error)
    where = f"「{file}」" + (f"の {key}" if key else "")
    for pattern, text in _PROBLEMS_JA:
        if re.match(pattern, problem):
            return f"{where}：{re.sub(pattern, text, problem)}"
    got = re.match(r"^(?:got (.+)|(.+) is out of range); allowed: (.+)$", problem)
    if got:
        value, allowed = got.group(1) or got.group(2), got.group(3)
        for pattern, text in _ALLOWED_JA:
            if re.match(pattern, allowed):
                allowed = re.sub(pattern, text, allowed)
                break
        what = "は使えません" if got.group(1) else "は範囲の外です"
        return f"{where}：値 {value} {what}（使えるのは：{allowed}）。"
    return f"{where}：{problem}"
