//! `oras discover`: show the referrers of a manifest as a tree, table or JSON.

use std::collections::HashSet;

use clap::Args;
use oras::content::ReadOnlyGraphTarget;
use oras::limits::ReferrerLimits;
use oras::ops;
use oras::referrers::referrers;
use oras_spec::{Descriptor, Digest};
use serde_json::{Value, json};

use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{
    CommonOpts, DistSpecOpts, FormatOpts, PlatformOpts, TargetOpts, TtyOpts, require_reference,
};
use crate::output::{Format, descriptor_model, line, out, warn};

const USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

#[derive(Args, Debug)]
pub struct DiscoverArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    format: FormatOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// [Experimental] maximum depth of referrers in the formatted output
    #[arg(long)]
    depth: Option<i64>,
    /// [Deprecated] format in which to display referrers (table, json, or tree)
    #[arg(short = 'o', long)]
    output: Option<String>,
}

/// A referrer with its own referrers.
struct Node {
    desc: Descriptor,
    children: Vec<Node>,
}

/// One referrers walk: its root, how deep the output goes, and the graph's bounds.
struct Walk<'a> {
    src: &'a dyn ReadOnlyGraphTarget,
    root: &'a Descriptor,
    artifact_type: &'a str,
    /// Levels shown (`--depth`); a graph that goes on below is cut there.
    depth: usize,
    limits: ReferrerLimits,
}

impl Walk<'_> {
    /// The referrers of `subject` (at `level`) and theirs; every node once (cycles).
    async fn referrers(
        &self,
        subject: &Descriptor,
        level: usize,
        seen: &mut HashSet<Digest>,
    ) -> CliResult<Vec<Node>> {
        if level >= self.depth {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for r in referrers(self.src, subject, self.artifact_type).await? {
            if !seen.insert(r.digest.clone()) {
                continue;
            }
            self.limits.check_depth(self.root, level + 1)?;
            self.limits.check_count(self.root, seen.len() - 1)?;
            let children = Box::pin(self.referrers(&r, level + 1, seen)).await?;
            out.push(Node { desc: r, children });
        }
        Ok(out)
    }
}

fn node_model(path: &str, desc: &Descriptor, children: &[Node]) -> Value {
    let mut m = descriptor_model(&format!("{path}@{}", desc.digest), desc);
    m.insert(
        "referrers".into(),
        Value::Array(
            children
                .iter()
                .map(|c| node_model(path, &c.desc, &c.children))
                .collect(),
        ),
    );
    Value::Object(m)
}

/// A YAML scalar as `yaml.Marshal` would write it for a string.
fn yaml_scalar(v: &str) -> String {
    let looks_typed = v.is_empty()
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
        )
        || v.parse::<f64>().is_ok()
        || v.parse::<jiff::Timestamp>().is_ok()
        || (v.len() == 10
            && v.as_bytes().get(4) == Some(&b'-')
            && v.as_bytes().get(7) == Some(&b'-'));
    if looks_typed {
        return format!("{v:?}");
    }
    let special_start =
        v.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace());
    let needs_quotes = special_start
        || v.ends_with(' ')
        || v.contains(": ")
        || v.contains(" #")
        || v.contains('\n');
    if needs_quotes {
        if v.contains('\n') || v.chars().any(|c| c.is_control()) {
            return format!("{v:?}");
        }
        return format!("'{}'", v.replace('\'', "''"));
    }
    v.to_string()
}

fn tree_lines(nodes: &[Node], prefix: &str, verbose: bool, out: &mut Vec<String>) {
    // group by artifact type, in first-seen order
    let mut groups: Vec<(String, Vec<&Node>)> = Vec::new();
    for n in nodes {
        let t = if n.desc.artifact_type.is_empty() {
            "<unknown>".to_string()
        } else {
            n.desc.artifact_type.clone()
        };
        match groups.iter_mut().find(|(k, _)| *k == t) {
            Some((_, v)) => v.push(n),
            None => groups.push((t, vec![n])),
        }
    }
    for (gi, (t, members)) in groups.iter().enumerate() {
        let last_group = gi + 1 == groups.len();
        out.push(format!(
            "{prefix}{}{t}",
            if last_group {
                "└── "
            } else {
                "├── "
            }
        ));
        let gprefix = format!("{prefix}{}", if last_group { "    " } else { "│   " });
        for (mi, n) in members.iter().enumerate() {
            let last = mi + 1 == members.len();
            out.push(format!(
                "{gprefix}{}{}",
                if last { "└── " } else { "├── " },
                n.desc.digest
            ));
            let nprefix = format!("{gprefix}{}", if last { "    " } else { "│   " });
            let has_ann = verbose && !n.desc.annotations.is_empty();
            if has_ann {
                let last_item = n.children.is_empty();
                out.push(format!(
                    "{nprefix}{}[annotations]",
                    if last_item {
                        "└── "
                    } else {
                        "├── "
                    }
                ));
                let aprefix = format!("{nprefix}{}", if last_item { "    " } else { "│   " });
                let count = n.desc.annotations.len();
                for (ai, (k, v)) in n.desc.annotations.iter().enumerate() {
                    let branch = if ai + 1 == count {
                        "└── "
                    } else {
                        "├── "
                    };
                    out.push(format!("{aprefix}{branch}{k}: {}", yaml_scalar(v)));
                }
            }
            tree_lines(&n.children, &nprefix, verbose, out);
        }
    }
}

pub async fn exec(a: DiscoverArgs) -> CliResult {
    check_args(&a.args, "discover", USAGE, 1, true, "the target artifact")?;
    a.dist.check()?;
    let allowed = ["tree", "table", "json", "go-template"];
    let format = match (&a.output, &a.format.format) {
        (Some(_), Some(_)) => return fail("--format, --output cannot be used at the same time"),
        (Some(o), None) => {
            if o.starts_with("go-template") {
                return fail("output type can only be tree, table or json");
            }
            let f = Format::parse(
                Some(o),
                None,
                &["table", "json", "go-template", "tree"],
                Format::Tree,
            )?;
            warn("[DEPRECATED] --output is deprecated, try `--format ` instead");
            f
        }
        _ => Format::parse(
            a.format.format.as_deref(),
            a.format.template.as_deref(),
            &allowed,
            Format::Tree,
        )?,
    };
    let verbose = a.common.verbose.unwrap_or(true);
    let depth = match a.depth {
        Some(d) if d < 1 => return fail("depth value should be at least 1"),
        Some(d) => usize::try_from(d).unwrap_or(usize::MAX),
        None => usize::MAX,
    };
    let depth = if format == Format::Table { 1 } else { depth };
    let target = a.target.parse(&a.args[0])?.with_dist(&a.dist)?;
    require_reference(&target, "discover", USAGE)?;
    let platform = a.platform.parse()?;
    let src = target.open_read()?;
    let subject = ops::resolve(&*src, &target.reference, platform.as_ref())
        .await
        .map_err(|e| CliError::new(e.to_string()))?;
    let mut seen = HashSet::from([subject.digest.clone()]);
    let walk = Walk {
        src: &*src,
        root: &subject,
        artifact_type: a.artifact_type.as_deref().unwrap_or(""),
        depth,
        limits: ReferrerLimits::default(),
    };
    let tree = walk.referrers(&subject, 0, &mut seen).await?;
    let model = node_model(&target.path, &subject, &tree);
    if format.print_model(&model)? {
        return Ok(());
    }
    if format == Format::Table {
        let n = tree.len();
        line(format!(
            "Discovered {n} artifact{} referencing {}",
            if n == 1 { "" } else { "s" },
            target.raw
        ));
        line(format!("Digest: {}", subject.digest));
        if n > 0 {
            let width = tree
                .iter()
                .map(|t| t.desc.artifact_type.len())
                .max()
                .unwrap_or(0)
                .max(13);
            line("");
            line(format!("{:<w$} Digest", "Artifact Type", w = width));
            for t in &tree {
                line(format!(
                    "{:<w$} {}",
                    t.desc.artifact_type,
                    t.desc.digest,
                    w = width
                ));
                if verbose {
                    let mut b = oras_spec::gojson::to_vec_pretty(&t.desc);
                    b.push(b'\n');
                    out(&String::from_utf8_lossy(&b));
                }
            }
        }
        return Ok(());
    }
    let mut lines = vec![target.with_digest(&subject.digest)];
    tree_lines(&tree, "", verbose, &mut lines);
    for l in lines {
        line(l);
    }
    let _ = json!(null);
    Ok(())
}
