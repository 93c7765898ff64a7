//! Unit tests of the raw JSON helpers.

use super::*;

#[test]
fn depth_counts_brackets_outside_strings_only() {
    let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
    assert!(check_depth(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    assert_eq!(check_depth(&deep), Err(Error::TooDeep { limit: 64 }));
    assert!(check_depth(&format!("\"{}\"", "[".repeat(100))).is_ok());
    assert!(check_depth(r#"{"a":"\"[[[[","b":1}"#).is_ok());
}

#[test]
fn valid_objects_split_like_the_parser() {
    let text = r#"{ "a" : 1 , "b\"}":{"x":[1,{"y":"]}"}]} ,"c":"q\\","d":-2.5e3,"e":null}"#;
    assert_eq!(split_valid_object(text), object(text, "").unwrap());
    assert_eq!(split_valid_object("{ }"), vec![]);
    assert_eq!(split_valid_object(r#"{"k":[]}"#), vec![(r#""k""#, "[]")]);
}

#[test]
fn utf16_units_of_escapes_and_astral() {
    assert_eq!(utf16_len(r#""abc""#), 3);
    assert_eq!(utf16_len(r#""\ud800x""#), 2);
    assert_eq!(utf16_len("\"😀\""), 2);
    assert_eq!(utf16_len(r#""\n\"""#), 2);
}

#[test]
fn strings_are_written_as_json_stringify_writes_them() {
    assert_eq!(canonical_string(r#""a\u0041\/\u00e9\u001F""#), "\"aA/é\\u001f\"");
    assert_eq!(canonical_string(r#""\ud83d\ude00 \uD800""#), "\"😀 \\ud800\"");
    assert_eq!(canonical_string(r#""\u0008\n\u007f""#), "\"\\b\\n\u{7f}\"");
    let kept = r#""x\ud800\u0001\"\\""#;
    assert!(matches!(canonical_string(kept), Cow::Borrowed(_)));
}

#[test]
fn integers_as_json_parse_reads_them() {
    let n = |s: &str| integer(s, 0.0, 10.0);
    assert_eq!(n("1.0"), Some(1));
    assert_eq!(n("1e1"), Some(10));
    assert_eq!(n("2.5"), None);
    assert_eq!(n("-1"), None);
    assert_eq!(n("1e400"), None);
    assert_eq!(n("\"2\""), None);
}

#[test]
fn the_grammar_is_json_parse_s() {
    // Accepted and refused as serde_json's parser (JSON.parse's grammar) does, with its message.
    let texts = [
        "",
        " ",
        "{}",
        " {} ",
        "[]",
        "[1,2]",
        "{\"a\":1}",
        "{\"a\":1,}",
        "[1,]",
        "[,1]",
        "{,}",
        "{\"a\"}",
        "{\"a\" 1}",
        "{1:2}",
        "{\"a\":}",
        "[1 2]",
        "{\"a\":1 \"b\":2}",
        "tru",
        "true",
        "truex",
        "nul",
        "null",
        "false",
        "-",
        "-0",
        "01",
        "-01",
        "1.",
        "1.5",
        ".5",
        "1e",
        "1e+",
        "1E-2",
        "1e5",
        "0.0e0",
        "\"a",
        "\"a\\\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\"\\ud800\"",
        "\"\\x\"",
        "\"\u{1}\"",
        "\"\u{7f}é\"",
        "\u{feff}{}",
        "{} {}",
        "[[[]]]",
        "[[[]]",
        "{\"a\":[}",
        "\n\n  [1,\n  x]",
        "\"\\/\"",
        "[1e400]",
        "{\"a\":{\"b\":[true,false,null]}}",
        "+1",
        "[-]",
        "{\"a\":1}x",
        "[\"a\" , \"b\" ]",
        "\t\r\n[\t]\r\n",
    ];
    for text in texts {
        let ours = parse::validate(text);
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| e.to_string());
        assert_eq!(ours.is_ok(), theirs.is_ok(), "{text:?}: {ours:?} vs {theirs:?}");
        if let (Err(a), Err(b)) = (&ours, &theirs) {
            assert_eq!(a, b, "{text:?}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn the_grammar_agrees_on_any_text(text in r#"[\[\]{}":,0-9eE.+\-tfnrulasx\\ ]{0,14}"#) {
        let ours = parse::validate(&text);
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&text).map(|_| ()).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(ours, theirs, "{:?}", text);
    }
}

/// What `integer` answered when it read numbers with `f64::from_str`.
fn integer_by_f64(text: &str, min: u64, max: u64) -> Option<u64> {
    let n: f64 = text.parse().ok()?;
    let ok = n.is_finite() && n.fract() == 0.0 && n >= min as f64 && n <= max as f64;
    ok.then_some(n as u64)
}

#[test]
fn integers_round_as_f64_does() {
    let max = (1 << 53) - 1;
    for text in [
        "0",
        "-0",
        "0.0",
        "1",
        "1.0",
        "1e2",
        "1E+2",
        "100e-2",
        "1.5",
        "-1",
        "-0.0000",
        "2147483647",
        "2147483647.0000000001",
        "2147483647.4",
        "2147483646.9999999999",
        "2147483648",
        "9007199254740991",
        "9007199254740991.4",
        "9007199254740991.5",
        "9007199254740992",
        "9007199254740990.5",
        "4503599627370495.5",
        "4503599627370496.5",
        "4503599627370497.5",
        "0.99999999999999994",
        "0.99999999999999995",
        "0.9999999999999999444888487687421729788184",
        "0.99999999999999994448884876874217297881841",
        "1.00000000000000011102230246251565404236316",
        "1.0000000000000001110223024625156540423632",
        "1.0000000000000001110223024625156540423631",
        "1e-400",
        "-1e-400",
        "1e400",
        "1e16",
        "1e15",
        ".5",
        "5.",
        "+5",
        "inf",
        "NaN",
        "1e",
        "",
        "-",
        "00012",
        "12.000000000000000000000000000000000000000000000000000001",
        "3.0000000000000004440892098500626",
        "3.0000000000000004440892098500627",
        "1e-324",
        "2e-324",
        "3e-324",
        "1e-325",
        "123456789012345678901234567890e-15",
    ] {
        for (min, max) in [(0, max), (1, 2_147_483_647), (3, 3), (0, 1_000_000_000_000)] {
            assert_eq!(
                number::integer_in(text, min, max),
                integer_by_f64(text, min, max),
                "{text}"
            );
        }
    }
}

proptest::proptest! {
    #[test]
    fn integers_agree_with_f64(
        int in "[0-9]{0,17}",
        frac in proptest::option::of("[0-9]{0,40}"),
        exp in proptest::option::of(-30i32..30),
        neg in proptest::bool::ANY,
        nines in 0usize..20,
    ) {
        let frac = frac.map(|f| format!(".{}{f}", "9".repeat(nines))).unwrap_or_default();
        let exp = exp.map(|e| format!("e{e}")).unwrap_or_default();
        let text = format!("{}{int}{frac}{exp}", if neg { "-" } else { "" });
        for (min, max) in [(0, (1 << 53) - 1), (1, 2_147_483_647), (0, 1_000_000_000_000)] {
            proptest::prop_assert_eq!(
                number::integer_in(&text, min, max),
                integer_by_f64(&text, min, max),
                "{}", text
            );
        }
    }

    #[test]
    fn near_integers_agree_with_f64(n in 0u64..(1 << 53), digits in "[0-9]{0,30}", below in proptest::bool::ANY) {
        // Just above n, or just below n + 1 (…999 then random digits).
        let text = if below { format!("{n}.99999999999999{digits}") } else { format!("{n}.00000000000000{digits}") };
        let max = (1 << 53) - 1;
        proptest::prop_assert_eq!(number::integer_in(&text, 0, max), integer_by_f64(&text, 0, max), "{}", text);
    }
}

#[test]
fn finite_as_f64_is() {
    for text in [
        "0",
        "1e308",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "1e309",
        "-1e400",
        "2e308",
        "0e999",
    ] {
        assert_eq!(number::finite(text), text.parse::<f64>().is_ok_and(f64::is_finite), "{text}");
    }
}

proptest::proptest! {
    #[test]
    fn distinct_is_pairwise_distinctness(keys in proptest::collection::vec("[a-c]{0,3}", 0..60)) {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let pairwise = (1..keys.len()).all(|i| keys[..i].iter().all(|k| *k != keys[i]));
        proptest::prop_assert_eq!(distinct(&keys), pairwise);
    }
}

#[test]
fn distinct_finds_a_late_repeat_among_many() {
    let keys: Vec<String> = (0..500).map(|i| format!("\"k{i}\"")).collect();
    let mut refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert!(distinct(&refs));
    refs.push("\"k250\"");
    assert!(!distinct(&refs));
}

/// What `checked_object` replaced: the depth scan, the grammar check, then a second walk that
/// split the object.
fn two_pass_object<'a>(text: &'a str) -> Result<RawMembers<'a>, Error> {
    check_depth(text)?;
    parse::validate(text).map_err(Error::json)?;
    let start = skip_ws(text.as_bytes(), 0);
    if text.as_bytes().get(start) != Some(&b'{') {
        return Err(Error::field("", "must be a JSON object"));
    }
    Ok(split_valid_object(&text[start..]))
}

#[test]
fn one_pass_splits_and_limits_as_the_three_passes_did() {
    let deep = |n: usize, tail: &str| format!("{{\"a\":{}{tail}{}}}", "[".repeat(n), "]".repeat(n));
    let texts = [
        r#"{ "a" : 1 , "b\"}":{"x":[1,{"y":"]}"}]} ,"c":"q\\","d":-2.5e3,"e":null}"#.to_string(),
        " { } ".into(),
        r#"{"k":[],"k":{},"j":"\ud800"}"#.into(),
        "[1,2]".into(),
        "\"x\"".into(),
        "{\"a\":1,}".into(),
        "{\"a\" 1}".into(),
        deep(63, ""),
        deep(64, ""),
        deep(200, ""),
        // A grammar fault before nesting that is too deep: the depth still decides.
        format!("{{\"a\":x,\"b\":{}{}}}", "[".repeat(70), "]".repeat(70)),
        format!("{{\"a\":x,\"b\":{}}}", "[".repeat(30)),
        format!("[{}", "{\"a\":".repeat(80)),
    ];
    for text in &texts {
        assert_eq!(checked_object(text, ""), two_pass_object(text), "{text:?}");
    }
}

proptest::proptest! {
    #[test]
    fn one_pass_agrees_with_three_on_any_text(text in r#"[\[\]{}":,0-9eE.+\-tfnrulasx\\ ]{0,24}"#) {
        proptest::prop_assert_eq!(checked_object(&text, ""), two_pass_object(&text), "{:?}", text);
    }

    #[test]
    fn one_pass_agrees_with_three_on_objects(
        members in proptest::collection::vec((r#""[a-c\\"]{0,3}""#, r#"(-?[0-9]{1,3}|"[x\]\[{}]*"|\[[0-9,\[\]]{0,6}\]|\{\}|true|null)"#), 0..6),
        ws in "[ \n]{0,2}",
    ) {
        let body: Vec<String> = members.iter().map(|(k, v)| format!("{ws}{k}{ws}:{ws}{v}{ws}")).collect();
        let text = format!("{ws}{{{}}}{ws}", body.join(","));
        proptest::prop_assert_eq!(checked_object(&text, ""), two_pass_object(&text), "{:?}", text);
    }
}

/// Audit: the one-pass scan against the three passes on texts that nest near and past
/// [`MAX_DEPTH`] (the proptests above stay under 24 bytes: never deep), with empty containers,
/// whitespace after values, strings holding brackets, duplicate keys, and one byte sometimes
/// broken.
#[test]
fn one_pass_agrees_with_three_near_the_depth_limit() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    fn value(out: &mut String, depth: usize, target: usize, rnd: &mut dyn FnMut(u64) -> u64) {
        let ws = |rnd: &mut dyn FnMut(u64) -> u64| [" ", "", "\n", ""][rnd(4) as usize];
        if depth < target || rnd(3) == 0 {
            let obj = rnd(2) == 0;
            out.push(if obj { '{' } else { '[' });
            out.push_str(ws(rnd));
            let n = if depth < target { 1 + rnd(2) } else { rnd(3) };
            for k in 0..n {
                if k > 0 {
                    out.push(',');
                    out.push_str(ws(rnd));
                }
                if obj {
                    out.push_str(["\"a\"", "\"b]\"", "\"a\"", "\"{\\\"\""][rnd(4) as usize]);
                    out.push_str(ws(rnd));
                    out.push(':');
                    out.push_str(ws(rnd));
                }
                value(
                    out,
                    depth + 1,
                    if k == 0 { target } else { depth + 1 + rnd(3) as usize },
                    rnd,
                );
                out.push_str(ws(rnd));
            }
            out.push(if obj { '}' } else { ']' });
        } else {
            out.push_str(
                ["1", "\"x]\"", "{}", "[]", "null", "-2.5e3", "\"\\\\\"", "[ ]", "{ }"]
                    [rnd(9) as usize],
            );
        }
    }
    for _ in 0..20_000 {
        let mut text = String::from(
            ["{\"k\":", " { \"k\" : ", "{\"k\":1,\"k\":", "[", "{\"z\":[],\"k\":"][rnd(5) as usize],
        );
        let target = 55 + rnd(14) as usize;
        value(&mut text, 1, target, &mut rnd);
        text.push_str(if text.starts_with('[') { "]" } else { "}" });
        if rnd(4) == 0 {
            text.push_str([" ", "\n", " x", ","][rnd(4) as usize]);
        }
        if rnd(3) == 0 && !text.is_empty() {
            let at = rnd(text.len() as u64) as usize;
            if text.is_char_boundary(at) && text.is_char_boundary(at + 1) {
                let c = ["}", "]", ",", ":", "\"", " ", "{", "["][rnd(8) as usize];
                text.replace_range(at..at + 1, c);
            }
        }
        assert_eq!(checked_object(&text, ""), two_pass_object(&text), "{text:?}");
        if let Ok(m) = checked_object(&text, "") {
            // The spans are the old splitter's, and each value is valid JSON on its own.
            for (_, v) in &m {
                assert_eq!(*v, v.trim(), "{text:?}");
                assert!(parse::validate(v).is_ok(), "{v:?} in {text:?}");
            }
        }
    }
}
