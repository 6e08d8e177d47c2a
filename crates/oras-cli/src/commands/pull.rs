//! `oras pull`: copy an artifact's named files into a directory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::Args;
use oras::content::file::{FileStore, FileStoreOptions};
use oras::content::successors_of;
use oras::copy::{CopyGraphOptions, CopyHooks, FindSuccessors, copy_graph};
use oras::ops;
use oras_spec::{Descriptor, SuccessorView, annotations, split_file_ref};
use serde_json::{Value, json};

use crate::error::{CliError, CliResult, check_args};
use crate::options::{
    CommonOpts, FormatOpts, PlatformOpts, TargetOpts, TtyOpts, finish_tty, require_reference,
};
use crate::output::{PULL_PROMPTS, StatusPrinter, descriptor_model, line};

const USAGE: &str = "[flags] <name>{:<tag>|@<digest>}";

#[derive(Args, Debug)]
pub struct PullArgs {
    args: Vec<String>,
    #[command(flatten)]
    common: CommonOpts,
    #[command(flatten)]
    target: TargetOpts,
    #[command(flatten)]
    platform: PlatformOpts,
    #[command(flatten)]
    format: FormatOpts,
    #[command(flatten)]
    tty: TtyOpts,
    /// output directory
    #[arg(short = 'o', long, default_value = ".")]
    output: String,
    /// do not replace existing files when pulling, treat them as errors
    #[arg(short = 'k', long)]
    keep_old_files: bool,
    /// allow storing files out of the output directory
    #[arg(short = 'T', long)]
    allow_path_traversal: bool,
    /// [Preview] recursively pull the subject of artifacts
    #[arg(long)]
    include_subject: bool,
    /// output manifest config file
    #[arg(long)]
    config: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
}

struct PullHooks {
    printer: StatusPrinter,
    store: Arc<FileStore>,
    /// Titled files written, in order (restored duplicates included).
    files: Mutex<Vec<Descriptor>>,
}

impl PullHooks {
    fn record(&self, d: &Descriptor) -> bool {
        let mut files = self.files.lock().expect("pulled files");
        if files
            .iter()
            .any(|f| f.digest == d.digest && f.title() == d.title())
        {
            return false;
        }
        files.push(d.clone());
        true
    }
}

impl CopyHooks for PullHooks {
    fn pre_copy(&self, d: &Descriptor) {
        if d.is_manifest() {
            self.printer.print("Processing ", d);
        } else {
            self.printer.print("Downloading", d);
        }
    }
    fn post_copy(&self, d: &Descriptor) {
        if d.is_manifest() {
            // Same content under a second title was written by the store: report it.
            if let Some(bytes) = self.store.fallback().get(d) {
                for s in successors_of(d, &bytes).unwrap_or_default() {
                    if s.title().is_some()
                        && self.store.has_name(s.title().unwrap_or_default())
                        && self.record(&s)
                    {
                        self.printer.print("Restored   ", &s);
                    }
                }
            }
        }
        if d.title().is_some() {
            self.record(d);
        }
        self.printer.print_once("Downloaded ", d);
    }
    fn on_skipped(&self, d: &Descriptor) {
        self.printer.print("Exists     ", d);
    }
    fn wants_bytes(&self) -> bool {
        self.printer.wants_bytes()
    }
    fn on_bytes(&self, d: &Descriptor, so_far: u64) {
        self.printer.on_bytes(d, so_far);
    }
}

pub async fn exec(a: PullArgs) -> CliResult {
    check_args(
        &a.args,
        "pull",
        USAGE,
        1,
        true,
        "the artifact reference you want to pull",
    )?;
    let format = a.format.parse_text()?;
    let verbose = a.common.verbose();
    let target = a.target.parse(&a.args[0])?;
    require_reference(&target, "pull", USAGE)?;
    let platform = a.platform.parse()?;
    let src = target.open_read_cached()?;
    let root = ops::resolve(&*src, &target.reference, platform.as_ref()).await?;

    std::fs::create_dir_all(&a.output)
        .map_err(|e| CliError::new(format!("failed to create {}: {e}", a.output)))?;
    let options = FileStoreOptions {
        allow_path_traversal: a.allow_path_traversal,
        disable_overwrite: a.keep_old_files,
    };
    let dst = Arc::new(FileStore::new(&a.output, options)?);

    let (config_path, config_type) = match &a.config {
        Some(c) => {
            let (p, t) = split_file_ref(c).map_err(CliError::new)?;
            (Some(p), t)
        }
        None => (None, String::new()),
    };
    let tty = a.tty.start(a.common.debug);
    let hooks = Arc::new(PullHooks {
        printer: StatusPrinter::new(PULL_PROMPTS, verbose, format.is_structured())
            .with_tty(tty.clone()),
        store: dst.clone(),
        files: Mutex::default(),
    });
    let skipped = Arc::new(AtomicBool::new(false));
    let find: FindSuccessors = {
        let hooks = hooks.clone();
        let skipped = skipped.clone();
        let store = dst.clone();
        let include_subject = a.include_subject;
        Arc::new(move |node: &Descriptor, bytes: &[u8]| {
            let view = SuccessorView::parse(bytes).unwrap_or_default();
            let mut nodes = successors_of(node, bytes)?;
            // drop the subject: followed only with --include-subject
            if let Some(subject) = &view.subject
                && let Some(i) = nodes
                    .iter()
                    .position(|n| n.digest == subject.digest && n.media_type == subject.media_type)
            {
                nodes.remove(i);
            }
            let mut out = Vec::new();
            let config = view.config.clone();
            for mut s in nodes {
                let is_config = config.as_ref().is_some_and(|c| c.same_content(&s))
                    && node.media_type != oras_spec::media_type::IMAGE_INDEX;
                if is_config {
                    if let Some(p) = &config_path
                        && (config_type.is_empty() || config_type == s.media_type)
                    {
                        s.annotations.insert(annotations::TITLE.into(), p.clone());
                    }
                    if s.title().is_none()
                        && s.size == 2
                        && s.digest == oras_spec::Descriptor::empty_json().digest
                    {
                        continue;
                    }
                }
                if s.title().is_none() {
                    if s.same_content(&oras_spec::Descriptor::empty_json()) {
                        continue;
                    }
                    if !s.is_manifest() {
                        hooks.printer.print("Skipped    ", &s);
                        skipped.store(true, Ordering::Relaxed);
                        continue;
                    }
                }
                out.push(s);
            }
            // every title of this manifest is checked before any is written
            store.claim_names(&out)?;
            if include_subject {
                out.extend(view.subject.clone());
            }
            Ok(out)
        })
    };
    let opts = CopyGraphOptions {
        concurrency: a.concurrency,
        hooks: hooks.clone(),
        find_successors: Some(find),
        ..Default::default()
    };
    copy_graph(src.clone(), dst.clone(), &root, &opts).await.inspect_err(|_| finish_tty(&tty)).map_err(|e| {
        if e.kind() == oras::ErrorKind::PathTraversal {
            CliError::new(e.to_string()).recommend("Pulling files outside of working directory is insecure and blocked by default. If you trust the content producer, use --allow-path-traversal to bypass this check.")
        } else {
            CliError::from(e)
        }
    })?;

    finish_tty(&tty);
    let files = hooks.files.lock().expect("pulled files").clone();
    let out_dir = std::path::absolute(&a.output).unwrap_or_else(|_| PathBuf::from(&a.output));
    let file_models: Vec<Value> = files
        .iter()
        .map(|d| {
            let title = d.title().unwrap_or_default();
            let mut p = if std::path::Path::new(title).is_absolute() {
                PathBuf::from(title)
            } else {
                out_dir.join(title)
            }
            .display()
            .to_string();
            if d.annotations
                .get(annotations::CONTENT_UNPACK)
                .is_some_and(|v| v == "true")
                && !p.ends_with('/')
            {
                p.push('/');
            }
            let mut m = serde_json::Map::new();
            m.insert("path".into(), json!(p));
            m.extend(descriptor_model(&target.with_digest(&d.digest), d));
            Value::Object(m)
        })
        .collect();
    let model = json!({
        "reference": target.with_digest(&root.digest),
        "files": if file_models.is_empty() { Value::Null } else { Value::Array(file_models) },
    });
    if format.print_model(&model)? {
        return Ok(());
    }
    if skipped.load(Ordering::Relaxed) {
        line("Skipped pulling layers without file name in \"org.opencontainers.image.title\"");
        line(format!(
            "Use 'oras copy {} --to-oci-layout <layout-dir>' to pull all layers.",
            target.raw
        ));
    } else {
        line(format!("Pulled {}", target.typed()));
        line(format!("Digest: {}", root.digest));
    }
    Ok(())
}
