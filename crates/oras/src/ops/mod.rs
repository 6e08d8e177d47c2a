//! One operation per user intent, over any targets (registries, OCI layouts, file stores):
//! options in, a result out, progress as [`crate::events::Event`]s. Every transfer under
//! them is the one copy engine ([`crate::copy`]).

mod artifact;
mod attach;
mod backup;
mod blob;
mod cache;
#[cfg(feature = "registry")]
mod catalog;
mod copy;
mod delete;
mod discover;
mod fetch;
mod index;
#[cfg(feature = "registry")]
mod login;
mod platforms;
mod pull;
mod pull_stream;
mod push;
mod push_manifest;
mod push_stream;
mod resolve;
mod select;
mod tag;
mod tags;

pub use artifact::{ConfigSource, FileLayer, clean_name};
pub use attach::{AttachOptions, Attached, attach};
pub use backup::{
    BackedUp, BackupOptions, TagCopied, backup, backup_tags, check_backup_output, restore,
};
pub use blob::{BlobInput, BlobOutput, PushBlobOptions, fetch_blob, push_blob};
pub use cache::{cache_info, cache_prune};
#[cfg(feature = "registry")]
pub use catalog::{ListRepositoriesOptions, list_repositories};
pub use copy::{Copied, CopyOptions, copy, copy_descriptor};
pub use delete::{DeleteOptions, Deletion, delete_blob, delete_manifest};
pub use discover::{DiscoverOptions, ReferrerNode, ReferrersTree, discover};
pub use fetch::{
    FetchOptions, fetch_config, fetch_manifest, fetch_resolved, resolve_config, resolve_manifest,
};
pub use index::{IndexCreateOptions, IndexUpdateOptions, NewIndex, index_create, index_update};
#[cfg(feature = "registry")]
pub use login::{LoginOptions, LogoutOptions, login, logout};
pub use pull::{PullOptions, Pulled, PulledFile, pull};
pub use pull_stream::{PulledLayer, pull_to_writer};
pub use push::{DEFAULT_PUSH_CONCURRENCY, PushOptions, Pushed, push, push_with_stream};
pub use push_manifest::{PushManifestOptions, manifest_media_type, push_manifest};
pub use push_stream::StreamLayer;
pub use resolve::{resolve, select_platform};
pub use select::{ReferrerSelector, select_referrer};
pub use tag::{tag, untag};
pub use tags::{ListTagsOptions, list_tags};
