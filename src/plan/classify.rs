//! The one rule for Redis errors (SPEC §7, "Faults"): what an error reply means for the store —
//! retry it, resend as `EVAL`, fall back from scripting, or give up.

/// What a Redis error reply means for the store (SPEC §7, "Faults").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The script is not cached on the server: send the same step as `EVAL`.
    NoScript,
    /// Scripting is refused here (ACL `NOPERM`, an unknown command, scripting disabled): use
    /// the `WATCH` fallback, and try scripting again later.
    ScriptingRefused,
    /// Transient (`LOADING`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, a dropped or refused
    /// connection): the step's outcome is unknown; retry it within the deadline with the same
    /// write id.
    Retry,
    /// `MOVED`/`ASK` on the store's own `WATCH` connection (a resharding): retry as [`Retry`],
    /// after sending the step's `probe` through the cluster client so that it follows the
    /// redirection and refreshes its slot map (it never saw this reply).
    ///
    /// [`Retry`]: ErrorClass::Retry
    Moved,
    /// Anything else (`OOM`, `BUSY`, `WRONGTYPE`, …): the method fails with `REDIS`; nothing
    /// changes about how the next method is sent.
    Fail,
}

/// Classifies a Redis client's error message (the server's reply text, or the client's own
/// connection error).
pub fn classify(message: &str) -> ErrorClass {
    let m = message.trim_start();
    let upper = m.to_ascii_uppercase();
    let word = upper.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
    match word {
        "NOSCRIPT" if !upper.contains("DISABLED") => return ErrorClass::NoScript,
        "NOPERM" => return ErrorClass::ScriptingRefused,
        "LOADING" | "TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" => return ErrorClass::Retry,
        "MOVED" | "ASK" => return ErrorClass::Moved,
        "OOM" | "BUSY" | "BUSYKEY" | "EXECABORT" | "WRONGTYPE" => return ErrorClass::Fail,
        _ => {}
    }
    if upper.contains("SCRIPTING IS DISABLED")
        || upper.contains("NOSCRIPT")
        || upper.starts_with("ERR UNKNOWN COMMAND")
        || (upper.contains("UNKNOWN COMMAND")
            && (upper.contains("EVAL") || upper.contains("SCRIPT")))
    {
        return ErrorClass::ScriptingRefused;
    }
    const CONNECTION: [&str; 15] = [
        "ECONNRESET",
        "ECONNREFUSED",
        "ECONNABORTED",
        "EPIPE",
        "ETIMEDOUT",
        "EHOSTUNREACH",
        "CONNECTION IS CLOSED",
        "SOCKET CLOSED",
        "CLIENT IS CLOSED",
        "SOCKET IS NOT OPEN",
        "STREAM ISN'T WRITEABLE",
        "CONNECTION LOST",
        "CLIENT IS OFFLINE",
        "DISCONNECTS CLIENT",
        "CONNECTION TIMEOUT",
    ];
    // ioredis Cluster gives up redirecting (MOVED/CLUSTERDOWN during a failover) with this.
    if upper.starts_with("TOO MANY CLUSTER REDIRECTIONS") {
        return ErrorClass::Retry;
    }
    if CONNECTION.iter().any(|c| upper.contains(c)) {
        return ErrorClass::Retry;
    }
    ErrorClass::Fail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_reads_the_reply_not_the_wrapper() {
        use ErrorClass::*;
        for (m, class) in [
            ("LOADING Redis is loading the dataset in memory", Retry),
            ("TRYAGAIN Multiple keys request during rehashing of slot", Retry),
            ("CLUSTERDOWN The cluster is down", Retry),
            ("MASTERDOWN Link with MASTER is down", Retry),
            ("MOVED 3999 127.0.0.1:6381", Moved),
            ("ASK 3999 127.0.0.1:6381", Moved),
            (
                "Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down",
                Retry,
            ),
            ("Connection is closed.", Retry),
            ("Socket closed unexpectedly", Retry),
            ("read ECONNRESET", Retry),
            ("connect ECONNREFUSED 127.0.0.1:6379", Retry),
            ("Stream isn't writeable and enableOfflineQueue options is false", Retry),
            ("NOSCRIPT No matching script. Please use EVAL.", NoScript),
            ("NOPERM User app has no permissions to run the 'evalsha' command", ScriptingRefused),
            ("ERR unknown command 'EVALSHA', with args beginning with: ", ScriptingRefused),
            ("ERR scripting is disabled", ScriptingRefused),
            ("OOM command not allowed when used memory > 'maxmemory'.", Fail),
            ("BUSY Redis is busy running a script. You can only call SCRIPT KILL", Fail),
            ("EXECABORT Transaction discarded because of previous errors.", Fail),
            ("WRONGTYPE Operation against a key holding the wrong kind of value", Fail),
        ] {
            assert_eq!(classify(m), class, "{m}");
        }
    }
}
