//! `oras manifest …`: fetch, fetch-config, push, delete, index create / update.

use std::io::{BufRead, Read};

use bytes::Bytes;
use clap::{Args, Subcommand};
use oras::content::verify::fetch_all;
use oras::content::{BlobSource, ReadOnlyGraphTarget};
use oras::limits::DEFAULT_MAX_METADATA_BYTES;
use oras::ops;
use oras_spec::{Descriptor, Digest, ImageIndex, Platform, SuccessorView, gojson, media_type};
use serde_json::Value;

use crate::error::{CliError, CliResult, check_args, fail};
use crate::options::{
    CommonOpts, DescriptorOpts, DistSpecOpts, FormatOpts, PlatformOpts, TargetOpts, TargetRef,
    require_reference, split_tags,
};
use crate::output::{Format, descriptor_model, line, out_bytes, print_descriptor, print_raw_json};

#[derive(Subcommand, Debug)]
pub enum ManifestCommand {
    /// Delete a manifest from remote registry or OCI image layout
    #[command(aliases = ["remove", "rm"])]
    Delete(DeleteArgs),
    /// Fetch manifest of the target artifact
    #[command(aliases = ["get", "show"])]
    Fetch(FetchArgs),
    /// Fetch the config of a manifest
    #[command(name = "fetch-config", alias = "get-config")]
    FetchConfig(FetchConfigArgs),
    /// Push a manifest to a registry or an OCI image layout
    Push(PushArgs),
    /// [Experimental] Index operations
    #[command(subcommand)]
    Index(IndexCommand),
}

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// [Experimental] Create and push an index from provided manifests
    #[command(alias = "pack")]
    Create(IndexCreateArgs),
    /// [Experimental] Update and push an image index
    Update(IndexUpdateArgs),
}

pub async fn exec(c: ManifestCommand) -> CliResult {
    match c {
        ManifestCommand::Delete(a) => delete(a).await,
        ManifestCommand::Fetch(a) => fetch(a).await,
        ManifestCommand::FetchConfig(a) => fetch_config(a).await,
        ManifestCommand::Push(a) => push(a).await,
        ManifestCommand::Index(IndexCommand::Create(a)) => index_create(a).await,
        ManifestCommand::Index(IndexCommand::Update(a)) => index_update(a).await,
    }
}

/// Asks `question` on stdout; true if the answer is y/yes.
pub fn confirm(question: &str) -> bool {
    crate::output::out(question);
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Writes `data` to `path` (`-` = stdout), through a temp file and rename.
pub fn write_output(path: &str, data: &[u8]) -> CliResult {
    if path == "-" {
        out_bytes(data);
        return Ok(());
    }
    let p = std::path::Path::new(path);
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| CliError::new(format!("failed to write {path}: {e}")))?;
    std::io::Write::write_all(&mut tmp, data)?;
    tmp.persist(p)
        .map_err(|e| CliError::new(format!("failed to write {path}: {}", e.error)))?;
    Ok(())
}

// ---------------------------------------------------------------- fetch

const FETCH_USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

#[derive(Args, Debug)]
pub struct FetchArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    #[command(flatten)]
    format: FormatOpts,
    /// accepted media types
    #[arg(long, value_delimiter = ',')]
    media_type: Vec<String>,
    /// file path to store the fetched manifest
    #[arg(short = 'o', long)]
    output: Option<String>,
}

async fn fetch(a: FetchArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest fetch",
        FETCH_USAGE,
        1,
        true,
        "the manifest to fetch",
    )?;
    let format = a.format.parse_text()?;
    if a.format.format.is_some() && a.desc.pretty {
        return fail("--format, --pretty cannot be used at the same time");
    }
    if a.format.format.is_some() && a.desc.descriptor {
        return fail("--format, --descriptor cannot be used at the same time");
    }
    if a.output.as_deref() == Some("-") && a.desc.descriptor {
        return fail("`--output -` cannot be used with `--descriptor` at the same time");
    }
    if a.output.as_deref() == Some("-") && format != Format::Text {
        return fail("`--output -` cannot be used with `--format` at the same time");
    }
    let target = a.target.parse(&a.args[0])?;
    if !a.media_type.is_empty() && matches!(target.kind, crate::options::Kind::Layout) {
        return fail("`--media-type` cannot be used with `--oci-layout` at the same time");
    }
    require_reference(&target, "manifest fetch", FETCH_USAGE)?;
    let mut target = target;
    target.accept = a.media_type.clone();
    let platform = a.platform.parse()?;
    let src = target.open_read_cached()?;
    let desc = ops::resolve(&*src, &target.reference, platform.as_ref())
        .await
        .map_err(|e| CliError::new(format!("failed to find {:?}: {e}", target.raw)))?;
    if a.desc.descriptor && a.output.is_none() {
        print_descriptor(&desc, a.desc.pretty);
        return Ok(());
    }
    let bytes = fetch_all(&*src, &desc, DEFAULT_MAX_METADATA_BYTES)
        .await
        .map_err(|e| {
            CliError::new(format!(
                "failed to fetch the content of {:?}: {e}",
                target.raw
            ))
        })?;
    if let Some(o) = &a.output {
        write_output(o, &bytes)?;
        if a.desc.descriptor {
            print_descriptor(&desc, a.desc.pretty);
        }
    }
    let mut model = descriptor_model(&target.with_digest(&desc.digest), &desc);
    let content: Value = serde_json::from_slice::<Value>(&bytes)
        .map(sort_keys)
        .unwrap_or(Value::Null);
    model.insert("content".into(), content);
    if format.print_model(&Value::Object(model))? || a.output.is_some() {
        return Ok(());
    }
    print_raw_json(&bytes, a.desc.pretty)
}

/// Re-orders object keys alphabetically, recursively (Go's map encoding order).
fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

// ---------------------------------------------------------------- fetch-config

#[derive(Args, Debug)]
pub struct FetchConfigArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    /// file path to write the fetched config to
    #[arg(short = 'o', long)]
    output: Option<String>,
}

async fn fetch_config(a: FetchConfigArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest fetch-config",
        FETCH_USAGE,
        1,
        true,
        "the manifest config to fetch",
    )?;
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "manifest fetch-config", FETCH_USAGE)?;
    let platform = a.platform.parse()?;
    let src = target.open_read_cached()?;
    let desc = ops::resolve(&*src, &target.reference, platform.as_ref()).await?;
    if !(desc.media_type == media_type::IMAGE_MANIFEST
        || desc.media_type == media_type::DOCKER_MANIFEST)
    {
        return fail(format!(
            "{:?} is not an image manifest and does not have a config",
            desc.digest.to_string()
        ));
    }
    let bytes = fetch_all(&*src, &desc, DEFAULT_MAX_METADATA_BYTES).await?;
    let view = SuccessorView::parse(&bytes)
        .map_err(|e| CliError::new(format!("invalid manifest: {e}")))?;
    let config = view
        .config
        .ok_or_else(|| CliError::new("the manifest has no config"))?;
    if a.desc.descriptor && a.output.is_none() {
        print_descriptor(&config, a.desc.pretty);
        return Ok(());
    }
    let data = fetch_all(&*src, &config, DEFAULT_MAX_METADATA_BYTES).await?;
    match &a.output {
        Some(o) => {
            write_output(o, &data)?;
            if a.desc.descriptor {
                print_descriptor(&config, a.desc.pretty);
            }
        }
        None => print_raw_json(&data, a.desc.pretty)?,
    }
    Ok(())
}

// ---------------------------------------------------------------- push

const PUSH_USAGE: &str = "[flags] <name>[:<tag>[,<tag>][...]|@<digest>] <file>";

#[derive(Args, Debug)]
pub struct PushArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    /// media type of manifest
    #[arg(long)]
    media_type: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
}

async fn push(a: PushArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest push",
        PUSH_USAGE,
        2,
        true,
        "the destination to push to and the manifest file",
    )?;
    a.dist.check()?;
    let verbose = a.common.verbose();
    let (main, extra_tags) = split_tags(&a.args[0]);
    let target = a.target.parse(&main)?.with_dist(&a.dist)?;
    target.check_tags(&extra_tags)?;
    let file = &a.args[1];
    if file == "-" && a.target.remote.password_stdin {
        return fail(
            "`-` read file from input and `--password-stdin` read password from input cannot be both used",
        );
    }
    let bytes = if file == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b)?;
        b
    } else {
        std::fs::read(file).map_err(|e| {
            CliError::new(format!(
                "failed to read {file}: {}",
                crate::options::io_reason(&e)
            ))
        })?
    };
    if bytes.len() as u64 > DEFAULT_MAX_METADATA_BYTES {
        return fail(format!(
            "manifest size {} exceeds the limit of {DEFAULT_MAX_METADATA_BYTES} bytes",
            bytes.len()
        ));
    }
    let mt = match &a.media_type {
        Some(m) => m.clone(),
        None => {
            let v: Value = serde_json::from_slice(&bytes)
                .map_err(|_| CliError::new("not a valid json file"))?;
            match v.get("mediaType").and_then(Value::as_str) {
                Some(m) if !m.is_empty() => m.to_string(),
                _ => {
                    return Err(CliError::new(format!("media type is not specified via the flag \"--media-type\" nor in {file:?}"))
                        .usage(format!("oras manifest push {PUSH_USAGE}"))
                        .recommend("Please specify a valid media type in the manifest JSON or via the \"--media-type\" flag"));
                }
            }
        }
    };
    let desc = Descriptor::from_bytes(mt, &bytes);
    if let Some(d) = target.digest()
        && d != desc.digest
    {
        return fail(format!(
            "mismatched digest: expected {d} but got {}",
            desc.digest
        ));
    }
    let dst = target.open_write()?;
    let quiet = a.desc.descriptor;
    if dst.exists(&desc).await? {
        if !quiet && verbose {
            line(format!(
                "Exists    {} {}",
                desc.digest.short(),
                desc.media_type
            ));
        }
    } else {
        if !quiet && verbose {
            line(format!(
                "Uploading {} {}",
                desc.digest.short(),
                desc.media_type
            ));
        }
        dst.push(&desc, BlobSource::Bytes(Bytes::from(bytes)))
            .await?;
        if !quiet && verbose {
            line(format!(
                "Uploaded  {} {}",
                desc.digest.short(),
                desc.media_type
            ));
        }
    }
    if !target.reference.is_empty() && target.digest().is_none() {
        dst.tag(&desc, &target.reference).await?;
    }
    if !quiet {
        line(format!("Pushed: {}", target.typed()));
    }
    for t in &extra_tags {
        dst.tag(&desc, t).await?;
        if !quiet {
            line(format!("Tagged {t}"));
        }
    }
    if quiet {
        print_descriptor(&desc, a.desc.pretty);
    } else {
        line(format!("Digest: {}", desc.digest));
    }
    Ok(())
}

// ---------------------------------------------------------------- delete

#[derive(Args, Debug)]
pub struct DeleteArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    dist: DistSpecOpts,
    #[command(flatten)]
    desc: DescriptorOpts,
    /// ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,
}

async fn delete(a: DeleteArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest delete",
        FETCH_USAGE,
        1,
        true,
        "the manifest to delete",
    )?;
    a.dist.check()?;
    if a.desc.descriptor && !a.force {
        return fail("must apply --force to confirm the deletion if the descriptor is outputted");
    }
    let target = a.target.parse(&a.args[0])?.with_dist(&a.dist)?;
    require_reference(&target, "manifest delete", FETCH_USAGE)?;
    let store = target.open_delete()?;
    let desc = match store.resolve(&target.reference).await {
        Ok(d) if d.is_manifest() || target.digest().is_none() => d,
        Ok(_) | Err(_) => {
            if a.force && !a.desc.descriptor {
                line(format!("Missing {}", target.raw));
                return Ok(());
            }
            return fail(format!(
                "{}: the specified manifest does not exist",
                target.raw
            ));
        }
    };
    let question = format!(
        "Are you sure you want to delete the manifest {:?} and all tags associated with it? [y/N] ",
        desc.digest.to_string()
    );
    confirm_and_delete(&*store, &desc, &target, a.force, &a.desc, &question).await
}

/// Asks (unless `force`), deletes, and prints `Deleted …` or the descriptor.
pub async fn confirm_and_delete(
    store: &dyn oras::content::GraphTarget,
    desc: &Descriptor,
    target: &TargetRef,
    force: bool,
    opts: &DescriptorOpts,
    question: &str,
) -> CliResult {
    if !force && !confirm(question) {
        line("Operation cancelled.");
        return Ok(());
    }
    store.delete(desc).await?;
    if opts.descriptor {
        print_descriptor(desc, opts.pretty);
    } else {
        line(format!("Deleted {}", target.typed()));
    }
    Ok(())
}

// ---------------------------------------------------------------- index create / update

const INDEX_CREATE_USAGE: &str = "[flags] <destination>[:<tag>[,<tag>][...]] [{<tag>|<digest>}...]";

#[derive(Args, Debug)]
pub struct IndexCreateArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pretty: bool,
    /// index annotations
    #[arg(short = 'a', long = "annotation")]
    annotations: Vec<String>,
    /// artifact type of the index
    #[arg(long)]
    artifact_type: Option<String>,
    /// file path to write the created index to, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

/// The index entry for a manifest: media type, digest, size, platform (from an image config)
/// and artifact type.
async fn index_entry(src: &dyn ReadOnlyGraphTarget, reference: &str) -> CliResult<Descriptor> {
    let desc = src
        .resolve(reference)
        .await
        .map_err(|e| CliError::new(format!("could not find the manifest {reference}: {e}")))?;
    if !desc.is_manifest() {
        return fail(format!("{reference} is not a manifest"));
    }
    let bytes = fetch_all(src, &desc, DEFAULT_MAX_METADATA_BYTES).await?;
    let view = SuccessorView::parse(&bytes)
        .map_err(|_| CliError::new(format!("{reference} is not a manifest")))?;
    let mut entry = desc.plain();
    entry.artifact_type = view.artifact_type.clone();
    if let Some(config) = view
        .config
        .as_ref()
        .filter(|_| !media_type::is_index(&desc.media_type))
        && let Ok(raw) = fetch_all(src, config, DEFAULT_MAX_METADATA_BYTES).await
        && let Ok(p) = serde_json::from_slice::<Platform>(&raw)
        && (!p.architecture.is_empty() || !p.os.is_empty())
    {
        entry.platform = Some(Platform {
            extra: Default::default(),
            ..p
        });
    }
    Ok(entry)
}

fn parse_annotation_flags(flags: &[String]) -> CliResult<oras_spec::Annotations> {
    let mut out = oras_spec::Annotations::new();
    for a in flags {
        let Some((k, v)) = a.split_once('=') else {
            return Err(
                CliError::new("annotation value doesn't match the required format").recommend(
                    "Please use the correct format in the flag: --annotation \"key=value\"",
                ),
            );
        };
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return fail(format!("duplicate annotation key: {k}"));
        }
    }
    Ok(out)
}

/// Pushes (or writes with `-o`) a new index and prints the result lines.
async fn push_index(
    target: &TargetRef,
    index: &ImageIndex,
    tags: &[String],
    output: Option<&str>,
    pretty: bool,
    by_digest_display: bool,
) -> CliResult {
    let bytes = gojson::to_vec(index);
    let desc = Descriptor::from_bytes(media_type::IMAGE_INDEX, &bytes);
    if let Some(o) = output {
        if o == "-" {
            print_raw_json(&bytes, pretty)?;
        } else {
            write_output(o, &bytes)?;
            line(format!("Digest: {}", desc.digest));
        }
        return Ok(());
    }
    let dst = target.open_write()?;
    dst.push(&desc, BlobSource::Bytes(Bytes::from(bytes)))
        .await?;
    let mut tags = tags.iter();
    let shown = match tags.next() {
        Some(first) => {
            dst.tag(&desc, first).await?;
            format!("{}:{first}", target.path)
        }
        None if by_digest_display => target.path.clone(),
        None => target.with_digest(&desc.digest),
    };
    line(format!("Pushed    [{}] {shown}", target.type_name()));
    for t in tags {
        dst.tag(&desc, t).await?;
        line(format!("Tagged {t}"));
    }
    line(format!("Digest: {}", desc.digest));
    Ok(())
}

async fn index_create(a: IndexCreateArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest index create",
        INDEX_CREATE_USAGE,
        1,
        false,
        "the destination index to create",
    )?;
    let (main, extra_tags) = split_tags(&a.args[0]);
    let target = a.target.parse(&main)?;
    target.check_tags(&extra_tags)?;
    let annotations = parse_annotation_flags(&a.annotations)?;
    if let Some(t) = &a.artifact_type
        && !media_type::is_valid(t)
    {
        return fail(format!("{t}: invalid media type"));
    }
    let src = target.open_read().or_else(|_| {
        target
            .open_write()
            .map(|w| w as std::sync::Arc<dyn ReadOnlyGraphTarget>)
    })?;
    let mut index = ImageIndex::new();
    index.artifact_type = a.artifact_type.clone().unwrap_or_default();
    index.annotations = annotations;
    // `-o -` prints only the index.
    let quiet = a.output.as_deref() == Some("-");
    for s in &a.args[1..] {
        if !quiet {
            line(format!("Fetching  {s}"));
        }
        let entry = index_entry(&*src, s).await?;
        if !quiet && Digest::parse(s).is_ok() {
            line(format!("Fetched   {s}"));
        } else if !quiet {
            line(format!("Fetched   {} {s}", entry.digest));
        }
        index.manifests.push(entry);
    }
    let bytes = gojson::to_vec(&index);
    let desc = Descriptor::from_bytes(media_type::IMAGE_INDEX, &bytes);
    if !quiet {
        line(format!(
            "Packed    {} {}",
            desc.digest.short(),
            media_type::IMAGE_INDEX
        ));
    }
    let mut tags = Vec::new();
    if !target.reference.is_empty() && target.digest().is_none() {
        tags.push(target.reference.clone());
    }
    tags.extend(extra_tags);
    push_index(&target, &index, &tags, a.output.as_deref(), a.pretty, false).await
}

const INDEX_UPDATE_USAGE: &str =
    "[flags] <index>{:<tag>|@<digest>} [{--add|--merge|--remove} {<tag>|<digest>}] [...]";

#[derive(Args, Debug)]
pub struct IndexUpdateArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pretty: bool,
    /// manifests to add to the index
    #[arg(long)]
    add: Vec<String>,
    /// indexes to be merged into the index
    #[arg(long)]
    merge: Vec<String>,
    /// manifests to remove from the index (digests)
    #[arg(long)]
    remove: Vec<String>,
    /// extra tags for the updated index
    #[arg(long)]
    tag: Vec<String>,
    /// set the artifact type of the index ("" removes it)
    #[arg(long)]
    artifact_type: Option<String>,
    /// file path to write the updated index to, use - for stdout
    #[arg(short = 'o', long)]
    output: Option<String>,
}

async fn index_update(a: IndexUpdateArgs) -> CliResult {
    check_args(
        &a.args,
        "manifest index update",
        INDEX_UPDATE_USAGE,
        1,
        true,
        "the index to update",
    )?;
    if a.output.is_some() && !a.tag.is_empty() {
        return fail("--output, --tag cannot be used at the same time");
    }
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "manifest index update", INDEX_UPDATE_USAGE)?;
    target.check_tags(&a.tag)?;
    if a.add.is_empty() && a.merge.is_empty() && a.remove.is_empty() && a.artifact_type.is_none() {
        line("Nothing to update as no change is requested");
        return Ok(());
    }
    let removes: Vec<Digest> = a
        .remove
        .iter()
        .map(|r| {
            Digest::parse(r).map_err(|_| CliError::new(format!("remove: {r} is not a digest")))
        })
        .collect::<CliResult<_>>()?;
    let store = target.open_write()?;
    line(format!("Fetching  {}", target.reference));
    let desc = store.resolve(&target.reference).await.map_err(|e| {
        CliError::new(format!(
            "could not find the index {}: {e}",
            target.reference
        ))
    })?;
    if !media_type::is_index(&desc.media_type) {
        return fail(format!("{} is not an index", target.reference));
    }
    let bytes = fetch_all(&*store, &desc, DEFAULT_MAX_METADATA_BYTES).await?;
    let mut index: ImageIndex =
        serde_json::from_slice(&bytes).map_err(|e| CliError::new(format!("invalid index: {e}")))?;
    line(format!("Fetched   {} {}", desc.digest, target.reference));
    for d in &removes {
        if !index.manifests.iter().any(|m| &m.digest == d) {
            return fail(format!(
                "{d} does not exist in the index {}",
                target.reference
            ));
        }
        index.manifests.retain(|m| &m.digest != d);
        line(format!("Removed   {d}"));
    }
    for r in &a.add {
        line(format!("Fetching  {r}"));
        let entry = index_entry(&*store, r).await?;
        line(format!("Fetched   {} {r}", entry.digest));
        line(format!("Added     {} {r}", entry.digest));
        index.manifests.push(entry);
    }
    for r in &a.merge {
        line(format!("Fetching  {r}"));
        let d = store
            .resolve(r)
            .await
            .map_err(|e| CliError::new(format!("could not find the index {r}: {e}")))?;
        if !media_type::is_index(&d.media_type) {
            return fail(format!("{r} is not an index"));
        }
        let raw = fetch_all(&*store, &d, DEFAULT_MAX_METADATA_BYTES).await?;
        let other: ImageIndex = serde_json::from_slice(&raw)
            .map_err(|e| CliError::new(format!("invalid index: {e}")))?;
        line(format!("Fetched   {} {r}", d.digest));
        for m in other.manifests {
            if !index.manifests.iter().any(|x| x.digest == m.digest) {
                index.manifests.push(m);
            }
        }
        line(format!("Merged    {} {r}", d.digest));
    }
    if let Some(t) = &a.artifact_type {
        index.artifact_type = t.clone();
    }
    let new_bytes = gojson::to_vec(&index);
    let new_desc = Descriptor::from_bytes(media_type::IMAGE_INDEX, &new_bytes);
    if a.output.as_deref() != Some("-") {
        line(format!("Updated   {}", new_desc.digest));
    }
    let mut tags = Vec::new();
    if target.digest().is_none() {
        tags.push(target.reference.clone());
    }
    tags.extend(a.tag.iter().cloned());
    push_index(&target, &index, &tags, a.output.as_deref(), a.pretty, true).await
}
