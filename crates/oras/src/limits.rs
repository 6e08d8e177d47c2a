//! The bounds every walk and read of untrusted content keeps to.

use oras_spec::Descriptor;

use crate::error::{Error, ErrorKind, Result};

/// Default limit for manifests, configs, tag lists and referrer indexes held in memory.
pub const DEFAULT_MAX_METADATA_BYTES: u64 = 4 << 20;

/// Levels of referrers (a signature of an SBOM of an image is 2) a walk follows at most by
/// default: real graphs are a handful of levels deep.
pub const DEFAULT_MAX_REFERRER_DEPTH: usize = 64;
/// Referrers one walk collects at most by default.
pub const DEFAULT_MAX_GRAPH_REFERRERS: usize = 100_000;

/// How far a walk over referrers of referrers (`discover`, `cp -r`, `backup
/// --include-referrers`) may go before it fails with [`ErrorKind::SizeExceedsLimit`]: a
/// registry can serve a graph without end. Cycles are not a reason to fail: every node is
/// visited once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferrerLimits {
    /// Levels below the root.
    pub max_depth: usize,
    /// Referrers in the whole graph.
    pub max_referrers: usize,
}

impl Default for ReferrerLimits {
    fn default() -> Self {
        ReferrerLimits {
            max_depth: DEFAULT_MAX_REFERRER_DEPTH,
            max_referrers: DEFAULT_MAX_GRAPH_REFERRERS,
        }
    }
}

impl ReferrerLimits {
    /// Fails when referrers were found at `level` (1: the root's own) below the depth limit.
    pub fn check_depth(&self, root: &Descriptor, level: usize) -> Result<()> {
        if level > self.max_depth {
            return Err(Error::new(
                ErrorKind::SizeExceedsLimit,
                format!(
                    "referrers of {} go deeper than {} levels",
                    root.digest, self.max_depth
                ),
            ));
        }
        Ok(())
    }

    /// Fails when a walk from `root` found more than the referrer limit.
    pub fn check_count(&self, root: &Descriptor, found: usize) -> Result<()> {
        if found > self.max_referrers {
            return Err(Error::new(
                ErrorKind::SizeExceedsLimit,
                format!(
                    "referrers of {}: more than {} in the graph",
                    root.digest, self.max_referrers
                ),
            ));
        }
        Ok(())
    }
}
