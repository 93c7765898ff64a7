//! One Redis command as data (its argument array), and the `EVAL`/`EVALSHA` forms the scripts
//! are sent in. Every plan produces these; nothing here knows what a command means.

/// One Redis command as its argument array.
pub type Command = Vec<String>;

/// `EVALSHA sha 3 <args…>` (every script of ours takes the call's three keys first).
pub(crate) fn evalsha<const N: usize>(sha: &str, args: [String; N]) -> Command {
    script_command("EVALSHA", sha, args)
}

/// `EVAL script 3 <args…>`.
pub(crate) fn eval<const N: usize>(script: &str, args: [String; N]) -> Command {
    script_command("EVAL", script, args)
}

fn script_command<const N: usize>(verb: &str, script: &str, args: [String; N]) -> Command {
    let mut cmd = Vec::with_capacity(N + 3);
    cmd.extend([verb.to_string(), script.to_string(), "3".to_string()]);
    cmd.extend(args);
    cmd
}
