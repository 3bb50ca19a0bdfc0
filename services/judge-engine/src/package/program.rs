//! The problem's own programs and the example submissions: which language a file is in (by
//! extension, as `xcode-toolchains` knows them), which file of a directory is the main one,
//! and how a validator is invoked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;

use xcode_toolchains::Manifest;

use super::{Entry, Kind, Package, PackageError, Result};
use crate::problem::{Interface, Program};

/// Our languages, by file extension.
#[derive(Debug)]
pub(super) struct Languages {
    by_extension: BTreeMap<String, String>,
    ids: BTreeSet<String>,
}

/// What a file is, as far as building a program goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Lang {
    /// Source in one of our languages (its id).
    Supported(String),
    /// Source in a language we do not run (Python 2, C#, ...).
    Unsupported(String),
    /// A WebAssembly module.
    Wasm,
    /// Anything else: a header, data, a README.
    Other,
}

/// Source files of languages the Kattis formats know and we do not run: recognised so that a
/// validator in one of them is reported as such, not as "no source file".
const UNSUPPORTED_EXTENSIONS: &[(&str, &str)] = &[
    ("cs", "C#"),
    ("scala", "Scala"),
    ("hs", "Haskell"),
    ("ml", "OCaml"),
    ("fs", "F#"),
    ("pl", "Perl or Prolog"),
    ("php", "PHP"),
    ("lisp", "Common Lisp"),
    ("pas", "Pascal"),
    ("f90", "Fortran"),
    ("d", "D"),
    ("m", "Objective-C"),
    ("swift", "Swift"),
    ("dart", "Dart"),
    ("jl", "Julia"),
    ("r", "R"),
    ("sh", "a shell script"),
    ("py2", "Python 2"),
    ("cbl", "COBOL"),
    ("ada", "Ada"),
    ("adb", "Ada"),
    ("bas", "Visual Basic"),
    ("vb", "Visual Basic"),
];

impl Languages {
    pub fn builtin() -> Result<Self> {
        let manifest = Manifest::builtin().map_err(|err| PackageError {
            path: "toolchains-wasm/manifest.toml".into(),
            message: err.to_string(),
        })?;
        let mut by_extension = BTreeMap::new();
        let mut ids = BTreeSet::new();
        for (id, language) in &manifest.languages {
            ids.insert(id.clone());
            for extension in &language.extensions {
                by_extension.insert(extension.clone(), id.clone());
            }
        }
        // Kattis spellings our manifest does not list.
        for (extension, id) in [("py3", "python3"), ("C", "cpp")] {
            if ids.contains(id) && !by_extension.contains_key(extension) {
                by_extension.insert(extension.to_owned(), id.to_owned());
            }
        }
        Ok(Self { by_extension, ids })
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// What the file `entry` is: by extension; a `.py` file whose first line names python2
    /// is Python 2.
    pub fn of(&self, entry: &Entry) -> Lang {
        let Some((_, extension)) = entry.name.rsplit_once('.') else {
            return Lang::Other;
        };
        if extension == "wasm" {
            return Lang::Wasm;
        }
        if let Some(id) = self.by_extension.get(extension) {
            if id == "python3" && extension == "py" && python2_shebang(entry) {
                return Lang::Unsupported("Python 2".to_owned());
            }
            return Lang::Supported(id.clone());
        }
        match UNSUPPORTED_EXTENSIONS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(extension))
        {
            Some((_, name)) => Lang::Unsupported((*name).to_owned()),
            None => Lang::Other,
        }
    }

    /// Our language id for a language code of the Kattis languages table (`include/<code>/`,
    /// `submissions.yaml`), if we run that language.
    pub fn kattis_code(&self, code: &str) -> Option<String> {
        let code = code.to_ascii_lowercase();
        let id = match code.as_str() {
            "c" => "c",
            "cpp" | "c++" | "cplusplus" => "cpp",
            "python3" | "python" | "py3" | "pypy3" => "python3",
            "rust" => "rust",
            "go" | "golang" => "go",
            "javascript" | "js" | "nodejs" => "javascript",
            "typescript" | "ts" => "typescript",
            "ruby" => "ruby",
            "lua" => "lua",
            "zig" => "zig",
            other => other,
        };
        self.ids.contains(id).then(|| id.to_owned())
    }
}

fn python2_shebang(entry: &Entry) -> bool {
    let mut head = [0u8; 256];
    let Ok(mut file) = fs::File::open(&entry.real) else {
        return false;
    };
    let read = file.read(&mut head).unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..read]);
    let first = head.lines().next().unwrap_or("");
    first.starts_with("#!") && first.contains("python2")
}

/// A program found in a package.
#[derive(Debug)]
pub(super) struct Found {
    pub program: Program,
    /// The main file (or module), for messages (`output_validators/v/validate.cc`).
    pub main: Entry,
    /// C/C++ sources, to tell a testlib checker from a Kattis validator.
    pub c_sources: Vec<Entry>,
}

/// The program in `dir`, a directory program (its files by plain name): the main file is the
/// only source file of a supported language; for C/C++ the one defining `main`, for Python
/// `__main__.py` if there are several; a lone `.wasm` is a compiled program.
pub(super) fn directory_program(
    package: &Package,
    languages: &Languages,
    dir: &Entry,
) -> Result<Found> {
    let mut files = Vec::new();
    for entry in package.list(&dir.path)? {
        match entry.kind {
            Kind::Dir if entry.name == "__pycache__" => {}
            Kind::Dir => {
                return Err(package.error(
                    &entry.path,
                    "a program's directory may not have subdirectories",
                ));
            }
            Kind::Other => return Err(package.error(&entry.path, "not a regular file")),
            Kind::File if entry.name == "build" || entry.name == "run" => {
                return Err(package.error(
                    &entry.path,
                    "`build`/`run` scripts are not supported: they would run natively on the \
                     judge; give the program as source in a supported language or as .wasm",
                ));
            }
            Kind::File => files.push(entry),
        }
    }
    let main =
        choose_main(languages, &files).map_err(|message| package.error(&dir.path, message))?;
    let main_entry = files[main].clone();
    let c_sources = c_sources(languages, &files);
    let program = match languages.of(&main_entry) {
        Lang::Wasm => Program::Wasm {
            module: main_entry.real.clone(),
        },
        Lang::Supported(language) => Program::Source {
            language,
            main: main_entry.real.clone(),
            files: files
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != main)
                .map(|(_, entry)| (entry.name.clone(), entry.real.clone()))
                .collect(),
        },
        Lang::Unsupported(_) | Lang::Other => {
            return Err(package.error(&main_entry.path, "not a program"));
        }
    };
    Ok(Found {
        program,
        main: main_entry,
        c_sources,
    })
}

/// A program that is a single file.
pub(super) fn file_program(
    package: &Package,
    languages: &Languages,
    file: &Entry,
) -> Result<Found> {
    let program = match languages.of(file) {
        Lang::Wasm => Program::Wasm {
            module: file.real.clone(),
        },
        Lang::Supported(language) => Program::Source {
            language,
            main: file.real.clone(),
            files: Vec::new(),
        },
        Lang::Unsupported(what) => {
            return Err(package.error(&file.path, format!("{what} is not a supported language")));
        }
        Lang::Other => {
            return Err(package.error(
                &file.path,
                "not a program: no supported language has this extension",
            ));
        }
    };
    Ok(Found {
        program,
        main: file.clone(),
        c_sources: c_sources(languages, std::slice::from_ref(file)),
    })
}

/// How a validator is called: a C/C++ source that includes testlib.h and registers as a
/// checker is a testlib checker, anything else follows the Kattis interface.
pub(super) fn interface(found: &Found) -> Interface {
    let testlib = found.c_sources.iter().any(|entry| {
        fs::read(&entry.real).is_ok_and(|bytes| {
            let text = String::from_utf8_lossy(&bytes);
            text.contains("testlib.h") && text.contains("registerTestlibCmd")
        })
    });
    if testlib {
        Interface::Testlib
    } else {
        Interface::Kattis
    }
}

fn c_sources(languages: &Languages, files: &[Entry]) -> Vec<Entry> {
    files
        .iter()
        .filter(
            |entry| matches!(languages.of(entry), Lang::Supported(id) if id == "c" || id == "cpp"),
        )
        .cloned()
        .collect()
}

/// The index of the main file among `files`, or why there is none.
pub(super) fn choose_main(languages: &Languages, files: &[Entry]) -> Result<usize, String> {
    let langs: Vec<Lang> = files.iter().map(|entry| languages.of(entry)).collect();
    let wasm: Vec<usize> = (0..files.len())
        .filter(|&i| langs[i] == Lang::Wasm)
        .collect();
    let sources: Vec<usize> = (0..files.len())
        .filter(|&i| matches!(langs[i], Lang::Supported(_)))
        .collect();
    let names = |indices: &[usize]| {
        indices
            .iter()
            .map(|&i| files[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if sources.is_empty() {
        return match wasm.as_slice() {
            [only] => Ok(*only),
            [] => {
                let unsupported: Vec<String> = langs
                    .iter()
                    .zip(files)
                    .filter_map(|(lang, entry)| match lang {
                        Lang::Unsupported(what) => Some(format!("{} ({what})", entry.name)),
                        _ => None,
                    })
                    .collect();
                if unsupported.is_empty() {
                    Err("no source file in a supported language".to_owned())
                } else {
                    Err(format!(
                        "no source file in a supported language: {} not supported",
                        unsupported.join(", ")
                    ))
                }
            }
            several => Err(format!("several .wasm modules: {}", names(several))),
        };
    }
    if !wasm.is_empty() {
        return Err(format!(
            "both source files and .wasm modules: {}, {}",
            names(&sources),
            names(&wasm)
        ));
    }
    let family = |i: usize| match &langs[i] {
        Lang::Supported(id) if id == "c" || id == "cpp" => "c/c++".to_owned(),
        Lang::Supported(id) => id.clone(),
        _ => String::new(),
    };
    let families: BTreeSet<String> = sources.iter().map(|&i| family(i)).collect();
    if families.len() > 1 {
        return Err(format!(
            "source files in several languages: {}",
            names(&sources)
        ));
    }
    if let [only] = sources.as_slice() {
        return Ok(*only);
    }
    let family = family(sources[0]);
    let candidates: Vec<usize> = match family.as_str() {
        "c/c++" => sources
            .iter()
            .copied()
            .filter(|&i| {
                fs::read(&files[i].real)
                    .is_ok_and(|bytes| defines_main(&String::from_utf8_lossy(&bytes)))
            })
            .collect(),
        "python3" => sources
            .iter()
            .copied()
            .filter(|&i| files[i].name == "__main__.py")
            .collect(),
        _ => sources
            .iter()
            .copied()
            .filter(|&i| files[i].name.split('.').next() == Some("main"))
            .collect(),
    };
    match candidates.as_slice() {
        [only] => Ok(*only),
        [] => Err(match family.as_str() {
            "c/c++" => format!("no source file defines `main`: {}", names(&sources)),
            "python3" => format!(
                "several Python files and no __main__.py: {}",
                names(&sources)
            ),
            _ => format!("several source files and no main.*: {}", names(&sources)),
        }),
        several => Err(format!(
            "several source files define `main`: {}",
            names(several)
        )),
    }
}

/// Whether C/C++ `text` defines `main` (`int main(`, `signed main (`, `auto main(`), comments
/// and strings not told apart: good enough to pick among a validator's few files.
fn defines_main(text: &str) -> bool {
    let mut previous = "";
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if word == "main"
            && matches!(previous, "int" | "signed" | "auto" | "void")
            && rest.trim_start().starts_with('(')
        {
            return true;
        }
        previous = word;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::defines_main;

    #[test]
    fn finds_main() {
        assert!(defines_main(
            "#include <x>\nint main(int argc, char** argv) {}"
        ));
        assert!(defines_main("signed main () {}"));
        assert!(!defines_main(
            "int not_main(void);\nvoid helper() { main_loop(); }"
        ));
        assert!(!defines_main("bool check_main(int x);"));
    }
}
