"""Human labels of measures, levers, parameters and units, in English and Chinese.

Figures never show code names: :func:`measure_label`, :func:`axis_label`
and :func:`key_label` give the words and the unit, and :func:`unit_scale`
the factor a value is shown at (shares and rates as per cent, national
costs in billions of yuan or 亿元). A measure or key missing from the tables
falls back to its leaf label from ``sim/data`` (English) or a readable form
of its name, so a new measure still gets a sensible label.
"""

from __future__ import annotations

import functools
import re

#: Units: key -> (English, Chinese, factor in English, factor in Chinese).
UNITS: dict[str, tuple[str, str, float, float]] = {
    "rate_year": ("% per year", "%/年", 100.0, 100.0),
    "share": ("%", "%", 100.0, 100.0),
    "people": ("people", "人", 1.0, 1.0),
    "thousand_people": ("thousand people", "万人", 1e-3, 1e-4),
    "million_people": ("million people", "万人", 1e-6, 1e-4),
    "per_month": ("people per month", "人/月", 1.0, 1.0),
    "provinces": ("provinces", "个省", 1.0, 1.0),
    "firms": ("thousand enterprises", "万家", 1e-3, 1e-4),
    "orgs": ("thousand organisations", "万个", 1e-3, 1e-4),
    "years": ("years", "年", 1.0, 1.0),
    "age": ("years of age", "岁", 1.0, 1.0),
    "ratio_income": ("× local per-capita income", "当地人均纯收入的倍数", 1.0, 1.0),
    "yuan_year": ("yuan per year", "元/年", 1.0, 1.0),
    "cost": ("billion yuan per year", "亿元/年", 1e-9, 1e-8),
    "jobs": ("thousand jobs", "万个岗位", 1e-3, 1e-4),
    "instructors": ("instructors", "名指导员", 1.0, 1.0),
    "percent": ("%", "%", 1.0, 1.0),
    "percent_year": ("% per year", "%/年", 1.0, 1.0),
    "person_times_month": ("thousand person-times per month", "万人次/月", 1e-3, 1e-4),
    "person_days_month": ("thousand person-days per month", "万人天/月", 1e-3, 1e-4),
    "cost_month": ("million yuan per month", "万元/月", 1e-6, 1e-4),
    "ratio_wage": ("× local average wage", "当地社会平均工资的倍数", 1.0, 1.0),
    "yuan_community_year": ("yuan per community per year", "元/社区·年", 1.0, 1.0),
    "thousand_month": ("thousand per month", "万/月", 1e-3, 1e-4),
    "offices": ("offices", "个", 1.0, 1.0),
    "villages": ("thousand villages", "万个村", 1e-3, 1e-4),
}

#: Measures: name -> (English, Chinese, unit key).
MEASURES: dict[str, tuple[str, str, str]] = {
    "village_development_income_premium_percent": ("Village income above the provincial series",
                                                   "村人均收入高于本省序列", "percent"),
    "village_development_income_premium_percent_east": ("Village income premium, east", "东部村收入溢价",
                                                        "percent"),
    "village_development_income_premium_percent_central": ("Village income premium, central",
                                                           "中部村收入溢价", "percent"),
    "village_development_income_premium_percent_west": ("Village income premium, west", "西部村收入溢价",
                                                        "percent"),
    "village_development_income_premium_yuan_per_year": ("Village income premium per head", "村人均收入溢价",
                                                         "yuan_year"),
    "village_development_growth_percent_per_year": ("Village growth beyond the provincial series",
                                                    "村收入超出本省的增长", "percent_year"),
    "secretary_villager_rating_share": ("Villagers satisfied with their secretary", "村民对书记满意率", "share"),
    "training_person_times_rural_secretaries_per_month": ("Secretaries trained", "村党组织书记培训",
                                                          "person_times_month"),
    "training_person_times_new_members_per_month": ("New members trained", "新党员培训", "person_times_month"),
    "training_person_times_cgvo_members_per_month": ("CGVO party members trained", "大学生村官党员培训",
                                                     "person_times_month"),
    "training_person_times_skills_per_month": ("Members' skills courses", "党员创业就业技能培训",
                                               "person_times_month"),
    "training_person_days_per_month": ("Training days", "培训人天", "person_days_month"),
    "party_education_cost_yuan_per_month": ("Cost of party-member education", "党员教育培训经费", "cost_month"),
    "remote_education_village_share": ("Villages with a remote-education site", "建有远程教育站点的村",
                                       "share"),
    "party_members_rural_skills_trained": ("Rural members with a skills course", "受过技能培训的农村党员",
                                           "million_people"),
    "skills_training_extra_earnings_yuan_per_year": ("Extra earnings from skills courses", "技能培训增加的收入",
                                                     "cost"),
    "community_share_pay_floor": ("Communities paying the secretary the average wage",
                                  "社区书记报酬不低于社会平均工资的社区比例", "share"),
    "community_share_insurance": ("Communities insuring the secretary",
                                  "为社区书记办理社会保险的社区比例", "share"),
    "community_share_budget_line": ("Communities with a budget line",
                                    "党建经费纳入财政预算的社区比例", "share"),
    "community_share_dues_support": ("Communities supported from party dues",
                                     "有党费支持的社区比例", "share"),
    "community_share_fees_follow_tasks": ("Communities where funds follow tasks",
                                          "实行费随事转的社区比例", "share"),
    "community_share_sponsorship": ("Communities with sponsors",
                                    "有社会赞助的社区比例", "share"),
    "community_share_premises": ("Communities with premises",
                                 "基本解决办公用房的社区比例", "share"),
    "community_share_area_wide": ("Communities with a community party committee",
                                  "实行大党委制的社区比例", "share"),
    "community_secretaries_serving": ("Community secretaries in post",
                                      "在任社区党组织书记", "thousand_people"),
    "community_secretary_vacancy_rate": ("Vacant community secretary posts",
                                         "社区书记空缺率", "share"),
    "community_secretary_college_share": ("College-educated community secretaries",
                                          "大专以上学历社区书记比例", "share"),
    "community_secretary_under35_share": ("Community secretaries under 35",
                                          "35岁以下社区书记比例", "share"),
    "community_secretary_mean_age_years": ("Mean age of community secretaries",
                                           "社区书记平均年龄", "age"),
    "community_secretary_graduate_share": ("Community secretaries placed as graduates",
                                           "到社区任职大学生出任书记比例", "share"),
    "community_secretary_pay_to_wage_ratio": ("Community secretary pay",
                                              "社区书记报酬", "ratio_wage"),
    "community_secretary_post_value_yuan_per_year": ("Value of the community post",
                                                     "社区书记职位价值", "yuan_year"),
    "community_secretary_quit_rate_per_year": ("Community secretaries quitting",
                                               "社区书记辞职率", "rate_year"),
    "community_secretaries_in_establishment": ("Community secretaries in an establishment",
                                               "列入行政事业编制的社区书记", "thousand_people"),
    "community_secretary_entrants_per_month": ("New community secretaries",
                                               "新任社区书记人数", "per_month"),
    "community_graduates_in_post": ("Graduates working in communities",
                                    "到社区任职的大学生", "thousand_people"),
    "community_funds_budget_line_yuan_per_year": ("Community budget line",
                                                  "社区财政拨付经费", "yuan_community_year"),
    "community_funds_dues_support_yuan_per_year": ("Community dues support",
                                                   "社区党费支持", "yuan_community_year"),
    "community_funds_fees_follow_tasks_yuan_per_year": ("Funds following delegated tasks",
                                                        "社区费随事转经费", "yuan_community_year"),
    "community_funds_sponsorship_yuan_per_year": ("Community sponsorship",
                                                  "社区社会赞助", "yuan_community_year"),
    "community_funds_yuan_per_year": ("Community funds",
                                      "社区经费", "yuan_community_year"),
    "community_households_visited_share": ("Households visited by grid teams",
                                           "网格走访覆盖的住户比例", "share"),
    "community_pledged_tasks_per_month": ("Tasks pledged by in-service members",
                                          "在职党员承诺实事", "thousand_month"),
    "community_problems_solved_per_month": ("Residents' problems solved",
                                            "解决居民难题", "thousand_month"),
    "community_petitions_per_month": ("Residents' petitions",
                                      "居民信访件数", "thousand_month"),
    "delegate_contacts_province_per_month": ("Delegates' contacts, provincial",
                                            "省党代表联系党员群众", "thousand_month"),
    "delegate_contacts_prefecture_per_month": ("Delegates' contacts, prefecture",
                                              "市党代表联系党员群众", "thousand_month"),
    "delegate_contacts_county_per_month": ("Delegates' contacts, county",
                                          "县党代表联系党员群众", "thousand_month"),
    "delegate_motions_province_per_month": ("Delegates' motions, provincial",
                                           "省党代表提议", "thousand_month"),
    "delegate_motions_prefecture_per_month": ("Delegates' motions, prefecture",
                                             "市党代表提议", "thousand_month"),
    "delegate_motions_county_per_month": ("Delegates' motions, county",
                                         "县党代表提议", "thousand_month"),
    "delegate_proposals_province_per_month": ("Delegates' proposals, provincial",
                                             "省党代表提案", "thousand_month"),
    "delegate_proposals_prefecture_per_month": ("Delegates' proposals, prefecture",
                                               "市党代表提案", "thousand_month"),
    "delegate_proposals_county_per_month": ("Delegates' proposals, county",
                                           "县党代表提案", "thousand_month"),
    "delegate_liaison_offices_province": ("Delegate liaison offices, provincial",
                                         "省级党代表联络工作机构", "offices"),
    "delegate_liaison_offices_prefecture": ("Delegate liaison offices, prefecture",
                                           "市级党代表联络工作机构", "offices"),
    "delegate_liaison_offices_county": ("Delegate liaison offices, county",
                                       "县级党代表联络工作机构", "offices"),
    "delegates_village_secretaries": ("Village secretaries who are county delegates",
                                      "担任县党代表的村党组织书记", "people"),
    "delegates_cgvos": ("CGVOs who are county delegates", "担任县党代表的大学生村官", "people"),
    "villages_four_deliberations": ("Villages using 四议两公开", "推行四议两公开的村", "villages"),
    "villages_open_party_affairs_share": ("Village branches with open party affairs", "实行党务公开的村党组织",
                                          "share"),
    "four_deliberations_share_capable_secretary": ("四议两公开 where the secretary is capable",
                                                   "能力较强书记所在村推行四议两公开比例", "share"),
    "four_deliberations_share_other_secretary": ("四议两公开 where the secretary is not",
                                                 "其他书记所在村推行四议两公开比例", "share"),
    "secretary_quit_rate_per_year": ("Secretaries quitting", "村党支部书记辞职率", "rate_year"),
    "secretary_quit_rate_age55plus_per_year": ("Secretaries aged 55+ quitting", "55岁以上书记辞职率",
                                               "rate_year"),
    "secretary_vacancy_rate": ("Vacant secretary posts", "书记空缺率", "share"),
    "secretaries_serving": ("Secretaries in post", "在任村党支部书记", "thousand_people"),
    "secretary_mean_tenure_years": ("Mean tenure of secretaries", "书记平均任职年限", "years"),
    "secretary_mean_age_years": ("Mean age of secretaries", "书记平均年龄", "age"),
    "secretary_college_share": ("College-educated secretaries", "大专以上学历书记比例", "share"),
    "secretary_capable_share": ("Capable secretaries", "能力较强书记比例", "share"),
    "secretary_pay_to_income_ratio": ("Secretary pay", "书记报酬", "ratio_income"),
    "secretary_pay_yuan_per_year": ("Secretary pay", "书记报酬", "yuan_year"),
    "secretary_post_value_yuan_per_year": ("Value of the post", "职位价值", "yuan_year"),
    "secretary_entrant_age_years": ("Age of new secretaries", "新任书记年龄", "age"),
    "secretary_entrant_college_share": ("College-educated new secretaries", "新任书记大专以上学历比例",
                                        "share"),
    "secretary_entrant_capable_earner_share": ("New secretaries who are capable earners",
                                               "新任书记中致富能手比例", "share"),
    "secretary_entrant_returned_migrant_share": ("New secretaries who are returned migrants",
                                                 "新任书记中返乡人员比例", "share"),
    "secretary_entrant_veteran_share": ("New secretaries who are veterans", "新任书记中退伍军人比例",
                                        "share"),
    "secretary_entrant_cgvo_share": ("New secretaries who are CGVOs", "新任书记中大学生村官比例",
                                     "share"),
    "secretary_entrant_retired_cadre_share": ("New secretaries who are retired cadres",
                                              "新任书记中退休干部比例", "share"),
    "secretary_entrant_enterprise_manager_share": ("New secretaries who are enterprise managers",
                                                   "新任书记中民营企业经营管理人员比例", "share"),
    "secretary_entrant_other_member_share": ("New secretaries who are other party members",
                                             "新任书记中其他党员比例", "share"),
    "secretary_entrants_retired_cadre": ("Retired cadres who became secretary (last 12 months)",
                                         "近12个月新任书记中退休干部人数", "people"),
    "secretary_entrants_enterprise_manager": ("Enterprise managers who became secretary (last 12 months)",
                                              "近12个月新任书记中民营企业经营管理人员人数", "people"),
    "secretary_quits_per_month": ("Secretaries quitting", "书记辞职人数", "per_month"),
    "secretary_normal_departures_per_month": ("Secretaries retiring", "书记正常离任人数", "per_month"),
    "secretary_removals_per_month": ("Secretaries removed", "书记被免职人数", "per_month"),
    "secretary_lost_elections_per_month": ("Secretaries losing elections", "书记落选人数", "per_month"),
    "secretary_entrants_per_month": ("New secretaries", "新任书记人数", "per_month"),
    "secretary_reelected_share": ("Sitting secretaries re-elected (last election)", "现任书记连选连任比例",
                                  "share"),
    "secretary_competitive_election_share": ("Secretary elections with a competitive slate",
                                             "书记差额选举比例", "share"),
    "director_reelected_share": ("Sitting directors re-elected (last election)", "现任村委会主任连任比例",
                                 "share"),
    "director_vacancy_rate": ("Vacant director posts", "村委会主任空缺率", "share"),
    "one_shoulder_share": ("Villages where one person holds both posts", "书记主任一肩挑比例", "share"),
    "secretary_or_director_people_shanxi": ("Secretaries and directors, Shanxi (people)",
                                            "山西村党支部书记和村委会主任人数", "people"),
    "promotions_township_leadership_per_month": ("Secretaries into township leadership",
                                                 "选拔进入乡镇领导班子", "per_month"),
    "promotions_civil_service_per_month": ("Secretaries into the civil service", "考录为乡镇公务员",
                                           "per_month"),
    "promotions_institution_per_month": ("Secretaries into public institutions", "选聘为事业编制人员",
                                         "per_month"),
    "cgvo_applicants_per_month": ("CGVO applicants", "大学生村官报名人数", "per_month"),
    "cgvo_recruits_per_month": ("CGVOs recruited", "大学生村官选聘人数", "per_month"),
    "cgvo_ventures_started_per_month": ("CGVO ventures started", "大学生村官新创业项目", "per_month"),
    "enterprise_admissions_per_month": ("Party admissions in enterprises", "非公企业发展党员",
                                        "per_month"),
    "party_admissions_rural_per_month": ("Rural party admissions", "农村发展党员", "per_month"),
    "county_share_pay_floor": ("Counties paying the pay floor", "落实基本报酬的涉农县比例", "share"),
    "county_share_pension": ("Counties insuring secretaries", "为书记办理养老保险的涉农县比例",
                             "share"),
    "county_share_departure_subsidy": ("Counties with a departure subsidy",
                                       "建立离任生活补助的涉农县比例", "share"),
    "county_share_other_cadre_pay": ("Counties paying other village cadres",
                                     "统筹其他村干部报酬的涉农县比例", "share"),
    "provinces_all_counties_pay_floor": ("Provinces where every county pays the floor",
                                         "所有县落实基本报酬的省份", "provinces"),
    "provinces_all_counties_pension": ("Provinces where every county insures", "所有县办理养老保险的省份",
                                       "provinces"),
    "provinces_all_counties_departure_subsidy": ("Provinces where every county has the subsidy",
                                                 "所有县建立离任补助的省份", "provinces"),
    "provinces_all_counties_other_cadre_pay": ("Provinces where every county pays other cadres",
                                               "所有县统筹其他村干部报酬的省份", "provinces"),
    "secretary_honours_per_month": ("Secretaries honoured at provincial level or above", "受省级以上表彰的村党支部书记",
                                    "per_month"),
    "secretary_nominations_per_month": ("Secretaries nominated as delegates, deputies or CPPCC members",
                                        "被推荐为两代表一委员的村党支部书记", "per_month"),
    "secretaries_holding_seats": ("Serving secretaries who are delegates, deputies or CPPCC members",
                                  "任两代表一委员的在任村党支部书记", "thousand_people"),
    "provinces_documented": ("Provinces whose own document is in force", "本省文件已施行的省份", "provinces"),
    "provinces_listed_all_counties_pay_floor": (
        "Provinces listed in L20 as paying the floor in every county that do", "L20所列全部兑现省份中全部兑现的省份",
        "provinces"),
    "provinces_listed_all_counties_pension": (
        "Provinces listed in L27 as insuring in every county that do", "L27所列全部办理养老保险省份中全部办理的省份",
        "provinces"),
    "provinces_listed_all_counties_departure_subsidy": (
        "Provinces listed in L27 as subsidising departures in every county that do",
        "L27所列全部落实离任补助省份中全部落实的省份", "provinces"),
    "county_share_pay_floor_other_provinces": ("Counties paying the floor, provinces not listed in L20",
                                               "L20未列省份中落实基本报酬的县比例", "share"),
    "county_share_pension_other_provinces": ("Counties insuring secretaries, provinces not listed in L27",
                                             "L27未列省份中办理养老保险的县比例", "share"),
    "county_share_departure_subsidy_other_provinces": (
        "Counties with a departure subsidy, provinces not listed in L27", "L27未列省份中建立离任补助的县比例",
        "share"),
    "cgvo_in_post": ("CGVOs in post", "在岗大学生村官", "thousand_people"),
    "cgvo_recruited_cumulative": ("CGVOs recruited since 2008", "累计选聘大学生村官",
                                  "thousand_people"),
    "cgvo_completed_service_cumulative": ("CGVOs who completed service", "期满大学生村官",
                                          "thousand_people"),
    "cgvo_exits_village_post_cumulative": ("CGVO exits to village posts", "留村任职", "thousand_people"),
    "cgvo_exits_civil_service_cumulative": ("CGVO exits to the civil service", "考录公务员",
                                            "thousand_people"),
    "cgvo_exits_own_business_cumulative": ("CGVO exits to own business", "自主创业",
                                           "thousand_people"),
    "cgvo_exits_other_job_cumulative": ("CGVO exits to other jobs", "另行择业", "thousand_people"),
    "cgvo_exits_further_study_cumulative": ("CGVO exits to further study", "继续学习深造",
                                            "thousand_people"),
    "cgvo_exits_township_leadership_cumulative": ("CGVOs into township leadership",
                                                  "进入乡镇领导班子的大学生村官", "thousand_people"),
    "cgvo_exits_early_quit_cumulative": ("CGVOs who left early", "提前离岗的大学生村官",
                                         "thousand_people"),
    "cgvo_in_two_committees": ("CGVOs in the two committees", "进入村“两委”的大学生村官",
                               "thousand_people"),
    "cgvo_as_secretary": ("CGVOs as village secretary", "担任村党支部书记的大学生村官",
                          "thousand_people"),
    "cgvo_as_director": ("CGVOs as village director", "担任村委会主任的大学生村官",
                         "thousand_people"),
    "cgvo_as_deputy": ("CGVOs as deputy", "担任副职的大学生村官", "thousand_people"),
    "cgvo_venturing": ("CGVOs running a venture", "创业的大学生村官", "thousand_people"),
    "cgvo_cooperatives": ("CGVO cooperatives", "大学生村官领办合作社", "thousand_people"),
    "cgvo_venture_jobs": ("Jobs in CGVO ventures", "大学生村官创业带动就业", "jobs"),
    "cgvo_reserve_listed": ("CGVOs listed as reserve cadres", "列为后备干部的大学生村官",
                            "thousand_people"),
    "cgvo_degree_share": ("CGVOs with a bachelor's degree", "本科以上学历大学生村官比例", "share"),
    "cgvo_party_share": ("CGVOs who are party members", "党员大学生村官比例", "share"),
    "cgvo_elite_share": ("CGVOs from leading universities", "重点高校毕业大学生村官比例", "share"),
    "cgvo_village_coverage_share": ("Villages with a CGVO", "有大学生村官的村比例", "share"),
    "cgvo_provincial_in_post": ("CGVOs of provincial schemes before 2008 in post",
                                "在岗的2008年前省级选聘大学生村官", "thousand_people"),
    "cgvo_long_term_share": ("CGVOs in post on three-year contracts", "聘期三年的在岗大学生村官比例",
                             "share"),
    "cgvo_in_township_civil_service": ("Former CGVOs in the township civil service",
                                    "考录为乡镇公务员的大学生村官", "thousand_people"),
    "cgvo_in_township_leadership": ("CGVOs in township leadership now", "现任乡镇领导班子成员的大学生村官",
                                 "people"),
    "cgvo_in_county_department": ("CGVOs in county department leadership", "进入县直部门领导班子的大学生村官",
                               "people"),
    "cgvo_on_township_reserve": ("CGVOs on township-level reserve lists (in post or after)",
                              "列入乡科级后备干部的大学生村官（含离岗）", "thousand_people"),
    "cgvo_on_county_reserve": ("CGVOs on county-level reserve lists", "列入县级后备干部的大学生村官",
                            "people"),
    "cgvo_township_leadership_entries_per_month": ("CGVOs entering township leadership",
                                                   "进入乡镇领导班子的大学生村官", "per_month"),
    "cgvo_county_department_entries_per_month": ("CGVOs entering county department leadership",
                                                 "进入县直部门领导班子的大学生村官", "per_month"),
    "cgvo_reserve_listings_per_month": ("CGVOs newly on township-level reserve lists",
                                        "新列入乡科级后备干部的大学生村官", "per_month"),
    "cgvo_county_reserve_listings_per_month": ("CGVOs newly on county-level reserve lists",
                                               "新列入县级后备干部的大学生村官", "per_month"),
    "two_committees_members": ("Members of the village two committees held by the model",
                               "村“两委”成员（模型所含）", "thousand_people"),
    "two_committees_cgvo_share": ("CGVOs among two-committee members", "村“两委”成员中大学生村官比例",
                                  "share"),
    "two_committees_college_share": ("Two-committee members with college education",
                                     "村“两委”成员中大专以上文化程度比例", "share"),
    "two_committees_mean_age": ("Mean age of secretaries and CGVO two-committee members",
                                "村党组织书记和任“两委”的大学生村官平均年龄", "age"),
    "two_committees_under35_share": ("Secretaries and CGVO two-committee members under 35",
                                     "村党组织书记和任“两委”的大学生村官中35岁以下比例", "share"),
    "enterprise_coverage_share": ("Enterprises covered by a party organisation", "党组织覆盖的非公企业比例",
                                  "share"),
    "enterprises_covered": ("Enterprises covered", "党组织覆盖的非公企业", "firms"),
    "enterprise_party_orgs": ("Party organisations in enterprises", "非公企业党组织", "orgs"),
    "enterprise_party_members": ("Party members in enterprises", "非公企业党员", "thousand_people"),
    "enterprise_member_employee_share": ("Party members among employees", "职工中党员比例", "share"),
    "enterprise_instructors": ("Party-building instructors", "党建指导员", "instructors"),
    "villager_income_yuan_per_year": ("Villagers' income", "农民人均纯收入", "yuan_year"),
    "villager_migrant_share": ("Villagers away as migrants", "外出务工村民比例", "share"),
    "party_applicants_rural": ("Rural applicants to the party", "农村入党申请人", "million_people"),
    "party_activists_rural": ("Rural party activists", "农村入党积极分子", "million_people"),
    "party_members_rural": ("Rural party members", "农村党员", "million_people"),
    "party_admissions_rural_under35_share": ("Rural admissions under 35", "农村新党员中35岁以下比例",
                                             "share"),
    "cost_pay_floor_yuan_per_year": ("Cost of secretaries' basic pay", "书记基本报酬支出", "cost"),
    "cost_other_cadre_pay_yuan_per_year": ("Cost of other cadres' pay", "其他村干部报酬支出", "cost"),
    "cost_pension_yuan_per_year": ("Cost of pension insurance", "养老保险支出", "cost"),
    "cost_departure_subsidy_yuan_per_year": ("Cost of departure subsidies", "离任生活补助支出", "cost"),
    "cost_training_yuan_per_year": ("Cost of training", "培训支出", "cost"),
    "cost_cgvo_subsidy_yuan_per_year": ("Cost of CGVO subsidies", "大学生村官补贴支出", "cost"),
    "cost_cgvo_training_yuan_per_year": ("Cost of CGVO training", "大学生村官培训支出", "cost"),
    "cost_instructors_yuan_per_year": ("Cost of instructors", "党建指导员支出", "cost"),
    # the national party pipeline (sim/pipeline.py)
    "party_admissions_per_month": ("Party admissions, all channels", "全国发展党员", "per_month"),
    "party_admissions_students_per_month": ("Party admissions of students", "发展学生党员", "per_month"),
    "party_admissions_workers_per_month": ("Party admissions of workers (outside non-public firms)",
                                           "发展工人党员（非公企业外）", "per_month"),
    "party_admissions_other_per_month": ("Party admissions in organs, institutions and services",
                                         "机关、事业单位等发展党员", "per_month"),
    "party_admissions_under35_share_national": ("New members under 35 (national)",
                                                "全国新党员中35岁以下比例", "share"),
    "party_full_members_made_per_month": ("Probationary members made full members",
                                          "预备党员转正", "per_month"),
    "party_applicants_national": ("Applicants to the party (national, activists included)",
                                  "全国申请入党人数", "million_people"),
    "party_activists_national": ("Party activists (national, candidates included)",
                                 "全国入党积极分子", "million_people"),
    "party_candidates_national": ("Candidates for admission (national)", "全国发展对象", "million_people"),
    "party_probationary_national": ("Probationary members (national)", "全国预备党员", "million_people"),
}

#: Levers, parameters and run settings: override key -> (English, Chinese, unit in English, in Chinese).
KEYS: dict[str, tuple[str, str, str, str]] = {
    "policy.pay_floor.multiple": ("Pay floor", "基本报酬下限", "× local per-capita income",
                                  "当地农民人均纯收入的倍数"),
    "policy.pay_floor.performance_share": ("Performance pay", "绩效报酬", "share of basic pay",
                                           "占基本报酬比例"),
    "policy.promotion.township_leadership_posts_per_1000_villages": (
        "Township leadership posts", "乡镇领导班子职位", "per 1000 villages per year", "个/千村/年"),
    "policy.promotion.civil_service_posts_per_1000_villages": (
        "Civil-service posts", "公务员职位", "per 1000 villages per year", "个/千村/年"),
    "policy.promotion.institution_posts_per_1000_villages": (
        "Public-institution posts", "事业编制职位", "per 1000 villages per year", "个/千村/年"),
    "policy.promotion.min_tenure_years": ("Tenure needed to apply", "报考所需任职年限", "years", "年"),
    "policy.retirement.departure_subsidy_min_years": ("Years needed for the departure subsidy",
                                                      "享受离任补助所需年限", "years", "年"),
    "policy.retirement.departure_subsidy_per_tenure_year": (
        "Departure subsidy", "离任生活补助", "share of pay per year served", "每任职一年占报酬比例"),
    "policy.retirement.pension_subsidy_yuan_per_year": ("Pension subsidy", "养老保险补贴",
                                                        "yuan per year", "元/年"),
    "policy.training.secretary_days_per_year": ("Training", "培训", "days per year", "天/年"),
    "policy.cgvo.annual_plan": ("CGVO recruitment plan", "大学生村官年度选聘计划", "posts per year",
                                "人/年"),
    "policy.cgvo.subsidy_west": ("Central CGVO subsidy, west", "西部大学生村官中央补贴",
                                 "yuan per year", "元/年"),
    "policy.cgvo.civil_service_reserved_share": ("Civil-service places reserved for CGVOs",
                                                 "公务员定向招录大学生村官比例", "share", "比例"),
    "policy.enterprise.instructors": ("Party-building instructors", "党建指导员", "instructors",
                                      "名"),
    "param.secretary.quit_intercept": ("Quit intercept", "辞职倾向截距", "log-odds per year",
                                       "对数几率/年"),
    "param.secretary.quit_slope": ("Quit response to the post's value", "辞职对职位价值的反应",
                                   "log-odds per unit", "对数几率/单位"),
    "param.secretary.motivation_mean": ("Intrinsic value of the post", "职位内在价值",
                                        "× local income", "当地收入的倍数"),
    "seed": ("Seed", "随机种子", "", ""),
    "draw": ("Parameter draw", "参数抽样", "", ""),
    "scale": ("Share of villages simulated", "模拟村庄比例", "", ""),
}

#: Words of the figures: key -> (English, Chinese).
WORDS: dict[str, tuple[str, str]] = {
    "mean": ("mean", "均值"),
    "median": ("median", "中位数"),
    "seed_band": ("90% band over seeds", "随机种子90%区间"),
    "draw_band": ("90% band over parameter draws", "参数抽样90%区间"),
    "band": ("90% band over seeds", "90%区间（随机种子）"),
    "band50": ("50% band", "50%区间"),
    "reported": ("reported", "报告值"),
    "reported_at_least": ("reported: at least", "报告值：不低于"),
    "reported_at_most": ("reported: at most", "报告值：不高于"),
    "reported_monthly": ("reported total ÷ months of its window", "报告总数÷月数"),
    "reported_at_least_monthly": ("reported total ÷ months: at least", "报告总数÷月数：不低于"),
    "reported_at_most_monthly": ("reported total ÷ months: at most", "报告总数÷月数：不高于"),
    "dominates_draws": ("parameter draws dominate", "参数不确定性占主导"),
    "dominates_seeds": ("seeds dominate", "随机性占主导"),
    "variance_note": ("{which} ({share:.0%} of the variance)", "{which}（占方差{share:.0%}）"),
    "effect_note": ("effect {lo:g}→{hi:g}: {effect} {unit}, same sign in {agree}/{draws} draws",
                    "{lo:g}→{hi:g}的效应：{effect}{unit}，{draws}组参数中{agree}组同号"),
    "no_effect": ("no effect of the lever", "该政策杠杆无影响"),
    "window": ("{kind}, {start} to {end}", "{start}至{end}{kind}"),
    "month": ("month", "月份"),
    "as_reported": ("as reported", "实际政策"),
    "no_yiding_sanyou": ("without 一定三有", "无“一定三有”"),
    "national": ("national", "全国"),
    "east": ("East", "东部"),
    "central": ("Central", "中部"),
    "west": ("West", "西部"),
    "fit": ("fit target", "拟合目标"),
    "held_out": ("held-out target", "保留检验目标"),
    "acceptance": ("acceptance band", "接受区间"),
    "sim_mean": ("simulated mean", "模拟均值"),
    "sim_band": ("simulated 90% band over seeds", "模拟90%区间（随机种子）"),
    "ratio_axis": ("simulated / reported", "模拟值 / 报告值"),
    "one_sided": ("one-sided target (open end)", "单侧目标（开放端）"),
    "compare_note": ("line: 90% band of the simulation over seeds; marker: simulated mean",
                     "线：模拟值的随机种子90%区间；标记：模拟均值"),
    "compare_title": ("Reported figures and the simulation: {scenario}, {seeds} seeds, scale {scale:g}",
                      "报告数据与模拟：{scenario}，{seeds}个随机种子，模拟比例{scale:g}"),
    "R1 village secretaries": ("R1 village secretaries", "R1 村党支部书记"),
    "R2 non-public enterprises": ("R2 non-public enterprises", "R2 非公有制企业党建"),
    "R4 CGVOs": ("R4 CGVOs", "R4 大学生村官"),
    "R11 party membership": ("R11 party membership", "R11 发展党员"),
    "anhui_instructors": ("a year after Anhui's 5,000 instructors", "安徽选派约5000名党建指导员后一年"),
    "inside": ("inside", "在区间内"),
    "outside": ("outside", "在区间外"),
    "total": ("total", "合计"),
    "mean_over": ("mean", "均值"),
    "stock_at": ("at", "时点"),
    "growth": ("growth", "增长倍数"),
    "seeds": ("seeds", "个随机种子"),
    "draws": ("draws", "组参数"),
}

#: Provinces' Chinese names (the province table uses English names).
PROVINCES_ZH = {
    "Beijing": "北京", "Tianjin": "天津", "Hebei": "河北", "Shanxi": "山西", "Inner Mongolia": "内蒙古",
    "Liaoning": "辽宁", "Jilin": "吉林", "Heilongjiang": "黑龙江", "Shanghai": "上海", "Jiangsu": "江苏",
    "Zhejiang": "浙江", "Anhui": "安徽", "Fujian": "福建", "Jiangxi": "江西", "Shandong": "山东",
    "Henan": "河南", "Hubei": "湖北", "Hunan": "湖南", "Guangdong": "广东", "Guangxi": "广西",
    "Hainan": "海南", "Chongqing": "重庆", "Sichuan": "四川", "Guizhou": "贵州", "Yunnan": "云南",
    "Tibet": "西藏", "Shaanxi": "陕西", "Gansu": "甘肃", "Qinghai": "青海", "Ningxia": "宁夏",
    "Xinjiang": "新疆",
}

_IDX = {"en": 0, "zh": 1}


def word(key: str, lang: str) -> str:
    """A word of the figures in ``lang`` (the key itself when unknown)."""
    pair = WORDS.get(key)
    return pair[_IDX[lang]] if pair else key


def region_label(region: str, lang: str) -> str:
    """``national``, ``east``... or a province, in ``lang``."""
    if region in WORDS:
        return word(region, lang)
    if lang == "zh":
        return PROVINCES_ZH.get(region, region)
    return region


def scenario_label(scenario: str, lang: str) -> str:
    """A scenario's name in ``lang`` (its code name, spaced, when it has no label)."""
    if scenario in WORDS:
        return word(scenario, lang)
    return scenario.replace("_", " ")


def _unit_of_name(measure: str) -> str:
    if measure.startswith("cost_"):
        return "cost"
    for suffix, unit in (("_rate_per_year", "rate_year"), ("_per_month", "per_month"),
                         ("_share", "share"), ("_rate", "share"), ("_yuan_per_year", "yuan_year"),
                         ("_years", "years")):
        if measure.endswith(suffix):
            return unit
    return "people"


def measure_entry(measure: str) -> tuple[str, str, str]:
    """``(English, Chinese, unit key)`` of a measure; a readable form of its name if unlisted."""
    if measure in MEASURES:
        return MEASURES[measure]
    text = re.sub(r"_(per_month|per_year|yuan_per_year|cumulative)$", "", measure).replace("_", " ")
    text = text[:1].upper() + text[1:]
    return (text, text, _unit_of_name(measure))


def measure_label(measure: str, lang: str) -> str:
    """A measure's name in ``lang``, without its unit."""
    return measure_entry(measure)[_IDX[lang]]


def unit_label(measure: str, lang: str) -> str:
    """The unit a measure is shown in, in ``lang``."""
    return UNITS[measure_entry(measure)[2]][_IDX[lang]]


def effect_unit(measure: str, lang: str) -> str:
    """The unit of a difference of a measure (per cent becomes percentage points)."""
    unit = unit_label(measure, lang)
    if unit.startswith("%"):
        return unit.replace("%", "pp", 1) if lang == "en" else unit.replace("%", "个百分点", 1)
    return unit


def unit_scale(measure: str, lang: str) -> float:
    """Factor from the measure's own unit to the unit it is shown in."""
    return UNITS[measure_entry(measure)[2]][2 + _IDX[lang]]


def axis_label(measure: str, lang: str) -> str:
    """``name (unit)`` for an axis (full-width brackets in Chinese)."""
    if lang == "zh":
        return f"{measure_label(measure, lang)}（{unit_label(measure, lang)}）"
    return f"{measure_label(measure, lang)} ({unit_label(measure, lang)})"


@functools.lru_cache(maxsize=1)
def _leaves() -> dict:
    from sim.parameters import load_levers, load_world_parameters

    out = {f"policy.{k}": v for k, v in load_levers().items()}
    out.update({f"param.{k}": v for k, v in load_world_parameters().items()})
    return out


def key_label(key: str, lang: str, unit: bool = True) -> str:
    """A lever's, parameter's or run setting's name in ``lang``, with its unit when it has one."""
    if key in KEYS:
        en, zh, unit_en, unit_zh = KEYS[key]
        name, u = (en, unit_en) if lang == "en" else (zh, unit_zh)
    elif key in _leaves():
        leaf = _leaves()[key]
        name, u = leaf.label, leaf.unit
    else:
        name, u = key, ""
    if not (unit and u):
        return name
    return f"{name}（{u}）" if lang == "zh" else f"{name} ({u})"


__all__ = ["KEYS", "MEASURES", "UNITS", "WORDS", "axis_label", "key_label", "measure_label",
           "region_label", "scenario_label", "unit_label", "unit_scale", "word"]
