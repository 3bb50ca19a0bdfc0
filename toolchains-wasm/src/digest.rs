//! sha256 of files and of whole directory trees.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};

pub fn file(path: &Path) -> std::io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The digest of a directory tree: one line per file (`F <path> <x|-> <sha256>`) or symlink
/// (`L <path> <target>`), sorted by path, hashed together. Paths are relative and `/`-separated;
/// only the executable bit of the mode counts (archives and umasks disagree on the rest);
/// empty directories do not count.
pub fn tree(root: &Path) -> std::io::Result<String> {
    let mut lines = Vec::new();
    walk(root, "", &mut lines)?;
    lines.sort();
    let mut hasher = Sha256::new();
    for line in lines {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    Ok(hex::encode(hasher.finalize()))
}

fn walk(dir: &Path, prefix: &str, lines: &mut Vec<String>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            let target = fs::read_link(entry.path())?;
            lines.push(format!("L {relative} {}", target.display()));
        } else if kind.is_dir() {
            walk(&entry.path(), &format!("{relative}/"), lines)?;
        } else {
            let executable = entry.metadata()?.permissions().mode() & 0o111 != 0;
            let sha = file(&entry.path())?;
            lines.push(format!(
                "F {relative} {} {sha}",
                if executable { 'x' } else { '-' }
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_digest_sees_content_names_modes_and_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir(root.join("sub")).expect("mkdir");
        fs::write(root.join("sub/a"), b"alpha").expect("write");
        fs::write(root.join("b"), b"beta").expect("write");
        let first = tree(root).expect("digest");
        assert_eq!(tree(root).expect("digest"), first, "stable");

        fs::write(root.join("b"), b"beta!").expect("write");
        let content = tree(root).expect("digest");
        assert_ne!(content, first);

        fs::set_permissions(root.join("b"), fs::Permissions::from_mode(0o755)).expect("chmod");
        let mode = tree(root).expect("digest");
        assert_ne!(mode, content);

        std::os::unix::fs::symlink("sub/a", root.join("link")).expect("symlink");
        assert_ne!(tree(root).expect("digest"), mode);
    }
}
