//! An in-memory predecessor index: for each node, the nodes that point at it.

use std::collections::HashMap;

use oras_spec::{Descriptor, Digest};

/// Parent links between nodes, keyed by digest.
#[derive(Default, Debug, Clone)]
pub struct Graph {
    predecessors: HashMap<Digest, Vec<Descriptor>>,
    successors: HashMap<Digest, Vec<Descriptor>>,
}

impl Graph {
    /// Records that `node` points at each of `successors`.
    pub fn index(&mut self, node: &Descriptor, successors: &[Descriptor]) {
        if self.successors.contains_key(&node.digest) {
            return;
        }
        for s in successors {
            let preds = self.predecessors.entry(s.digest.clone()).or_default();
            if !preds.iter().any(|p| p.digest == node.digest) {
                preds.push(node.clone());
            }
        }
        self.successors
            .insert(node.digest.clone(), successors.to_vec());
    }

    /// The recorded nodes that point at `node`.
    pub fn predecessors(&self, node: &Digest) -> Vec<Descriptor> {
        self.predecessors.get(node).cloned().unwrap_or_default()
    }

    /// Removes `node`; returns its successors that no longer have any predecessor.
    pub fn remove(&mut self, node: &Digest) -> Vec<Descriptor> {
        let mut dangling = Vec::new();
        for s in self.successors.remove(node).unwrap_or_default() {
            if let Some(preds) = self.predecessors.get_mut(&s.digest) {
                preds.retain(|p| &p.digest != node);
                if preds.is_empty() {
                    self.predecessors.remove(&s.digest);
                    if !dangling.iter().any(|d: &Descriptor| d.digest == s.digest) {
                        dangling.push(s);
                    }
                }
            }
        }
        dangling
    }
}
