//! The command line: output lines, exit statuses, stdin.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn histcheck(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_histcheck"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

const HISTORY: &str = r#"{ "cells": [
  { "name": "kill/ioredis/script/native",
    "calls": {
      "CAxyz": { "initial": [],
        "ops": [
          { "id": "o2", "process": 1, "kind": "append", "invoke": 1.0, "return": 2.0, "status": "ok", "value": ["o2"] },
          { "id": "o17", "process": 3, "kind": "append", "invoke": 12.5, "return": 40.1, "status": "ok", "value": ["o2","o17"] },
          { "id": "o18", "process": 4, "kind": "append", "invoke": 13.0, "return": null, "status": "unknown", "value": null },
          { "id": "r5",  "process": 9, "kind": "read",   "invoke": 50.0, "return": 51.0, "status": "ok", "value": ["o2","o17"] }
        ] },
      "CAbad": { "ops": [
          { "id": "a", "process": 1, "kind": "append", "invoke": 1.0, "return": 2.0, "status": "ok", "value": ["a"] },
          { "id": "r", "process": 2, "kind": "read", "invoke": 3.0, "return": 4.0, "status": "ok", "value": [] }
        ] } } },
  { "name": "empty", "calls": {} } ] }"#;

#[test]
fn one_line_per_cell_from_stdin() {
    let out = histcheck(&["-"], HISTORY);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"name":"kill/ioredis/script/native","calls":2,"ops":6,"linearizable":false,"failedCalls":["CAbad"],"lost":1,"twice":0,"undecided":0,"undecidedCalls":[]}"#,
            r#"{"name":"empty","calls":0,"ops":0,"linearizable":true,"failedCalls":[],"lost":0,"twice":0,"undecided":0,"undecidedCalls":[]}"#,
        ]
    );
}

#[test]
fn reads_a_file_and_applies_the_budget() {
    let path = std::env::temp_dir().join(format!("histcheck-cli-{}.json", std::process::id()));
    std::fs::write(&path, HISTORY).unwrap();
    let out = histcheck(&["--max-steps", "1", path.to_str().unwrap()], "");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains(r#""undecided":2,"undecidedCalls":["CAbad","CAxyz"]"#), "{stdout}");
}

#[test]
fn bad_input_and_usage_exit_2() {
    for (args, stdin) in [
        (&[][..], ""),
        (&["-", "extra"][..], ""),
        (&["--max-steps", "many", "-"][..], ""),
        (&["--frobnicate", "-"][..], ""),
        (&["/nonexistent/history.json"][..], ""),
        (&["-"][..], "{"),
        (
            &["-"][..],
            r#"{"cells":[{"name":"x","calls":{"CA":{"ops":[{"id":"a","process":1,"kind":"append","invoke":1,"return":null,"status":"ok","value":["a"]}]}}}]}"#,
        ),
        (
            &["-"][..],
            r#"{"cells":[{"name":"x","calls":{"CA":{"ops":[{"id":"a","process":1,"kind":"write","invoke":1,"return":2,"status":"ok","value":["a"]}]}}}]}"#,
        ),
    ] {
        let out = histcheck(args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?} {stdin}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
    let help = histcheck(&["--help"], "");
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8(help.stdout).unwrap().starts_with("usage: histcheck"));
}
