//! The long descriptions of the commands (cobra's `Long`), examples included, as oras 1.3.3
//! prints them; one text file per command under `long/`.

/// `oras attach`.
pub const ATTACH: &str = include_str!("long/attach.txt");
/// `oras backup`.
pub const BACKUP: &str = include_str!("long/backup.txt");
/// `oras blob delete`.
pub const BLOB_DELETE: &str = include_str!("long/blob-delete.txt");
/// `oras blob fetch`.
pub const BLOB_FETCH: &str = include_str!("long/blob-fetch.txt");
/// `oras blob push`.
pub const BLOB_PUSH: &str = include_str!("long/blob-push.txt");
/// `oras cache info`.
pub const CACHE_INFO: &str = include_str!("long/cache-info.txt");
/// `oras cache prune`.
pub const CACHE_PRUNE: &str = include_str!("long/cache-prune.txt");
/// `oras completion bash`.
pub const COMPLETION_BASH: &str = include_str!("long/completion-bash.txt");
/// `oras completion fish`.
pub const COMPLETION_FISH: &str = include_str!("long/completion-fish.txt");
/// `oras completion powershell`.
pub const COMPLETION_POWERSHELL: &str = include_str!("long/completion-powershell.txt");
/// `oras completion zsh`.
pub const COMPLETION_ZSH: &str = include_str!("long/completion-zsh.txt");
/// `oras completion`.
pub const COMPLETION: &str = include_str!("long/completion.txt");
/// `oras cp`.
pub const CP: &str = include_str!("long/cp.txt");
/// `oras discover`.
pub const DISCOVER: &str = include_str!("long/discover.txt");
/// `oras help`.
pub const HELP: &str = include_str!("long/help.txt");
/// `oras login`.
pub const LOGIN: &str = include_str!("long/login.txt");
/// `oras logout`.
pub const LOGOUT: &str = include_str!("long/logout.txt");
/// `oras manifest delete`.
pub const MANIFEST_DELETE: &str = include_str!("long/manifest-delete.txt");
/// `oras manifest fetch-config`.
pub const MANIFEST_FETCH_CONFIG: &str = include_str!("long/manifest-fetch-config.txt");
/// `oras manifest fetch`.
pub const MANIFEST_FETCH: &str = include_str!("long/manifest-fetch.txt");
/// `oras manifest index create`.
pub const MANIFEST_INDEX_CREATE: &str = include_str!("long/manifest-index-create.txt");
/// `oras manifest index update`.
pub const MANIFEST_INDEX_UPDATE: &str = include_str!("long/manifest-index-update.txt");
/// `oras manifest push`.
pub const MANIFEST_PUSH: &str = include_str!("long/manifest-push.txt");
/// `oras pull`.
pub const PULL: &str = include_str!("long/pull.txt");
/// `oras push`.
pub const PUSH: &str = include_str!("long/push.txt");
/// `oras repo ls`.
pub const REPO_LS: &str = include_str!("long/repo-ls.txt");
/// `oras repo tags`.
pub const REPO_TAGS: &str = include_str!("long/repo-tags.txt");
/// `oras resolve`.
pub const RESOLVE: &str = include_str!("long/resolve.txt");
/// `oras restore`.
pub const RESTORE: &str = include_str!("long/restore.txt");
/// `oras tag`.
pub const TAG: &str = include_str!("long/tag.txt");
/// `oras untag`.
pub const UNTAG: &str = include_str!("long/untag.txt");
/// `oras version`.
pub const VERSION: &str = include_str!("long/version.txt");
