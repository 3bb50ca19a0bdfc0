//! File metadata without the host's history in it.
//!
//! A guest that stats a file (Python's import system stats its script and its directory,
//! Ruby's `require` does the same) sees the host's access and status-change times and an
//! inode-derived number. Those change under the guest's feet: reading a file moves its access
//! time (relatime), preparing a submission sets its status-change time, and every copy of a
//! file has another inode. Interpreters turn these numbers into objects whose cost depends on
//! the value (CPython allocates no object for 0, and more digits for larger numbers), so the
//! same program on the same input used a little more or less fuel depending on when its file
//! was last read.
//!
//! `fd_filestat_get` and `path_filestat_get` are therefore wrapped: wasmtime-wasi answers,
//! then the access and status-change times are replaced by the modification time (which the
//! toolchains pin for everything a guest is given) and the inode number is given a fixed
//! width (bit 62 set, bit 63 clear) while staying the same for the same file.

use wasmtime::{AsContextMut, Caller, Extern, Linker};
use wasmtime_wasi::p1::wasi_snapshot_preview1 as p1;
use wiggle::GuestMemory;

use crate::run::Guest;

const WASI: &str = "wasi_snapshot_preview1";

/// WASI preview 1 `filestat` layout: dev u64, ino u64, filetype u8 (padded), nlink u64,
/// size u64, atim u64, mtim u64, ctim u64.
const FILESTAT_BYTES: usize = 64;
const INO_AT: usize = 8;
const ATIM_AT: usize = 40;
const MTIM_AT: usize = 48;
const CTIM_AT: usize = 56;

/// Replaces wasmtime-wasi's two stat calls in `linker` (which has wasmtime-wasi's preview 1)
/// by wrappers: the same call, as wasmtime-wasi's own linker glue makes it, then [`settle`].
pub(crate) fn wrap(linker: &mut Linker<Guest>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap_async(
        WASI,
        "fd_filestat_get",
        |mut caller: Caller<'_, Guest>, (fd, buf): (i32, i32)| {
            Box::new(async move {
                let errno = {
                    let (ctx, mut memory) = guest_memory(&mut caller)?;
                    p1::fd_filestat_get(ctx, &mut memory, fd, buf).await?
                };
                if errno == 0 {
                    settle(&mut caller, buf);
                }
                Ok(errno)
            })
        },
    )?;
    linker.func_wrap_async(
        WASI,
        "path_filestat_get",
        |mut caller: Caller<'_, Guest>,
         (fd, flags, path, path_len, buf): (i32, i32, i32, i32, i32)| {
            Box::new(async move {
                let errno = {
                    let (ctx, mut memory) = guest_memory(&mut caller)?;
                    p1::path_filestat_get(ctx, &mut memory, fd, flags, path, path_len, buf).await?
                };
                if errno == 0 {
                    settle(&mut caller, buf);
                }
                Ok(errno)
            })
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// The WASI context and the guest's memory, as wasmtime-wasi's generated glue takes them.
fn guest_memory<'a>(
    caller: &'a mut Caller<'_, Guest>,
) -> wasmtime::Result<(&'a mut wasmtime_wasi::p1::WasiP1Ctx, GuestMemory<'a>)> {
    let fuel = caller.as_context_mut().hostcall_fuel();
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => {
            let (data, guest) = memory.data_and_store_mut(caller);
            p1::WasiSnapshotPreview1::set_hostcall_fuel(&mut guest.wasi, fuel);
            Ok((&mut guest.wasi, GuestMemory::Unshared(data)))
        }
        // Guests have no shared memories (`meter::guest_features` refuses them).
        _ => Err(wasmtime::Error::msg("missing required memory export")),
    }
}

/// Rewrites the `filestat` wasmtime-wasi just wrote at `buf` in the guest's memory.
fn settle(caller: &mut Caller<'_, Guest>, buf: i32) {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return;
    };
    let data = memory.data_mut(caller);
    // wasmtime-wasi wrote the whole struct there, so it is in bounds; check all the same.
    let Some(stat) = usize::try_from(buf.cast_unsigned())
        .ok()
        .and_then(|at| data.get_mut(at..at.checked_add(FILESTAT_BYTES)?))
    else {
        return;
    };
    let field =
        |stat: &[u8], at: usize| u64::from_le_bytes(stat[at..at + 8].try_into().expect("8 bytes"));
    let mtim = field(stat, MTIM_AT);
    let ino = field(stat, INO_AT) & ((1 << 62) - 1) | (1 << 62);
    stat[ATIM_AT..ATIM_AT + 8].copy_from_slice(&mtim.to_le_bytes());
    stat[CTIM_AT..CTIM_AT + 8].copy_from_slice(&mtim.to_le_bytes());
    stat[INO_AT..INO_AT + 8].copy_from_slice(&ino.to_le_bytes());
}
