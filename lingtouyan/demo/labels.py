"""The classroom page's own words, in Chinese and in English.

The names of the measures the panels plot, and of their units, are the
project's (``lingtouyan._labels.MEASURES`` and ``UNITS``, which every figure
uses); this table holds only what the page alone says.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")
#: The CJK font the page asks for first (Debian's fonts-noto-cjk provides it).
FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', sans-serif"

_TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "领头雁：村干部激励政策课堂演示", "en": "Lingtouyan: village cadre incentives in class"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "preset": {"zh": "情景预设", "en": "Preset"},
    "apply_preset": {"zh": "应用预设（重新开始）", "en": "Apply preset (restarts)"},
    "month": {"zh": "当前月份", "en": "Month"},
    "map_title": {"zh": "各省村庄：村党支部书记状况", "en": "Villages by province: the party secretary"},
    "map_note": {"zh": "每格一村，按县排列；黑点为有大学生村官的村。悬停或点击查看书记。",
                 "en": "One square per village, by county; a black dot: a CGVO serves there. "
                       "Hover or click for the secretary."},
    "state": {"zh": "书记状况", "en": "Secretary"},
    "capable": {"zh": "能力强", "en": "capable"},
    "weak": {"zh": "能力一般", "en": "weak"},
    "vacant": {"zh": "空缺", "en": "vacant"},
    "just_promoted": {"zh": "刚获提拔", "en": "just promoted"},
    "just_quit": {"zh": "刚辞职", "en": "just quit"},
    "cgvo_mark": {"zh": "有大学生村官", "en": "CGVO serves here"},
    "inspector": {"zh": "所选村的书记（Mesa 智能体）", "en": "Secretary of the chosen village (Mesa agent)"},
    "no_village": {"zh": "点击地图上的村庄", "en": "Click a village on the map"},
    "village": {"zh": "村", "en": "village"},
    "province": {"zh": "省份", "en": "province"},
    "county": {"zh": "县", "en": "county"},
    "villages": {"zh": "模拟村数", "en": "villages simulated"},
    "age": {"zh": "年龄", "en": "age"},
    "tenure": {"zh": "任职年限", "en": "tenure (years)"},
    "pay": {"zh": "报酬（元/年）", "en": "pay (yuan/year)"},
    "post_value": {"zh": "岗位价值（元/年）", "en": "value of the post (yuan/year)"},
    "origin": {"zh": "来源", "en": "origin"},
    "college": {"zh": "大专以上", "en": "college"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "post_vacant": {"zh": "书记岗位空缺", "en": "The post is vacant"},
    "local_cadre": {"zh": "本村干部", "en": "local cadre"},
    "capable_earner": {"zh": "致富能手", "en": "capable earner"},
    "returned_migrant": {"zh": "返乡人员", "en": "returned migrant"},
    "veteran": {"zh": "退伍军人", "en": "veteran"},
    "cgvo": {"zh": "大学生村官", "en": "CGVO"},
    "other_member": {"zh": "其他党员", "en": "other party member"},
    "retired_cadre": {"zh": "退休干部", "en": "retired cadre"},
    "enterprise_manager": {"zh": "民营企业经营管理人员", "en": "enterprise manager"},
    # Sliders and switches.
    "pay_floor_multiple": {"zh": "报酬底线（×人均收入）", "en": "Pay floor (× income)"},
    "pension_enabled": {"zh": "为书记办理养老保险", "en": "Pension insurance for secretaries"},
    "departure_subsidy_enabled": {"zh": "正常离任生活补贴", "en": "Departure subsidy"},
    "departure_subsidy_min_years": {"zh": "补贴最低年限", "en": "Subsidy min. years"},
    "township_leadership_open": {"zh": "渠道：选拔进乡镇领导班子", "en": "Channel: township leadership"},
    "civil_service_open": {"zh": "渠道：考录乡镇公务员", "en": "Channel: township civil service"},
    "institution_open": {"zh": "渠道：招聘乡镇事业编制", "en": "Channel: township institutions"},
    "yiding_sanyou_adopted": {"zh": "2009年实行“一定三有”", "en": "一定三有 adopted in 2009"},
    "cgvo_subsidy_multiple": {"zh": "村官补贴（×报告值）", "en": "CGVO subsidy (× reported)"},
    "cgvo_annual_plan": {"zh": "村官年度计划（人）", "en": "CGVO quota (a year)"},
    "cgvo_renewal_allowed": {"zh": "村官合同期满可续聘", "en": "CGVOs may renew contracts"},
    "enterprise_instructors": {"zh": "企业党建指导员", "en": "Enterprise instructors"},
    "seed": {"zh": "随机种子", "en": "Random seed"},
    # Presets.
    "as_reported": {"zh": "按报告（2009—2012年实际）", "en": "As reported"},
    "before_2009": {"zh": "2009年以前的政策", "en": "Before 2009"},
    "no_yiding_sanyou": {"zh": "没有“一定三有”", "en": "No 一定三有"},
    "q1_no_pay_floor": {"zh": "问题一：没有报酬底线", "en": "Question 1: no pay floor"},
    "q2_pension_only": {"zh": "问题二：只有养老保险", "en": "Question 2: pension insurance only"},
    "q3_no_renewal": {"zh": "问题三：合同期满不得续聘", "en": "Question 3: no contract renewal"},
    # Plots.
    "plots_title": {"zh": "结果（实线：本次运行；淡线：按报告；菱形：报告数值）",
                    "en": "Outcomes (solid: this run; faint: as reported; diamond: reported figure)"},
    "this_run": {"zh": "本次运行", "en": "this run"},
    "reference": {"zh": "按报告（参照）", "en": "as reported (reference)"},
    "reported": {"zh": "报告数值", "en": "reported figure"},
    "date": {"zh": "年月", "en": "month"},
    "series": {"zh": "序列", "en": "series"},
    "value": {"zh": "数值", "en": "value"},
    "promotions": {"zh": "2009年起累计提拔", "en": "Promotions since 2009"},
    "cgvo_exits": {"zh": "大学生村官累计离岗，按去向", "en": "CGVO exits by route, cumulative"},
}


def text(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``).

    Raises:
        KeyError: for an unknown key or language.
    """
    if lang not in LANGUAGES:
        raise KeyError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return _TEXT[key][lang]


__all__ = ["FONT_FAMILY", "LANGUAGES", "text"]
