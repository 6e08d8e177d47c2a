//! `oras discover`: show the referrers of a manifest as a tree, table or JSON.

use clap::Args;
use oras::ops::{self, ReferrerNode};
use oras_spec::Descriptor;
use serde_json::Value;

use crate::error::{CliResult, check_args, fail};
use crate::options::{
    CommonOpts, DistSpecOpts, FormatOpts, PlatformOpts, TargetOpts, TargetRef, TtyOpts,
    require_reference,
};
use crate::output::{Format, descriptor_model, line, out, warn};

pub(super) const USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

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
    /// [Deprecated] format in which to display referrers (table, json, or tree). tree format will also show indirect referrers (default "tree")
    #[arg(short = 'o', long)]
    output: Option<String>,
}

fn node_model(path: &str, desc: &Descriptor, children: &[ReferrerNode]) -> Value {
    let mut m = descriptor_model(&format!("{path}@{}", desc.digest), desc);
    m.insert(
        "referrers".into(),
        Value::Array(
            children
                .iter()
                .map(|c| node_model(path, &c.descriptor, &c.referrers))
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

fn tree_lines(nodes: &[ReferrerNode], prefix: &str, verbose: bool, out: &mut Vec<String>) {
    // group by artifact type, in first-seen order
    let mut groups: Vec<(String, Vec<&ReferrerNode>)> = Vec::new();
    for n in nodes {
        let t = if n.descriptor.artifact_type.is_empty() {
            "<unknown>".to_string()
        } else {
            n.descriptor.artifact_type.clone()
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
                n.descriptor.digest
            ));
            let nprefix = format!("{gprefix}{}", if last { "    " } else { "│   " });
            let has_ann = verbose && !n.descriptor.annotations.is_empty();
            if has_ann {
                let last_item = n.referrers.is_empty();
                out.push(format!(
                    "{nprefix}{}[annotations]",
                    if last_item {
                        "└── "
                    } else {
                        "├── "
                    }
                ));
                let aprefix = format!("{nprefix}{}", if last_item { "    " } else { "│   " });
                let count = n.descriptor.annotations.len();
                for (ai, (k, v)) in n.descriptor.annotations.iter().enumerate() {
                    let branch = if ai + 1 == count {
                        "└── "
                    } else {
                        "├── "
                    };
                    out.push(format!("{aprefix}{branch}{k}: {}", yaml_scalar(v)));
                }
            }
            tree_lines(&n.referrers, &nprefix, verbose, out);
        }
    }
}

/// The output format of `--format` / `--template`, or of the deprecated `--output`.
fn output_format(a: &DiscoverArgs) -> CliResult<Format> {
    match (&a.output, &a.format.format) {
        (Some(_), Some(_)) => fail("--format, --output cannot be used at the same time"),
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
            Ok(f)
        }
        _ => Format::parse(
            a.format.format.as_deref(),
            a.format.template.as_deref(),
            &["tree", "table", "json", "go-template"],
            Format::Tree,
        ),
    }
}

/// The table: the root's own referrers (the walk went one level deep), each with its
/// descriptor when verbose.
fn print_table(target: &TargetRef, tree: &ops::ReferrersTree, verbose: bool) {
    let n = tree.referrers.len();
    line(format!(
        "Discovered {n} artifact{} referencing {}",
        if n == 1 { "" } else { "s" },
        target.raw
    ));
    line(format!("Digest: {}", tree.root.digest));
    if n == 0 {
        return;
    }
    let width = tree
        .referrers
        .iter()
        .map(|t| t.descriptor.artifact_type.len())
        .max()
        .unwrap_or(0)
        .max(13);
    line("");
    line(format!("{:<w$} Digest", "Artifact Type", w = width));
    for t in &tree.referrers {
        let d = &t.descriptor;
        line(format!("{:<w$} {}", d.artifact_type, d.digest, w = width));
        if verbose {
            let mut b = oras_spec::gojson::to_vec_pretty(d);
            b.push(b'\n');
            out(&String::from_utf8_lossy(&b));
        }
    }
}

/// Levels of referrers shown: `--depth` (at least 1), one for the table.
fn depth(a: &DiscoverArgs, format: &Format) -> CliResult<Option<usize>> {
    let depth = match a.depth {
        Some(d) if d < 1 => return fail("depth value should be at least 1"),
        Some(d) => Some(usize::try_from(d).unwrap_or(usize::MAX)),
        None => None,
    };
    Ok(if *format == Format::Table {
        Some(1)
    } else {
        depth
    })
}

pub async fn exec(a: DiscoverArgs) -> CliResult {
    check_args(&a.args, "discover", USAGE, 1, true, "the target artifact")?;
    a.dist.check()?;
    let format = output_format(&a)?;
    let verbose = a.common.verbose.unwrap_or(true);
    let depth = depth(&a, &format)?;
    let target = a.target.parse(&a.args[0])?.with_dist(&a.dist)?;
    require_reference(&target, "discover", USAGE)?;
    let mut o = ops::DiscoverOptions::default();
    o.platform = a.platform.parse()?;
    o.artifact_type = a.artifact_type.clone();
    o.depth = depth;
    let src = target.open_read_remote_cached()?;
    let tree = ops::discover(&*src, &target.reference, &o)
        .await
        .map_err(|e| target.error(e))?;
    if format.print_model(&node_model(&target.path, &tree.root, &tree.referrers))? {
        return Ok(());
    }
    if format == Format::Table {
        print_table(&target, &tree, verbose);
        return Ok(());
    }
    let mut lines = vec![target.with_digest(&tree.root.digest)];
    tree_lines(&tree.referrers, "", verbose, &mut lines);
    for l in lines {
        line(l);
    }
    Ok(())
}
