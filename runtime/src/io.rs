//! The guest's standard streams: stdin from bytes, a pipe (or the host's stdin), stdout and
//! stderr captured up to a cap, stdout into a pipe.
//!
//! Streams are wasmtime-wasi stream objects driven by the run's executor, so a guest waiting
//! for input suspends instead of blocking a thread and stays under its wall-clock deadline. A
//! live pipe between two concurrent runs (interactive problems, `pipe.rs`) is one more
//! [`Stdin`] variant and one more output sink built the same way.

pub(crate) mod pipe;

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use pipe::PipeReader;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{OutputStream, StreamError, StreamResult};

/// What the guest reads on fd 0.
#[derive(Debug, Clone, Default)]
pub enum Stdin {
    /// Nothing: the first read sees end of file.
    #[default]
    Empty,
    /// These bytes, then end of file.
    Bytes(Bytes),
    /// The host process's own stdin, read as the guest asks for it. For the CLI.
    Host,
    /// What another run, running at the same time, writes to its stdout: see
    /// [`pipe`](crate::pipe). A read waits (under the run's deadline) until something arrives,
    /// then returns what has; end of file once the writing run has ended and everything it
    /// wrote has been read.
    Pipe(PipeReader),
}

impl From<Vec<u8>> for Stdin {
    fn from(bytes: Vec<u8>) -> Self {
        Self::Bytes(bytes.into())
    }
}

impl From<&'static [u8]> for Stdin {
    fn from(bytes: &'static [u8]) -> Self {
        Self::Bytes(Bytes::from_static(bytes))
    }
}

impl From<Bytes> for Stdin {
    fn from(bytes: Bytes) -> Self {
        Self::Bytes(bytes)
    }
}

impl From<PipeReader> for Stdin {
    fn from(reader: PipeReader) -> Self {
        Self::Pipe(reader)
    }
}

/// Raised inside the guest's write when a stream passes its cap; ends the run.
#[derive(Debug)]
pub(crate) struct OutputLimitExceeded;

impl fmt::Display for OutputLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output limit exceeded")
    }
}

impl std::error::Error for OutputLimitExceeded {}

/// A captured output stream: counts what the guest writes against a limit, the first byte
/// beyond ending the run, and keeps the first bytes of it (all that fits the limit, or fewer
/// for the transcript of a pipe).
#[derive(Debug, Clone)]
pub(crate) struct Capture(Arc<Mutex<Record>>);

#[derive(Debug)]
struct Record {
    bytes: Vec<u8>,
    truncated: bool,
    written: usize,
    limit: usize,
    keep: usize,
}

/// What a capture kept, and whether the guest wrote past the limit.
#[derive(Debug)]
pub(crate) struct Captured {
    pub(crate) bytes: Vec<u8>,
    pub(crate) truncated: bool,
}

impl Capture {
    /// Keeps everything up to `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Self::keeping(limit, limit)
    }

    /// Counts up to `limit` bytes, keeps the first `keep`.
    pub(crate) fn keeping(limit: usize, keep: usize) -> Self {
        Self(Arc::new(Mutex::new(Record {
            bytes: Vec::new(),
            truncated: false,
            written: 0,
            limit,
            keep: keep.min(limit),
        })))
    }

    /// Takes what was kept, leaving the capture empty.
    pub(crate) fn take(&self) -> Captured {
        let mut record = self.lock();
        Captured {
            bytes: std::mem::take(&mut record.bytes),
            truncated: record.truncated,
        }
    }

    pub(crate) fn truncated(&self) -> bool {
        self.lock().truncated
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        // A poisoned lock only means another thread panicked mid-append; the bytes are still
        // the best record of what the guest wrote.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Bytes the guest may still write.
    fn room(&self) -> usize {
        let record = self.lock();
        record.limit - record.written
    }

    /// Counts and keeps what fits; `Err` once anything had to be dropped.
    fn append(&self, bytes: &[u8]) -> Result<(), OutputLimitExceeded> {
        let mut record = self.lock();
        let counted = bytes.len().min(record.limit - record.written);
        record.written += counted;
        let kept = counted.min(record.keep.saturating_sub(record.bytes.len()));
        record.bytes.extend_from_slice(&bytes[..kept]);
        if counted < bytes.len() {
            record.truncated = true;
            return Err(OutputLimitExceeded);
        }
        Ok(())
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

/// The most a single write may hand over; the capture itself has no other limit than its cap.
const WRITE_BUDGET: usize = 1 << 20;

#[async_trait::async_trait]
impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes)
            .map_err(|e| StreamError::Trap(wasmtime::Error::new(e)))
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_BUDGET)
    }
}

#[async_trait::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(
            self.append(buf)
                .map(|()| buf.len())
                .map_err(std::io::Error::other),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_up_to_the_cap() {
        let capture = Capture::new(5);
        assert!(capture.append(b"abc").is_ok());
        assert!(capture.append(b"de").is_ok());
        let captured = capture.take();
        assert_eq!(captured.bytes, b"abcde");
        assert!(!captured.truncated);
    }

    #[test]
    fn keeps_the_prefix_and_flags_the_first_byte_beyond() {
        let capture = Capture::new(5);
        assert!(capture.append(b"abc").is_ok());
        assert!(capture.append(b"defg").is_err());
        assert!(capture.append(b"h").is_err());
        let captured = capture.take();
        assert_eq!(captured.bytes, b"abcde");
        assert!(captured.truncated);
    }

    #[test]
    fn counts_up_to_the_limit_but_keeps_only_the_transcript() {
        let capture = Capture::keeping(6, 4);
        assert!(capture.append(b"abc").is_ok());
        assert!(capture.append(b"def").is_ok());
        assert_eq!(capture.room(), 0);
        assert!(capture.append(b"g").is_err());
        let captured = capture.take();
        assert_eq!(captured.bytes, b"abcd");
        assert!(captured.truncated);
    }
}
