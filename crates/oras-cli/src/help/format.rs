//! The `--format` usage, which oras builds per command from the types it accepts: a header
//! line, one `'<type>':` line per type in a tab-aligned column (the default type last), and the
//! default appended as pflag does for a string flag.

/// A `--format` type and its line in the help.
#[derive(Debug, Clone, Copy)]
pub struct FormatType {
    /// The value given to `--format`.
    pub name: &'static str,
    /// What the help says about it.
    pub usage: &'static str,
}

impl FormatType {
    /// The same type described differently (oras's `WithUsage`).
    pub const fn with_usage(self, usage: &'static str) -> FormatType {
        FormatType {
            name: self.name,
            usage,
        }
    }
}

/// `text`: the default of most commands.
pub const TEXT: FormatType = FormatType {
    name: "text",
    usage: "Print in text format",
};
/// `json`.
pub const JSON: FormatType = FormatType {
    name: "json",
    usage: "Print in JSON format",
};
/// `go-template`, with `--template` or `go-template=…`.
pub const GO_TEMPLATE: FormatType = FormatType {
    name: "go-template",
    usage: "Print output using the given Go template",
};
/// `tree`: the default of `discover`.
pub const TREE: FormatType = FormatType {
    name: "tree",
    usage: "Get referrers and print in tree format",
};
/// `table`: deprecated, `discover` only.
pub const TABLE: FormatType = FormatType {
    name: "table",
    usage: "[Deprecated] Get referrers and output in table format",
};

/// The usage of `--template` where oras 1.3 has no `--format` (our addition).
pub const ADDED_TEMPLATE_USAGE: &str = "[Beyond oras 1.3] template string used to format output";

/// The usage of `--format` for a command whose default is `default` and that also takes
/// `others` (listed in this order, the default last).
pub fn format_usage(default: FormatType, others: &[FormatType]) -> String {
    usage_under("[Experimental]", default, others)
}

/// The usage of `--format` on a command where oras 1.3 has none (our addition, marked as
/// such): text by default, json and go-template.
pub fn added_format_usage() -> String {
    usage_under("[Beyond oras 1.3]", TEXT, &[JSON, GO_TEMPLATE])
}

/// The `--format` usage with its header marked `mark`.
fn usage_under(mark: &str, default: FormatType, others: &[FormatType]) -> String {
    let types: Vec<FormatType> = others.iter().copied().chain([default]).collect();
    // Go's tabwriter with padding 2: the widest `'<type>':` cell plus two spaces.
    let width = types.iter().map(|t| t.name.len() + 3).max().unwrap_or(0) + 2;
    let mut s = format!("{mark} format output using a custom template:");
    for t in &types {
        let cell = format!("'{}':", t.name);
        s.push_str(&format!("\n{cell:<width$}{}", t.usage));
    }
    s.push_str(&format!(" (default {:?})", default.name));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_aligned_and_the_default_comes_last() {
        assert_eq!(
            format_usage(TEXT, &[JSON, GO_TEMPLATE]),
            "[Experimental] format output using a custom template:\n\
             'json':         Print in JSON format\n\
             'go-template':  Print output using the given Go template\n\
             'text':         Print in text format (default \"text\")"
        );
    }
}
