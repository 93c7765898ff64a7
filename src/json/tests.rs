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
