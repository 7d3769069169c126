use super::*;

fn policy(id: &str, title: &str, text: &str) -> PolicyDoc {
    PolicyDoc {
        id: id.into(),
        title: title.into(),
        document_text: text.into(),
        guide: String::new(),
        level: "市".into(),
        department: "市人社局".into(),
        topics: vec!["就业创业".into()],
        industries: vec![],
        status: "有效".into(),
        mode: "申报".into(),
    }
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

fn corpus() -> Vec<PolicyDoc> {
    let mut a = policy(
        "loan",
        "关于做好创业担保贷款工作的通知",
        "对符合条件的个人发放创业担保贷款，最高额度30万元，财政给予贴息。",
    );
    a.industries = vec!["C3311".into()];
    a.topics = vec!["金融支持".into(), "就业创业".into()];
    let mut b = policy(
        "rd",
        "研发费用加计扣除政策",
        "高新技术企业研发费用按实际发生额的100%在税前加计扣除。",
    );
    b.level = "国家".into();
    b.department = "税务总局".into();
    b.industries = vec!["C".into()];
    b.topics = vec!["税收优惠".into()];
    b.mode = "免申即享".into();
    let mut c = policy(
        "rent",
        "小微企业租金补贴",
        "入驻孵化基地的小微企业可申请租金补贴，每年最高5万元。",
    );
    c.industries = vec!["I65".into(), "F".into()];
    c.status = "已废止".into();
    c.guide = "申报材料：租赁合同、营业执照、创业担保贷款证明（如有）。".into();
    vec![a, b, c]
}

fn index() -> PolicyIndex {
    PolicyIndex::build(&corpus()).unwrap()
}

#[test]
fn index_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<PolicyIndex>();
}

#[test]
fn segmented_query_finds_longer_compound() {
    let index = PolicyIndex::build(&[
        policy("a", "扶持政策", "个人可申请创业担保贷款。"),
        policy("b", "其他政策", "设备投资补助。"),
    ])
    .unwrap();
    let hits = index.search("创业贷款", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&hits), ["a"]);
    assert!(hits[0].score > 0.0);
    assert!(
        hits[0].snippet_html.contains("<mark>创业"),
        "{}",
        hits[0].snippet_html
    );
    assert!(
        hits[0].snippet_html.contains("贷款</mark>"),
        "{}",
        hits[0].snippet_html
    );
}

#[test]
fn title_match_ranks_above_body_only_match() {
    let index = PolicyIndex::build(&[
        policy("body", "企业扶持办法", "对企业给予稳岗补贴，按规定执行。"),
        policy("title", "稳岗补贴申领办法", "按规定执行，对企业给予支持。"),
    ])
    .unwrap();
    let hits = index.search("稳岗补贴", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&hits), ["title", "body"]);
    assert!(hits[0].score > hits[1].score);
    assert!(
        hits[0].title_html.contains("<mark>"),
        "{}",
        hits[0].title_html
    );
    assert!(!hits[1].title_html.contains("<mark>"));
}

#[test]
fn guide_is_searched_and_used_for_the_snippet() {
    let hits = index().search("租赁合同", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&hits), ["rent"]);
    assert!(
        hits[0].snippet_html.contains("<mark>租赁合同</mark>"),
        "{}",
        hits[0].snippet_html
    );
}

#[test]
fn empty_query_lists_filtered_docs_in_title_order() {
    let index = index();
    // Titles sort by code point: 关 < 小 < 研.
    for q in ["", "   ", "\t\n", "？！、", "\"(:*"] {
        let hits = index.search(q, &Filters::default(), 10).unwrap();
        assert_eq!(ids(&hits), ["loan", "rent", "rd"], "query {q:?}");
        assert!(
            hits.iter()
                .all(|h| h.score == 0.0 && !h.title_html.contains("<mark>"))
        );
    }
    let hits = index.search("", &Filters::default(), 2).unwrap();
    assert_eq!(ids(&hits), ["loan", "rent"]);
    let hits = index.search("", &Filters::default(), 0).unwrap();
    assert!(hits.is_empty());
    let hits = index.search("", &Filters::default(), usize::MAX).unwrap();
    assert_eq!(hits.len(), 3);
}

#[test]
fn each_exact_filter() {
    let index = index();
    let cases: Vec<(Filters, Vec<&str>)> = vec![
        (
            Filters {
                level: Some("国家".into()),
                ..Default::default()
            },
            vec!["rd"],
        ),
        (
            Filters {
                level: Some("市".into()),
                ..Default::default()
            },
            vec!["loan", "rent"],
        ),
        (
            Filters {
                department: Some("税务总局".into()),
                ..Default::default()
            },
            vec!["rd"],
        ),
        (
            Filters {
                topic: Some("金融支持".into()),
                ..Default::default()
            },
            vec!["loan"],
        ),
        (
            Filters {
                topic: Some("就业创业".into()),
                ..Default::default()
            },
            vec!["loan", "rent"],
        ),
        (
            Filters {
                status: Some("已废止".into()),
                ..Default::default()
            },
            vec!["rent"],
        ),
        (
            Filters {
                mode: Some("免申即享".into()),
                ..Default::default()
            },
            vec!["rd"],
        ),
        // Partial values do not match: filters are exact.
        (
            Filters {
                department: Some("税务".into()),
                ..Default::default()
            },
            vec![],
        ),
        // Blank means no filter; surrounding whitespace is ignored.
        (
            Filters {
                level: Some(" ".into()),
                ..Default::default()
            },
            vec!["loan", "rent", "rd"],
        ),
        (
            Filters {
                level: Some(" 国家 ".into()),
                ..Default::default()
            },
            vec!["rd"],
        ),
        (
            Filters {
                level: Some("市".into()),
                status: Some("有效".into()),
                ..Default::default()
            },
            vec!["loan"],
        ),
    ];
    for (filters, expected) in cases {
        let hits = index.search("", &filters, 10).unwrap();
        assert_eq!(ids(&hits), expected, "{filters:?}");
    }
}

#[test]
fn industry_filter_matches_prefixes_both_ways() {
    let index = index();
    let industry = |code: &str| Filters {
        industry: Some(code.into()),
        ..Default::default()
    };
    let cases = [
        // Section letter matches the detailed code below it and itself.
        ("C", vec!["loan", "rd"]),
        ("c", vec!["loan", "rd"]),
        ("C33", vec!["loan", "rd"]),
        // A detailed code matches docs tagged with its section.
        ("C3311", vec!["loan", "rd"]),
        ("C3312", vec!["rd"]),
        ("C34", vec!["rd"]),
        ("I", vec!["rent"]),
        ("I6510", vec!["rent"]),
        ("F5", vec!["rent"]),
        ("A", vec![]),
    ];
    for (code, expected) in cases {
        let hits = index.search("", &industry(code), 10).unwrap();
        assert_eq!(ids(&hits), expected, "industry {code}");
    }
}

#[test]
fn filters_combine_with_query_without_changing_rank_order() {
    let index = index();
    let all = index
        .search("创业担保贷款", &Filters::default(), 10)
        .unwrap();
    assert_eq!(ids(&all), ["loan", "rent"]);
    let filtered = index
        .search(
            "创业担保贷款",
            &Filters {
                level: Some("市".into()),
                ..Default::default()
            },
            10,
        )
        .unwrap();
    assert_eq!(ids(&filtered), ["loan", "rent"]);
    assert_eq!(all[0].score, filtered[0].score);
    let none = index
        .search(
            "创业担保贷款",
            &Filters {
                mode: Some("免申即享".into()),
                ..Default::default()
            },
            10,
        )
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn snippets_escape_html_and_mark_terms() {
    let mut doc = policy(
        "x",
        "<script>alert(1)</script>稳岗补贴 & \"返还\"",
        "前言<script>alert('x')</script>企业可申请稳岗补贴<b>。",
    );
    doc.guide = "<img src=x onerror=alert(1)>".into();
    let index = PolicyIndex::build(&[doc]).unwrap();
    for query in ["稳岗补贴", "script", ""] {
        let hits = index.search(query, &Filters::default(), 10).unwrap();
        assert_eq!(hits.len(), 1, "{query}");
        for html in [&hits[0].title_html, &hits[0].snippet_html] {
            let stripped = html.replace("<mark>", "").replace("</mark>", "");
            assert!(!stripped.contains('<') && !stripped.contains('>'), "{html}");
            assert!(
                !stripped.contains('"') && !stripped.contains('\''),
                "{html}"
            );
            assert!(html.contains("&lt;"), "{html}");
        }
    }
    let hit = &index.search("稳岗补贴", &Filters::default(), 1).unwrap()[0];
    assert!(
        hit.title_html.contains("&amp; &quot;返还&quot;"),
        "{}",
        hit.title_html
    );
    assert!(hit.title_html.contains("<mark>稳岗"), "{}", hit.title_html);
    assert!(
        hit.snippet_html.contains("<mark>稳岗"),
        "{}",
        hit.snippet_html
    );
    let hit = &index.search("SCRIPT", &Filters::default(), 1).unwrap()[0];
    assert!(
        hit.title_html.contains("&lt;<mark>script</mark>&gt;"),
        "{}",
        hit.title_html
    );
}

#[test]
fn long_text_snippet_is_an_excerpt_around_the_match() {
    let text = format!(
        "{}企业首次突破产值十亿元给予奖励。{}",
        "一般规定。".repeat(200),
        "附则。".repeat(200)
    );
    let index = PolicyIndex::build(&[policy("long", "奖励办法", &text)]).unwrap();
    let hit = &index.search("首次突破", &Filters::default(), 1).unwrap()[0];
    assert!(hit.snippet_html.starts_with('…') && hit.snippet_html.ends_with('…'));
    assert!(
        hit.snippet_html.contains("<mark>首次</mark>")
            || hit.snippet_html.contains("<mark>首次突破</mark>")
    );
    assert!(
        hit.snippet_html.chars().count() < 200,
        "{}",
        hit.snippet_html
    );
    // No match in the body: the start of the text.
    let hit = &index.search("", &Filters::default(), 1).unwrap()[0];
    assert!(hit.snippet_html.starts_with("一般规定。") && hit.snippet_html.ends_with('…'));
}

#[test]
fn duplicate_ids_are_rejected() {
    let err = PolicyIndex::build(&[policy("a", "一", ""), policy("a", "二", "")]).unwrap_err();
    assert!(matches!(err, SearchError::DuplicateId(id) if id == "a"));
}

#[test]
fn empty_index_searches() {
    let index = PolicyIndex::build(&[]).unwrap();
    assert!(index.is_empty());
    assert!(
        index
            .search("创业", &Filters::default(), 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        index
            .search("", &Filters::default(), 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn query_syntax_is_plain_text() {
    let index = index();
    for q in [
        "\"创业",
        "title:创业",
        "创业 AND NOT 贷款",
        "(((",
        "*",
        "租金~2",
        "[a TO z]",
        "\\",
        "+-!^",
        "\u{0}",
        "\u{200b}创业\u{feff}",
        "😀创业😀",
        "ｃ３３",
    ] {
        let _ = index.search(q, &Filters::default(), 10).unwrap();
    }
    let hits = index.search("title:租金", &Filters::default(), 10).unwrap();
    assert_eq!(ids(&hits)[0], "rent");
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn any_filters() -> impl Strategy<Value = Filters> {
        let value = proptest::option::of(".{0,6}");
        (
            value.clone(),
            value.clone(),
            value.clone(),
            value.clone(),
            value.clone(),
            value,
        )
            .prop_map(
                |(level, department, topic, industry, status, mode)| Filters {
                    level,
                    department,
                    topic,
                    industry,
                    status,
                    mode,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        #[test]
        fn hostile_input_never_panics(
            query in "(\\PC|[\"():*\\\\~^ ]|创业|贷款|<script>){0,40}",
            filters in any_filters(),
            limit in 0usize..20,
        ) {
            static INDEX: std::sync::OnceLock<PolicyIndex> = std::sync::OnceLock::new();
            let index = INDEX.get_or_init(index);
            let hits = index.search(&query, &filters, limit).unwrap();
            prop_assert!(hits.len() <= limit);
        }

        #[test]
        fn any_document_text_builds_and_highlights(
            title in "\\PC{0,30}",
            text in "(\\PC|\\s|创业担保贷款){0,300}",
            query in "\\PC{0,10}",
        ) {
            let index = PolicyIndex::build(&[policy("p", &title, &text)]).unwrap();
            for hit in index.search(&query, &Filters::default(), 5).unwrap() {
                let stripped = hit.snippet_html.replace("<mark>", "").replace("</mark>", "");
                prop_assert!(!stripped.contains('<'));
            }
        }
    }
}

/// A library where every policy speaks of 企业: the query as typed ranks first (in a title, then
/// in a text), and 企业 alone is marked nowhere.
fn enterprise_library() -> PolicyIndex {
    PolicyIndex::build(&[
        policy(
            "size",
            "中小企业纾困专项资金",
            "支持中小企业渡过难关，企业可按季度申请。",
        ),
        policy(
            "hitech-text",
            "研发投入后补助",
            "经认定的高新技术企业按研发投入给予后补助，企业须如实填报。",
        ),
        policy(
            "grow",
            "规模以上工业企业增产奖励",
            "工业企业产值增长的给予奖励，企业自主申报。",
        ),
        policy(
            "hitech-title",
            "高新技术企业认定奖励",
            "首次通过认定的企业一次性奖励30万元。",
        ),
    ])
    .unwrap()
}

#[test]
fn the_whole_phrase_ranks_first_and_a_word_every_policy_has_is_not_marked() {
    let hits = enterprise_library()
        .search("高新技术企业", &Filters::default(), 10)
        .unwrap();
    assert_eq!(
        &ids(&hits)[..2],
        ["hitech-title", "hitech-text"],
        "{hits:?}"
    );
    assert!(
        hits[0].title_html.contains("<mark>高新技术企业</mark>"),
        "{}",
        hits[0].title_html
    );
    assert!(
        hits[1].snippet_html.contains("<mark>高新技术企业</mark>"),
        "{}",
        hits[1].snippet_html
    );
    for hit in &hits {
        let unmarked = hit.snippet_html.replace("<mark>高新技术企业</mark>", "");
        assert!(
            !unmarked.contains("<mark>企业</mark>"),
            "{}",
            hit.snippet_html
        );
        assert!(
            !hit.title_html
                .replace("<mark>高新技术企业</mark>", "")
                .contains("<mark>企业"),
            "{}",
            hit.title_html
        );
    }
}

#[test]
fn a_query_of_only_common_words_still_marks_them() {
    let hits = enterprise_library()
        .search("企业", &Filters::default(), 10)
        .unwrap();
    assert_eq!(hits.len(), 4);
    assert!(hits.iter().all(|h| h.snippet_html.contains("<mark>企业")));
}
