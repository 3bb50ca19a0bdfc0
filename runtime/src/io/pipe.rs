//! Live pipes between two concurrent runs: one run's stdout into another's stdin, as an
//! interactive problem's validator and the contestant's program talk.
//!
//! A pipe is a bounded buffer behind one mutex, with one waker slot per side. A side that must
//! wait registers its waker under the same lock the other side takes to change the buffer (or
//! to close) and to take that waker, so a wakeup cannot slip in between the check and the
//! registration, whichever threads the two runs are on. Waiting is `Poll::Pending` in the
//! run's future: the guest's fiber is suspended, no thread is blocked, and the executor's
//! deadline timer (`executor.rs`) still ends the run.

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context, Poll, Waker, ready};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{InputStream, OutputStream, StreamError, StreamResult};

use super::{Capture, OutputLimitExceeded};
use crate::{Error, Result};

/// Bytes a pipe holds that its reader has not read yet; a writer finding it full waits.
const CAPACITY: usize = 64 << 10;

/// How much of what a run writes into a pipe its [`Outcome::stdout`](crate::Outcome::stdout)
/// keeps (the stdout limit permitting).
pub(crate) const TRANSCRIPT_BYTES: usize = 64 << 10;

/// A one-way byte channel from one run's stdout to another run's stdin.
///
/// Give the writer to one run ([`RunSpec::stdout_pipe`](crate::RunSpec::stdout_pipe)) and the
/// reader to another ([`Stdin::Pipe`](crate::Stdin::Pipe)), and run both at the same time, each
/// on its own thread. Like a Unix pipe:
///
/// - a read returns what has arrived (at least one byte, as much as the guest asked for and the
///   pipe holds); with nothing there yet, the reading guest waits, under its own deadline;
/// - the pipe holds 64 KiB: a writer finding it full waits, under its own deadline, until the
///   reader makes room;
/// - when the writing run ends, however it ends, the reader gets what is left, then end of
///   file; when the reading run ends, later writes are accepted and discarded: a writer is never
///   stopped or blocked by a reader that is gone;
/// - an end whose handles are all dropped before any run used it is closed the same way, so
///   the peer of a run that never started does not wait for it.
///
/// Each end serves one run: cloning a [`RunSpec`](crate::RunSpec) clones the handle, not the
/// end, and a second run given an end that another run used fails with
/// [`Error::InvalidSpec`].
pub fn pipe() -> (PipeWriter, PipeReader) {
    let channel = Arc::new(Channel::default());
    let end = |side| {
        Arc::new(End {
            channel: channel.clone(),
            side,
        })
    };
    (PipeWriter(end(Side::Writer)), PipeReader(end(Side::Reader)))
}

/// Ends the run that writes `stdout` and reads `stdin` (two different pipes) as soon as it and
/// the run at the other ends of both are each waiting for the other: both reading from an
/// empty pipe, or both writing into a full one. Neither could ever go on, so rather than
/// letting the deadline end them, the watched run's next pipe operation fails: its outcome is
/// [`Status::Deadlocked`](crate::Status::Deadlocked), and the peer then sees end of file (or
/// its writes discarded) as when any run ends. A judge watches the contestant's program, so a
/// program that forgot to flush is told so at once, not after the wall-clock net.
///
/// "Waiting" means suspended in a read or write of the pipe (or in `poll_oneoff` on it). A
/// guest that polls a pipe with a timeout and goes on computing when it expires still counts
/// as waiting until its next pipe operation; interactive programs read and write, so this
/// only matters to programs that poll. Call it before either run starts, at most once per
/// pipe.
pub fn watch_for_deadlock(stdout: &PipeWriter, stdin: &PipeReader) {
    let watch = Arc::new(Watch {
        out: Arc::downgrade(&stdout.0.channel),
        input: Arc::downgrade(&stdin.0.channel),
        tripped: AtomicBool::new(false),
    });
    let _ = stdout
        .0
        .channel
        .watch
        .set((watch.clone(), Role::WatchedWrites));
    let _ = stdin.0.channel.watch.set((watch, Role::WatchedReads));
}

/// The error a watched run's pipe operation fails with once it is deadlocked.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("deadlock: waiting for input from a program that is waiting for this one's output")]
pub(crate) struct Deadlocked;

/// Two pipes between the same two runs, one each way; see [`watch_for_deadlock`].
#[derive(Debug)]
struct Watch {
    /// The watched run writes into it.
    out: Weak<Channel>,
    /// The watched run reads from it.
    input: Weak<Channel>,
    tripped: AtomicBool,
}

/// Which end of a watched channel the watched run holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    WatchedWrites,
    WatchedReads,
}

impl Watch {
    /// Trips if both runs wait on each other; wakes the watched run so that it sees it.
    fn check(&self) {
        if self.tripped.load(Ordering::Acquire) {
            return;
        }
        let (Some(out), Some(input)) = (self.out.upgrade(), self.input.upgrade()) else {
            return;
        };
        // The only place two locks are held: always `out` first.
        let mut out = out.lock();
        let mut input = input.lock();
        let starved = |state: &State| {
            state.buffer.is_empty()
                && state.writer.phase == Phase::InUse
                && state.reader.phase == Phase::InUse
                && state.reader.waiting.is_some()
        };
        let stuck = |state: &State| {
            state.buffer.len() == CAPACITY
                && state.reader.phase == Phase::InUse
                && state.writer.phase == Phase::InUse
                && state.writer.waiting.is_some()
        };
        if (starved(&out) && starved(&input)) || (stuck(&out) && stuck(&input)) {
            self.tripped.store(true, Ordering::Release);
            let wakers = [out.writer.waiting.take(), input.reader.waiting.take()];
            drop((out, input));
            wakers.into_iter().for_each(wake);
        }
    }
}

/// The writing end of a [`pipe`]: for [`RunSpec::stdout_pipe`](crate::RunSpec::stdout_pipe).
#[derive(Debug, Clone)]
pub struct PipeWriter(Arc<End>);

/// The reading end of a [`pipe`]: for [`Stdin::Pipe`](crate::Stdin::Pipe).
#[derive(Debug, Clone)]
pub struct PipeReader(Arc<End>);

impl PipeReader {
    /// Gives this end to a run: the stream its guest reads, and a guard that closes the end
    /// when the run is over.
    pub(crate) fn attach(self) -> Result<(Attached, PipeInput)> {
        let attached = Attached::claim(self.0)?;
        let input = PipeInput(attached.0.clone());
        Ok((attached, input))
    }
}

impl PipeWriter {
    /// Gives this end to a run whose stdout `capture` counts and records.
    pub(crate) fn attach(self, capture: Capture) -> Result<(Attached, PipeOutput)> {
        let attached = Attached::claim(self.0)?;
        let output = PipeOutput {
            end: attached.0.clone(),
            capture,
        };
        Ok((attached, output))
    }
}

/// An end in use by a run. Dropping it closes the end, whoever else still holds a handle.
#[derive(Debug)]
pub(crate) struct Attached(Arc<End>);

impl Attached {
    fn claim(end: Arc<End>) -> Result<Self> {
        if !end.channel.claim(end.side) {
            return Err(Error::InvalidSpec(format!(
                "this pipe's {} end was already given to another run",
                end.side.name()
            )));
        }
        Ok(Self(end))
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.0.channel.close(self.0.side);
    }
}

/// One end of a channel. The last handle to go closes it, for an end no run ever used.
#[derive(Debug)]
struct End {
    channel: Arc<Channel>,
    side: Side,
}

impl Drop for End {
    fn drop(&mut self) {
        self.channel.close(self.side);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Writer,
    Reader,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Self::Writer => "writing",
            Self::Reader => "reading",
        }
    }
}

#[derive(Default)]
struct Channel {
    state: Mutex<State>,
    watch: OnceLock<(Arc<Watch>, Role)>,
}

#[derive(Default)]
struct State {
    buffer: VecDeque<u8>,
    writer: EndState,
    reader: EndState,
}

#[derive(Debug, Default)]
struct EndState {
    phase: Phase,
    /// The task waiting for the other side: a reader for bytes or end of file, a writer for
    /// room.
    waiting: Option<Waker>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No run has it yet; a writer may fill the buffer meanwhile.
    #[default]
    Unused,
    InUse,
    Closed,
}

impl State {
    fn end(&mut self, side: Side) -> &mut EndState {
        match side {
            Side::Writer => &mut self.writer,
            Side::Reader => &mut self.reader,
        }
    }
}

impl Channel {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement that changes it; a thread that
        // panicked while holding the lock left nothing half done.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks `side` as used by a run; false if it already was, or is closed.
    fn claim(&self, side: Side) -> bool {
        let mut state = self.lock();
        let end = state.end(side);
        if end.phase != Phase::Unused {
            return false;
        }
        end.phase = Phase::InUse;
        true
    }

    /// Whether the watched run's operations on this channel (as `role`) fail.
    fn deadlocked(&self, role: Role) -> bool {
        self.watch.get().is_some_and(|(watch, watched)| {
            *watched == role && watch.tripped.load(Ordering::Acquire)
        })
    }

    /// After a side registered to wait: maybe the two runs now wait on each other.
    fn check_deadlock(&self) {
        if let Some((watch, _)) = self.watch.get() {
            watch.check();
        }
    }

    fn close(&self, side: Side) {
        let mut state = self.lock();
        if state.end(side).phase == Phase::Closed {
            return;
        }
        state.end(side).phase = Phase::Closed;
        if side == Side::Reader {
            // Nobody will read these; writes from now on are discarded too.
            state.buffer = VecDeque::new();
        }
        let peer = match side {
            Side::Writer => state.reader.waiting.take(),
            Side::Reader => state.writer.waiting.take(),
        };
        drop(state);
        wake(peer);
    }

    /// Puts as much of `bytes` as there is room for into the pipe and says how much; all of
    /// them once the reader is gone (they are discarded). With no room, `Pending`, and the
    /// writer is woken by `waker` when there is. Empty `bytes` just wait for room.
    fn push(&self, waker: Option<&Waker>, bytes: &[u8]) -> Poll<Result<usize, Deadlocked>> {
        if self.deadlocked(Role::WatchedWrites) {
            return Poll::Ready(Err(Deadlocked));
        }
        let mut state = self.lock();
        if state.reader.phase == Phase::Closed {
            return Poll::Ready(Ok(bytes.len()));
        }
        let room = CAPACITY - state.buffer.len();
        if room == 0 {
            register(&mut state.writer.waiting, waker);
            drop(state);
            if waker.is_some() {
                self.check_deadlock();
            }
            return Poll::Pending;
        }
        let n = room.min(bytes.len());
        if n == 0 {
            return Poll::Ready(Ok(0));
        }
        state.buffer.extend(&bytes[..n]);
        let reader = state.reader.waiting.take();
        drop(state);
        wake(reader);
        Poll::Ready(Ok(n))
    }

    /// Takes up to `max` bytes, `None` at end of file (the writer is gone and the pipe
    /// empty). With nothing there yet, `Pending`, and the reader is woken by `waker` when
    /// something arrives or the writer goes. `max` 0 just waits for that.
    fn pull(&self, waker: Option<&Waker>, max: usize) -> Poll<Result<Option<Bytes>, Deadlocked>> {
        if self.deadlocked(Role::WatchedReads) {
            return Poll::Ready(Err(Deadlocked));
        }
        let mut state = self.lock();
        if state.buffer.is_empty() {
            if state.writer.phase == Phase::Closed {
                return Poll::Ready(Ok(None));
            }
            register(&mut state.reader.waiting, waker);
            drop(state);
            if waker.is_some() {
                self.check_deadlock();
            }
            return Poll::Pending;
        }
        let n = max.min(state.buffer.len());
        if n == 0 {
            return Poll::Ready(Ok(Some(Bytes::new())));
        }
        let bytes: Vec<u8> = state.buffer.drain(..n).collect();
        let writer = state.writer.waiting.take();
        drop(state);
        wake(writer);
        Poll::Ready(Ok(Some(bytes.into())))
    }

    /// What a write may hand over now without waiting.
    fn room(&self) -> Result<usize, Deadlocked> {
        if self.deadlocked(Role::WatchedWrites) {
            return Err(Deadlocked);
        }
        let state = self.lock();
        Ok(match state.reader.phase {
            Phase::Closed => CAPACITY,
            _ => CAPACITY - state.buffer.len(),
        })
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Channel")
            .field("buffered", &state.buffer.len())
            .field("writer", &state.writer.phase)
            .field("reader", &state.reader.phase)
            .finish()
    }
}

/// Keeps `waker` to be woken later; a waker that wakes the same task is kept as it is.
fn register(slot: &mut Option<Waker>, waker: Option<&Waker>) {
    let Some(waker) = waker else { return };
    match slot {
        Some(kept) if kept.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// What the reading guest's stdin streams are built from, and each of those streams: every
/// handle reads from the same pipe.
#[derive(Debug, Clone)]
pub(crate) struct PipeInput(Arc<End>);

impl PipeInput {
    fn channel(&self) -> &Channel {
        &self.0.channel
    }
}

impl IsTerminal for PipeInput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for PipeInput {
    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl InputStream for PipeInput {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        match self.channel().pull(None, size) {
            Poll::Ready(Ok(Some(bytes))) => Ok(bytes),
            Poll::Ready(Ok(None)) => Err(StreamError::Closed),
            Poll::Ready(Err(deadlocked)) => Err(deadlock_trap(deadlocked)),
            Poll::Pending => Ok(Bytes::new()),
        }
    }

    /// What WASI p1's `fd_read` on stdin calls. The default (`ready`, then `read`, up to ten
    /// times) would do, but waiting in one place says what is meant.
    async fn blocking_read(&mut self, size: usize) -> StreamResult<Bytes> {
        poll_fn(|cx| self.channel().pull(Some(cx.waker()), size))
            .await
            .map_err(deadlock_trap)?
            .ok_or(StreamError::Closed)
    }
}

/// What p1's `poll_oneoff` waits on for a subscription to stdin: bytes or end of file.
#[async_trait::async_trait]
impl Pollable for PipeInput {
    async fn ready(&mut self) {
        poll_fn(|cx| self.channel().pull(Some(cx.waker()), 0).map(drop)).await;
    }
}

impl AsyncRead for PipeInput {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match ready!(self.channel().pull(Some(cx.waker()), buf.remaining())) {
            Ok(Some(bytes)) => buf.put_slice(&bytes),
            Ok(None) => {}
            Err(deadlocked) => return Poll::Ready(Err(std::io::Error::other(deadlocked))),
        }
        Poll::Ready(Ok(()))
    }
}

/// What the writing guest's stdout streams are built from, and each of those streams:
/// counted against the stdout limit and recorded by `capture`, then put into the pipe.
#[derive(Debug, Clone)]
pub(crate) struct PipeOutput {
    end: Arc<End>,
    capture: Capture,
}

impl PipeOutput {
    fn channel(&self) -> &Channel {
        &self.end.channel
    }

    /// Puts a prefix of `bytes` into the pipe, recording it, and says how long it was. Bytes
    /// within the stdout limit go in first; the first byte beyond is the error.
    fn offer(&self, waker: Option<&Waker>, bytes: &[u8]) -> Poll<StreamResult<usize>> {
        let allowed = bytes.len().min(self.capture.room());
        if allowed == 0 && !bytes.is_empty() {
            return Poll::Ready(self.capture.append(bytes).map(|()| 0).map_err(limit_trap));
        }
        let n = ready!(self.channel().push(waker, &bytes[..allowed])).map_err(deadlock_trap)?;
        Poll::Ready(
            self.capture
                .append(&bytes[..n])
                .map(|()| n)
                .map_err(limit_trap),
        )
    }
}

fn limit_trap(exceeded: OutputLimitExceeded) -> StreamError {
    StreamError::Trap(wasmtime::Error::new(exceeded))
}

fn deadlock_trap(deadlocked: Deadlocked) -> StreamError {
    StreamError::Trap(wasmtime::Error::new(deadlocked))
}

impl IsTerminal for PipeOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for PipeOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl OutputStream for PipeOutput {
    /// Within a permit from `check_write`, so never waits: the reader only ever makes room.
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            match self.offer(None, rest) {
                Poll::Ready(Ok(n)) => rest = &rest[n..],
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => return Err(StreamError::trap("write beyond the permit")),
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        self.channel().room().map_err(deadlock_trap)
    }

    /// What WASI p1's `fd_write` on stdout calls, 4 KiB at a time. The default would wait,
    /// after writing, until there is room again (its "flush"), which a pipe does not do: it
    /// returns once every byte is in the pipe, as a Unix pipe does.
    async fn blocking_write_and_flush(&mut self, bytes: Bytes) -> StreamResult<()> {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = poll_fn(|cx| self.offer(Some(cx.waker()), rest)).await?;
            rest = &rest[n..];
        }
        Ok(())
    }
}

/// What p1's `poll_oneoff` waits on for a subscription to stdout: room in the pipe.
#[async_trait::async_trait]
impl Pollable for PipeOutput {
    async fn ready(&mut self) {
        poll_fn(|cx| self.channel().push(Some(cx.waker()), &[]).map(drop)).await;
    }
}

impl AsyncWrite for PipeOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.offer(Some(cx.waker()), buf)
            .map_err(|error| std::io::Error::other(error.to_string()))
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
    use std::time::{Duration, Instant};

    use super::*;
    use crate::executor;

    async fn send(channel: &Channel, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = poll_fn(|cx| channel.push(Some(cx.waker()), rest))
                .await
                .expect("not watched");
            rest = &rest[n..];
        }
    }

    async fn receive(channel: &Channel, max: usize) -> Option<Bytes> {
        poll_fn(|cx| channel.pull(Some(cx.waker()), max))
            .await
            .expect("not watched")
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(20)
    }

    #[test]
    fn ping_pong_across_threads_loses_no_wakeup() -> Result<()> {
        // Each side waits with its own executor's waker on its own thread: one lost wakeup
        // stalls the game until the deadline, and `run_until` says `None`.
        const ROUNDS: u32 = 20_000;
        let (a_out, b_in) = pipe();
        let (b_out, a_in) = pipe();
        let echo = async {
            while let Some(bytes) = receive(&b_in.0.channel, 4).await {
                let n = u32::from_le_bytes(bytes[..].try_into().expect("4 bytes"));
                send(&b_out.0.channel, &(n + 1).to_le_bytes()).await;
            }
        };
        let count = async {
            let mut n = 0u32;
            while n < ROUNDS {
                send(&a_out.0.channel, &n.to_le_bytes()).await;
                let bytes = receive(&a_in.0.channel, 4).await.expect("an answer");
                assert_eq!(bytes.len(), 4, "a message sent whole is read whole");
                n = u32::from_le_bytes(bytes[..].try_into().expect("4 bytes"));
            }
            a_out.0.channel.close(Side::Writer);
            n
        };
        let (echoed, counted) = std::thread::scope(|scope| {
            let echoed = scope.spawn(|| executor::run_until(soon(), echo));
            let counted = executor::run_until(soon(), count);
            (echoed.join(), counted)
        });
        assert_eq!(echoed.expect("echo thread")?, Some(()));
        assert_eq!(counted?, Some(ROUNDS));
        Ok(())
    }

    #[test]
    fn closing_wakes_a_waiting_reader_with_end_of_file_after_the_rest() -> Result<()> {
        let (out, input) = pipe();
        let writer = Attached::claim(out.0)?;
        assert_eq!(writer.0.channel.push(None, b"rest"), Poll::Ready(Ok(4)));
        let read = std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                executor::run_until(soon(), async {
                    let mut got = Vec::new();
                    while let Some(bytes) = receive(&input.0.channel, 100).await {
                        got.extend_from_slice(&bytes);
                    }
                    got
                })
            });
            std::thread::sleep(Duration::from_millis(20));
            drop(writer);
            reader.join()
        });
        assert_eq!(read.expect("reader thread")?, Some(b"rest".to_vec()));
        Ok(())
    }

    #[test]
    fn a_closed_reader_discards_writes_and_wakes_a_waiting_writer() -> Result<()> {
        let (out, input) = pipe();
        let reader = Attached::claim(input.0)?;
        let sent = std::thread::scope(|scope| {
            let writer = scope
                .spawn(|| executor::run_until(soon(), send(&out.0.channel, &[7; 3 * CAPACITY])));
            std::thread::sleep(Duration::from_millis(20));
            drop(reader);
            writer.join()
        });
        assert_eq!(sent.expect("writer thread")?, Some(()));
        assert_eq!(out.0.channel.push(None, b"more"), Poll::Ready(Ok(4)));
        assert_eq!(out.0.channel.room(), Ok(CAPACITY));
        Ok(())
    }

    #[test]
    fn an_end_dropped_unused_is_closed() {
        let (out, input) = pipe();
        drop(out);
        assert_eq!(input.0.channel.pull(None, 10), Poll::Ready(Ok(None)));
        let (out, input) = pipe();
        drop(input);
        assert_eq!(out.0.channel.push(None, b"gone"), Poll::Ready(Ok(4)));
    }

    #[test]
    fn an_end_is_claimed_once() -> Result<()> {
        let (out, _input) = pipe();
        let again = out.clone();
        let attached = Attached::claim(out.0)?;
        assert!(matches!(
            Attached::claim(again.0),
            Err(Error::InvalidSpec(_))
        ));
        drop(attached);
        Ok(())
    }

    #[test]
    fn reads_return_what_has_arrived() {
        let (out, input) = pipe();
        let channel = &out.0.channel;
        assert_eq!(channel.pull(None, 10), Poll::Pending);
        assert_eq!(channel.push(None, b"abc"), Poll::Ready(Ok(3)));
        assert_eq!(
            channel.pull(None, 2),
            Poll::Ready(Ok(Some(Bytes::from_static(b"ab"))))
        );
        assert_eq!(
            channel.pull(None, 10),
            Poll::Ready(Ok(Some(Bytes::from_static(b"c"))))
        );
        assert_eq!(
            channel.push(None, &[0; 2 * CAPACITY]),
            Poll::Ready(Ok(CAPACITY))
        );
        assert_eq!(channel.push(None, b"x"), Poll::Pending);
        drop(input);
    }
}
