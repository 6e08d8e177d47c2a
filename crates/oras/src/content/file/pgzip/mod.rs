//! Parallel, deterministic gzip: the input is cut into blocks of [`BLOCK`] bytes at fixed
//! offsets, each compressed by a worker thread on its own (raw deflate primed with the 32 KiB
//! of input before it, see `block`) and the blocks written in order between one gzip header
//! and trailer. The CRC-32 of the whole input is combined from the blocks' CRCs. The bytes
//! depend only on the input, never on the number of workers or the size of the writes, so the
//! same tree packs to the same layer on every machine. At most two blocks per worker are in
//! flight, so memory stays flat whatever the size of the input.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::Crc;

mod block;
mod huffman;

use block::{Compressed, compress_block};

/// Size of the input blocks compressed independently.
pub(crate) const BLOCK: usize = 512 << 10;
/// How much input before a block primes its compressor (deflate's window).
pub(super) const WINDOW: usize = 32 << 10;
/// The deflate level (zlib's default, as `gzip -6` and Go's gzip use).
pub(crate) const LEVEL: u32 = 6;
/// The gzip header: deflate, no flags, no time, default-level extra flags, unknown OS (what
/// flate2's `GzEncoder` writes at the default level).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A block to compress.
struct Job {
    index: u64,
    dict: Vec<u8>,
    data: Vec<u8>,
    last: bool,
}

/// A compressed block (by index) and the input buffer it came from, to be filled again.
type Done = (u64, io::Result<Compressed>, Vec<u8>);

/// The worker threads and their queues.
struct Pool {
    jobs: Option<mpsc::Sender<Job>>,
    results: mpsc::Receiver<Done>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    fn start(workers: usize, level: u32) -> io::Result<Pool> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (done, results) = mpsc::channel::<Done>();
        let queue = Arc::new(Mutex::new(queue));
        let mut threads = Vec::with_capacity(workers);
        for i in 0..workers {
            let queue = queue.clone();
            let done = done.clone();
            let t = std::thread::Builder::new()
                .name(format!("oras-gzip-{i}"))
                .spawn(move || work(&queue, &done, level))?;
            threads.push(t);
        }
        Ok(Pool {
            jobs: Some(jobs),
            results,
            threads,
        })
    }
}

/// A worker: compresses blocks until the queue closes.
fn work(queue: &Mutex<mpsc::Receiver<Job>>, done: &mpsc::Sender<Done>, level: u32) {
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let res = compress_block(&job.dict, &job.data, job.last, level);
        if done.send((job.index, res, job.data)).is_err() {
            return;
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A gzip writer compressing on several threads; [`GzWriter::finish`] ends the stream.
pub(crate) struct GzWriter<W: Write> {
    inner: W,
    workers: usize,
    level: u32,
    pool: Option<Pool>,
    /// The block being filled.
    buf: Vec<u8>,
    /// The last [`WINDOW`] bytes of input before `buf`.
    dict: Vec<u8>,
    /// Index of the next block handed out, and of the next one to write.
    submitted: u64,
    written: u64,
    /// Compressed blocks that arrived before the ones before them.
    ready: BTreeMap<u64, Compressed>,
    /// Input buffers the workers are done with (reused: one allocation per block in flight,
    /// not one per block).
    spare: Vec<Vec<u8>>,
    crc: Crc,
    header_written: bool,
}

impl<W: Write> GzWriter<W> {
    /// A writer onto `inner` using one worker per available core.
    pub(crate) fn new(inner: W) -> GzWriter<W> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        GzWriter::with_workers(inner, cores, LEVEL)
    }

    /// A writer onto `inner` with `workers` threads (at least one) compressing at `level`.
    pub(crate) fn with_workers(inner: W, workers: usize, level: u32) -> GzWriter<W> {
        GzWriter {
            inner,
            workers: workers.max(1),
            level,
            pool: None,
            buf: Vec::with_capacity(BLOCK),
            dict: Vec::new(),
            submitted: 0,
            written: 0,
            ready: BTreeMap::new(),
            spare: Vec::new(),
            crc: Crc::new(),
            header_written: false,
        }
    }

    /// Compresses what is left, writes the trailer and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.submit(true)?;
        while self.written < self.submitted {
            self.receive()?;
        }
        let mut trailer = [0u8; 8];
        trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        trailer[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
        self.inner.write_all(&trailer)?;
        self.inner.flush()?;
        self.pool = None;
        Ok(self.inner)
    }

    /// Hands the filled block to a worker (waiting while too many are in flight).
    fn submit(&mut self, last: bool) -> io::Result<()> {
        if !self.header_written {
            self.inner.write_all(&HEADER)?;
            self.header_written = true;
        }
        while self.submitted - self.written >= 2 * self.workers as u64 {
            self.receive()?;
        }
        let fresh = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK));
        let data = std::mem::replace(&mut self.buf, fresh);
        let next_dict = if data.len() >= WINDOW {
            data[data.len() - WINDOW..].to_vec()
        } else {
            let mut d = std::mem::take(&mut self.dict);
            d.extend_from_slice(&data);
            d.split_off(d.len().saturating_sub(WINDOW))
        };
        let job = Job {
            index: self.submitted,
            dict: std::mem::replace(&mut self.dict, next_dict),
            data,
            last,
        };
        if self.pool.is_none() {
            self.pool = Some(Pool::start(self.workers, self.level)?);
        }
        let sent = self
            .pool
            .as_ref()
            .and_then(|p| p.jobs.as_ref())
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if !sent {
            return Err(io::Error::other("gzip workers stopped"));
        }
        self.submitted += 1;
        Ok(())
    }

    /// Waits for one compressed block and writes every block that is next in order.
    fn receive(&mut self) -> io::Result<()> {
        let Some(pool) = &self.pool else {
            return Err(io::Error::other("gzip workers stopped"));
        };
        let (index, res, mut input) = pool
            .results
            .recv()
            .map_err(|_| io::Error::other("gzip workers stopped"))?;
        input.clear();
        self.spare.push(input);
        self.ready.insert(index, res?);
        while let Some(block) = self.ready.remove(&self.written) {
            self.inner.write_all(&block.deflate)?;
            self.crc.combine(&block.crc);
            self.written += 1;
        }
        Ok(())
    }
}

impl<W: Write> Write for GzWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == BLOCK {
            self.submit(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // blocks are fixed: nothing is forced out before it is full
        Ok(())
    }
}

#[cfg(test)]
mod tests;
