//! Layered configuration: a binary's typed settings, read once at startup from its defaults,
//! then an optional TOML file, then `XCODE__<SECTION>__<KEY>` environment variables (each layer
//! overrides the one before; `XCODE__DATABASE__URL=postgres://...` sets `database.url`).
//!
//! Keys are lower case in the file and upper case in the environment; a double underscore
//! separates levels, so single underscores stay inside names (`XCODE__ADMIN__PASSWORD`,
//! `XCODE__AUTH__ACCESS_TTL_SECONDS`).

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

/// `T`'s defaults (its `Default`, serialized), overridden by `file` when given, then by the
/// `XCODE__*` variables of `env` (pass `std::env::vars()`; tests pass their own).
pub fn load<T>(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<T, ConfigError>
where
    T: Default + Serialize + DeserializeOwned,
{
    let defaults = config::Config::try_from(&T::default()).map_err(to_error)?;
    let mut builder = config::Config::builder().add_source(defaults);
    if let Some(file) = file {
        if !file.exists() {
            return Err(ConfigError(format!("{} does not exist", file.display())));
        }
        builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
    }
    let env: config::Map<String, String> = env
        .into_iter()
        .filter(|(key, _)| key.starts_with("XCODE__"))
        .collect();
    builder = builder.add_source(
        config::Environment::with_prefix("XCODE")
            .prefix_separator("__")
            .separator("__")
            // Values stay strings until the settings' types ask for numbers or booleans: a
            // password of digits keeps its leading zeros.
            .source(Some(env)),
    );
    builder
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(to_error)
}

fn to_error(error: config::ConfigError) -> ConfigError {
    ConfigError(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Settings {
        database: Database,
        admin: Admin,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Database {
        url: String,
        max_connections: u32,
    }

    impl Default for Database {
        fn default() -> Self {
            Self {
                url: "sqlite://data/xcode.db".into(),
                max_connections: 8,
            }
        }
    }

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Admin {
        user_name: Option<String>,
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("xcode.toml");
        std::fs::write(
            &file,
            "[database]\nurl = \"postgres://file\"\nmax_connections = 3\n",
        )
        .expect("write");

        let defaults: Settings = load(None, vars(&[])).expect("defaults");
        assert_eq!(defaults, Settings::default());

        let from_file: Settings = load(Some(&file), vars(&[])).expect("file");
        assert_eq!(from_file.database.url, "postgres://file");
        assert_eq!(from_file.database.max_connections, 3);

        let env = vars(&[
            ("XCODE__DATABASE__URL", "postgres://env"),
            ("XCODE__ADMIN__USER_NAME", "00123"),
            ("OTHER__DATABASE__URL", "ignored"),
        ]);
        let both: Settings = load(Some(&file), env).expect("env");
        assert_eq!(both.database.url, "postgres://env");
        assert_eq!(both.database.max_connections, 3, "the file's value stays");
        assert_eq!(
            both.admin.user_name.as_deref(),
            Some("00123"),
            "digits stay a string"
        );
        let number: Settings = load(
            Some(&file),
            vars(&[("XCODE__DATABASE__MAX_CONNECTIONS", "12")]),
        )
        .expect("a number from the environment");
        assert_eq!(number.database.max_connections, 12);
    }

    #[test]
    fn bad_values_and_missing_files_are_clear_errors() {
        let error = load::<Settings>(None, vars(&[("XCODE__DATABASE__MAX_CONNECTIONS", "many")]))
            .expect_err("not a number");
        assert!(error.to_string().contains("max_connections"), "{error}");

        let error = load::<Settings>(Some(Path::new("/nonexistent/xcode.toml")), vars(&[]))
            .expect_err("no file");
        assert!(error.to_string().contains("does not exist"), "{error}");
    }
}
